package io.keycycle;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.keycycle.core.KeyState;
import io.keycycle.core.NoAvailableKeyException;
import io.keycycle.core.OutcomeKind;
import io.keycycle.core.RateLimitException;
import io.keycycle.core.client.ChatResult;
import io.keycycle.core.pool.PoolSnapshot;
import io.keycycle.sim.SimLimits;
import io.keycycle.sim.SimProvider;
import io.keycycle.sim.Simulator;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * The provider signals of the 2026-11-30 addendum end to end, over real HTTP against the simulator:
 * Cerebras' up-front reservation, OpenRouter's per-key 402, a retired model's suggestions.
 */
class ProviderSignalsE2eTest {

    @Test
    void aCerebrasRequestWhoseReservationCanNeverFitIsRefusedLocallyWithTheReasonAndNeverSent() {
        try (Simulator sim = Simulator.builder().provider(SimProvider.cerebras().fakeKeys(2)
                     .model("gpt-oss-120b", SimLimits.UNLIMITED.tpm(30_000)).build()).build().start();
             Keycycle kc = E2e.keycycle(sim, "{}").keys("cerebras", E2e.keys("cerebras", "org-1", "org-2")).build()) {
            ObjectNode big = E2e.chat("x".repeat(56_000));            // ~14,000 prompt tokens + 16,384 reserved > 30,000
            NoAvailableKeyException e = catchThrowableOfType(
                    () -> kc.chat("cerebras/gpt-oss-120b", big, CallSpec.defaults()), NoAvailableKeyException.class);
            assertThat(e.getMessage()).contains("16,384 when the request sets none", "30000 tokens per minute",
                    "set max_completion_tokens to at most", "was not sent");
            assertThat(e.retryAt()).as("never: retrying later does not help").isNull();
            assertThat(sim.stats().total("cerebras").requests()).as("never sent").isZero();

            big.put("max_completion_tokens", 1_000);                  // what the message says to set
            Served<ChatResult> ok = kc.chat("cerebras/gpt-oss-120b", big, CallSpec.defaults());
            assertThat(ok.value().status()).isEqualTo(200);
            // a small request without a maximum reserves 16,384 + prompt, which fits: sent
            assertThat(kc.chat("cerebras/gpt-oss-120b", E2e.chat("hi"), CallSpec.defaults()).value().status()).isEqualTo(200);
            assertThat(sim.stats().total429()).isZero();
        }
    }

    @Test
    void aCerebrasCandidateThatCanNeverFitFallsBackToTheNextOne() {
        try (Simulator sim = Simulator.builder()
                     .provider(SimProvider.cerebras().fakeKeys(1).model("gpt-oss-120b", SimLimits.UNLIMITED.tpm(30_000)).build())
                     .provider(SimProvider.groq().fakeKeys(1).model("openai/gpt-oss-120b", SimLimits.UNLIMITED).build())
                     .build().start();
             Keycycle kc = E2e.keycycle(sim, E2e.yaml(java.util.List.of("groq/openai/gpt-oss-120b=" + E2e.UNLIMITED),
                     "big=[cerebras/gpt-oss-120b, groq/openai/gpt-oss-120b]"))
                     .keys("cerebras", E2e.keys("cerebras", "org-1")).keys("groq", E2e.keys("groq", "org-g")).build()) {
            Served<ChatResult> s = kc.chat("big", E2e.chat("x".repeat(56_000)), CallSpec.defaults());
            assertThat(s.provider()).isEqualTo("groq");
            assertThat(sim.stats().total("cerebras").requests()).isZero();
        }
    }

    @Test
    void anOpenRouterKeyLimit402DisablesThatKeyOnlyAndTheOthersOfTheAccountServe() {
        String model = "meta-llama/llama-3.3-70b-instruct:free";
        try (Simulator sim = Simulator.builder().provider(SimProvider.openrouter().fakeKeys(3, "acct")
                     .model(model, SimLimits.UNLIMITED).freeModelLimits(SimLimits.UNLIMITED).build()).build().start();
             Keycycle kc = E2e.keycycle(sim, E2e.unlimited("openrouter/*"))
                     .keys("openrouter", E2e.keys("openrouter", "acct", "acct", "acct")).build()) {
            sim.provider("openrouter").exhaustKeyLimit(E2e.secret("openrouter", 2));
            String limited = kc.pool("openrouter").keys().get(1).fingerprint();
            for (int i = 0; i < 12; i++) {
                Served<ChatResult> s = kc.chat("openrouter/" + model, E2e.chat("call " + i), CallSpec.defaults());
                assertThat(s.value().status()).isEqualTo(200);
            }
            assertThat(E2e.simRow(sim, "openrouter", limited).requests()).as("sent once, then disabled").isEqualTo(1);
            for (PoolSnapshot.KeyView k : kc.pool("openrouter").snapshot().keys()) {
                assertThat(k.state()).as(k.fingerprint()).isEqualTo(k.fingerprint().equals(limited) ? KeyState.DISABLED : KeyState.READY);
            }
        }
    }

    @Test
    void aRetiredModelAnswersWithWhatTheCatalogSuggestsInstead() {
        try (Simulator sim = Simulator.builder().provider(SimProvider.groq().fakeKeys(1).currentModels().build()).build().start();
             Keycycle kc = E2e.keycycle(sim, "{}").keys("groq", E2e.keys("groq", "org-1")).build()) {
            RateLimitException e = catchThrowableOfType(
                    () -> kc.chat("groq/llama-3.3-70b-versatile", E2e.chat("hi"), CallSpec.defaults()), RateLimitException.class);
            assertThat(e.lastOutcome().kind()).isEqualTo(OutcomeKind.MODEL_UNAVAILABLE);
            assertThat(e.getMessage()).contains("the catalog suggests instead: groq/openai/gpt-oss-120b");
            assertThat(kc.chat("groq", E2e.chat("hi"), CallSpec.defaults()).model()).isEqualTo("openai/gpt-oss-120b");
        }
    }

    /**
     * OpenRouter's request-shaped 404 ("No endpoints found that support tool use"): the request asks
     * for something no endpoint of the model serves. The answer goes back to the caller as it came,
     * after one attempt; the model stays available and every key stays ready — the same model without
     * tools is served at once.
     */
    @Test
    void openRoutersNoToolSupport404GoesBackToTheCallerAndChangesNoPoolState() {
        String model = "openai/gpt-4o-mini";
        E2e.Recorder rec = new E2e.Recorder();
        try (Simulator sim = Simulator.builder().provider(SimProvider.openrouter().fakeKeys(2, "acct")
                     .model(model, SimLimits.UNLIMITED).noToolSupport(model).build()).build().start();
             Keycycle kc = E2e.keycycle(sim, E2e.unlimited("openrouter/*", "openrouter/" + model))
                     .keys("openrouter", E2e.keys("openrouter", "acct", "acct")).listener(rec).build()) {
            ObjectNode withTools = E2e.chat("what is the weather in Oslo?");
            withTools.putArray("tools").addObject().put("type", "function").putObject("function").put("name", "get_weather")
                    .putObject("parameters").put("type", "object");

            RateLimitException e = catchThrowableOfType(
                    () -> kc.chat("openrouter/" + model, withTools, CallSpec.defaults()), RateLimitException.class);
            assertThat(e.attempts()).as("not retried on the account's other key").hasSize(1);
            assertThat(e.lastOutcome().kind()).isEqualTo(OutcomeKind.REQUEST_INVALID);
            assertThat(e.lastOutcome().status()).isEqualTo(404);
            assertThat(e.getCause()).isInstanceOfSatisfying(io.keycycle.core.ProviderHttpException.class, h -> {
                assertThat(h.statusCode()).isEqualTo(404);
                assertThat(h.body()).contains("No endpoints found that support tool use");
            });
            assertThat(sim.stats().total("openrouter").requests()).isEqualTo(1);

            PoolSnapshot snap = kc.pool("openrouter").snapshot();
            assertThat(snap.keys()).allSatisfy(k -> assertThat(k.state()).as(k.fingerprint()).isEqualTo(KeyState.READY));
            assertThat(snap.models()).noneSatisfy(m -> assertThat(m.unavailable() || m.backoffUntil() != null).isTrue());
            assertThat(rec.of(io.keycycle.core.KeycycleEvent.StateChanged.class, x -> true)).as("no state changed").isEmpty();
            io.keycycle.core.PoolAvailability a = kc.pool("openrouter").availability(model, 10);
            assertThat(a.cooling() + a.parked() + a.disabled()).isZero();

            assertThat(kc.chat("openrouter/" + model, E2e.chat("no tools this time"), CallSpec.defaults()).value().status()).isEqualTo(200);
        }
    }
}
