package io.keycycle;

import io.keycycle.core.KeyState;
import io.keycycle.core.KeycycleEvent;
import io.keycycle.core.KeycycleEvent.Level;
import io.keycycle.core.NoAvailableKeyException;
import io.keycycle.core.OutcomeKind;
import io.keycycle.core.RateLimitException;
import io.keycycle.sim.FaultKind;
import io.keycycle.sim.ProviderControl;
import io.keycycle.sim.ProviderKind;
import io.keycycle.sim.SimLimits;
import io.keycycle.sim.SimProvider;
import io.keycycle.sim.Simulator;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Case 7: every shape of providers.md §6 — temporary 429, daily 429, dead key, payment/suspension,
 * overload, model gone — goes through the real HTTP client and the provider profile to the right
 * {@link OutcomeKind}, state change and exception, and the next call is refused locally without
 * asking the provider again.
 *
 * <p>Daily limits are set on tokens for Groq and Cerebras: their success headers report the request
 * day window, from which the pool would park the scope before the provider ever answers 429.
 */
class OutcomeShapesE2eTest {

    /** One provider answer shape and what it must become. */
    record Shape(String provider, String model, String shape, Consumer<Ctx> setup, OutcomeKind kind, int status,
                 Level level, KeyState state, boolean allModels) {
        @Override public String toString() { return provider + " " + shape; }
    }

    /** What a set-up step may use: the provider's switches and a priming call. */
    record Ctx(ProviderControl control, String model, Keycycle kc, String target) {
        void limits(SimLimits l) {
            if (control.kind() == ProviderKind.OPENROUTER) control.setFreeModelLimits(l);
            else control.setLimits(model, l);
        }

        void prime() {
            assertThat(kc.chat(target, E2e.chat("prime", 20), CallSpec.defaults()).value().status()).isEqualTo(200);
        }
    }

    static Stream<Shape> shapes() {
        String c = "gpt-oss-120b", g = "llama-3.1-8b-instant", m = "gemini-2.5-flash", o = "meta-llama/llama-3.3-70b-instruct:free";
        Consumer<Ctx> perMinute = x -> { x.limits(SimLimits.UNLIMITED.rpm(1)); x.prime(); };
        Consumer<Ctx> tokensPerDay = x -> { x.limits(SimLimits.UNLIMITED.tpd(40)); x.prime(); };
        Consumer<Ctx> requestsPerDay = x -> { x.limits(SimLimits.UNLIMITED.rpd(1)); x.prime(); };
        Consumer<Ctx> dead = x -> x.control().killKey(E2e.secret(x.control().kind().id(), 1));
        Consumer<Ctx> suspended = x -> x.control().suspendKey(E2e.secret(x.control().kind().id(), 1));
        Consumer<Ctx> noCredit = x -> x.control().exhaustCredit(E2e.secret(x.control().kind().id(), 1));
        Consumer<Ctx> overloaded = x -> x.control().failNext(1, FaultKind.OVERLOADED_503);
        Consumer<Ctx> gone = x -> x.control().markGone(x.model());
        return Stream.of(
                new Shape("cerebras", c, "429 requests per minute", perMinute, OutcomeKind.RATE_LIMITED, 429, Level.SCOPE, KeyState.COOLING, false),
                new Shape("cerebras", c, "429 tokens per day", tokensPerDay, OutcomeKind.QUOTA_EXHAUSTED, 429, Level.SCOPE, KeyState.PARKED, false),
                new Shape("cerebras", c, "429 queue_exceeded", x -> x.control().failNext(1, FaultKind.QUEUE_EXCEEDED), OutcomeKind.OVERLOADED, 429, Level.MODEL, KeyState.COOLING, false),
                new Shape("cerebras", c, "401 wrong_api_key", dead, OutcomeKind.KEY_INVALID, 401, Level.KEY, KeyState.DISABLED, true),
                new Shape("cerebras", c, "402 payment required", noCredit, OutcomeKind.PAYMENT, 402, Level.KEY, KeyState.DISABLED, true),
                new Shape("cerebras", c, "503 overloaded", overloaded, OutcomeKind.OVERLOADED, 503, Level.MODEL, KeyState.COOLING, false),
                new Shape("cerebras", c, "404 model_not_found", gone, OutcomeKind.MODEL_UNAVAILABLE, 404, Level.MODEL, KeyState.MODEL_UNAVAILABLE, false),

                new Shape("groq", g, "429 (RPM)", perMinute, OutcomeKind.RATE_LIMITED, 429, Level.SCOPE, KeyState.COOLING, false),
                new Shape("groq", g, "429 (TPD)", tokensPerDay, OutcomeKind.QUOTA_EXHAUSTED, 429, Level.SCOPE, KeyState.PARKED, false),
                new Shape("groq", g, "401 invalid_api_key", dead, OutcomeKind.KEY_INVALID, 401, Level.KEY, KeyState.DISABLED, true),
                new Shape("groq", g, "400 organization_restricted", suspended, OutcomeKind.KEY_SUSPENDED, 400, Level.KEY, KeyState.DISABLED, true),
                new Shape("groq", g, "503 over capacity", overloaded, OutcomeKind.OVERLOADED, 503, Level.MODEL, KeyState.COOLING, false),
                new Shape("groq", g, "400 model_decommissioned", gone, OutcomeKind.MODEL_UNAVAILABLE, 400, Level.MODEL, KeyState.MODEL_UNAVAILABLE, false),

                new Shape("gemini", m, "429 PerMinute", perMinute, OutcomeKind.RATE_LIMITED, 429, Level.SCOPE, KeyState.COOLING, false),
                new Shape("gemini", m, "429 PerDay", requestsPerDay, OutcomeKind.QUOTA_EXHAUSTED, 429, Level.SCOPE, KeyState.PARKED, false),
                new Shape("gemini", m, "400 API_KEY_INVALID", dead, OutcomeKind.KEY_INVALID, 400, Level.KEY, KeyState.DISABLED, true),
                new Shape("gemini", m, "403 reported as leaked", suspended, OutcomeKind.KEY_SUSPENDED, 403, Level.KEY, KeyState.DISABLED, true),
                new Shape("gemini", m, "503 UNAVAILABLE", overloaded, OutcomeKind.OVERLOADED, 503, Level.MODEL, KeyState.COOLING, false),
                new Shape("gemini", m, "404 no longer available", gone, OutcomeKind.MODEL_UNAVAILABLE, 404, Level.MODEL, KeyState.MODEL_UNAVAILABLE, false),
                new Shape("gemini", m, "429 limit: 0", x -> x.limits(SimLimits.UNLIMITED.rpm(0)), OutcomeKind.QUOTA_EXHAUSTED, 429, Level.SCOPE, KeyState.PARKED, false),

                new Shape("openrouter", o, "429 free-models-per-min", perMinute, OutcomeKind.RATE_LIMITED, 429, Level.SCOPE, KeyState.COOLING, true),
                new Shape("openrouter", o, "429 free-models-per-day", requestsPerDay, OutcomeKind.QUOTA_EXHAUSTED, 429, Level.SCOPE, KeyState.PARKED, true),
                new Shape("openrouter", o, "401 User not found", dead, OutcomeKind.KEY_INVALID, 401, Level.KEY, KeyState.DISABLED, true),
                new Shape("openrouter", o, "402 insufficient credits", noCredit, OutcomeKind.PAYMENT, 402, Level.KEY, KeyState.DISABLED, true),
                new Shape("openrouter", o, "503 no available provider", overloaded, OutcomeKind.OVERLOADED, 503, Level.MODEL, KeyState.COOLING, false),
                new Shape("openrouter", o, "429 rate-limited upstream", x -> x.control().failNext(1, FaultKind.UPSTREAM_429), OutcomeKind.OVERLOADED, 429, Level.MODEL, KeyState.COOLING, false),
                new Shape("openrouter", o, "404 No endpoints found", gone, OutcomeKind.MODEL_UNAVAILABLE, 404, Level.MODEL, KeyState.MODEL_UNAVAILABLE, false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    void eachProviderAnswerShapeReachesItsOutcomeAndState(Shape s) {
        E2e.Recorder rec = new E2e.Recorder();
        SimProvider sp = SimProvider.builder(ProviderKind.of(s.provider())).fakeKeys(1).model(s.model(), SimLimits.UNLIMITED)
                .freeModelLimits(SimLimits.UNLIMITED).build();
        String target = s.provider() + "/" + s.model();
        try (Simulator sim = Simulator.builder().provider(sp).build().start();
             Keycycle kc = E2e.keycycle(sim, E2e.unlimited(target, s.provider() + "/*"))
                     .keys(s.provider(), E2e.keys(s.provider(), "scope-1")).listener(rec).build()) {
            String fp = kc.pool(s.provider()).keys().get(0).fingerprint();
            s.setup().accept(new Ctx(sim.provider(s.provider()), s.model(), kc, target));
            rec.clear();

            assertThatThrownBy(() -> kc.chat(target, E2e.chat("the call", 20), CallSpec.defaults()))
                    .isInstanceOfSatisfying(RateLimitException.class, e -> {
                        assertThat(e.attempts()).singleElement().satisfies(a -> {
                            assertThat(a.fingerprint()).isEqualTo(fp);
                            assertThat(a.outcome().kind()).isEqualTo(s.kind());
                            assertThat(a.outcome().status()).isEqualTo(s.status());
                        });
                        assertThat(e.getCause()).as("the provider's answer is the cause").isNotNull();
                    });
            assertThat(rec.settled()).singleElement().satisfies(e -> {
                assertThat(e.outcome()).isEqualTo(s.kind());
                assertThat(e.status()).isEqualTo(s.status());
                assertThat(e.requests()).isEqualTo(s.kind().countedByProvider() ? 1 : 0);
            });
            List<KeycycleEvent.StateChanged> changes = rec.of(KeycycleEvent.StateChanged.class, e -> true);
            assertThat(changes).singleElement().satisfies(c -> {
                assertThat(c.level()).isEqualTo(s.level());
                assertThat(c.state()).isEqualTo(s.state());
                assertThat(c.model()).isEqualTo(s.allModels() ? "*" : s.model());
                assertThat(c.reason()).isNotBlank();
                if (s.level() == Level.KEY) assertThat(c.fingerprint()).isEqualTo(fp);
                if (s.state() == KeyState.COOLING || s.state() == KeyState.PARKED) assertThat(c.until()).isAfter(c.at());
            });

            long requests = sim.stats().totalRequests();
            assertThatThrownBy(() -> kc.chat(target, E2e.chat("next", 20), CallSpec.defaults()))
                    .as("refused locally").isInstanceOf(NoAvailableKeyException.class);
            assertThat(sim.stats().totalRequests()).as("the provider is not asked again").isEqualTo(requests);
        }
    }
}
