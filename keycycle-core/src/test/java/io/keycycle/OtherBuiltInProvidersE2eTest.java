package io.keycycle;

import io.keycycle.core.NoAvailableKeyException;
import io.keycycle.core.OutcomeKind;
import io.keycycle.core.client.ChatResult;
import io.keycycle.core.pool.Selection;
import io.keycycle.core.testing.ManualClock;
import io.keycycle.sim.ProviderKind;
import io.keycycle.sim.SimLimits;
import io.keycycle.sim.SimProvider;
import io.keycycle.sim.Simulator;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Mistral and Cohere keys set up the way the Python library's users have them ({@code NUM_<P>},
 * {@code <P>_API_KEY_<i>}, {@code <P>_BASE_URL}, {@code COHERE_TIER}) drive real calls. The
 * simulator has no Mistral or Cohere dialect; its Groq endpoint, which speaks the plain
 * OpenAI-compatible chat API, stands in for both (each configured with the test's own fake keys),
 * and the {@code <P>_BASE_URL} variables point the built-in providers at it.
 */
class OtherBuiltInProvidersE2eTest {

    private static final Instant T0 = Instant.parse("2026-12-07T10:00:00Z");
    private static final String MISTRAL_1 = "fake-mistral-test-key-not-real-0001";
    private static final String MISTRAL_2 = "fake-mistral-test-key-not-real-0002";
    private static final String COHERE_1 = "fake-cohere-test-key-not-real-0001";

    private static Keycycle.Builder keycycle(Map<String, String> env, ManualClock clock) {
        return Keycycle.builder().env(env).discoverPersistence(false).shutdownHook(false).clock(clock);
    }

    /** Mistral has no local limits: both calls go out, and the provider's 429 on the first key rotates to the second. */
    @Test
    void mistralKeysFromTheEnvironmentRotateOnTheProvidersOwn429() throws Exception {
        ManualClock clock = new ManualClock(T0);
        E2e.Recorder rec = new E2e.Recorder();
        SimProvider upstream = SimProvider.groq().key(MISTRAL_1, "workspace-a").key(MISTRAL_2, "workspace-b")
                .model("mistral-small-latest", SimLimits.UNLIMITED.rpm(1)).build();
        try (Simulator sim = Simulator.builder().provider(upstream).clock(E2e.simClock(clock)).build().start()) {
            Map<String, String> env = Map.of("NUM_MISTRAL", "2", "MISTRAL_API_KEY_1", MISTRAL_1, "MISTRAL_API_KEY_2", MISTRAL_2,
                    "MISTRAL_BASE_URL", sim.baseUrl(ProviderKind.GROQ));
            try (Keycycle kc = keycycle(env, clock).selection(Selection.FIRST_FIT).listener(rec).build()) {
                assertThat(kc.pool("mistral").snapshot().keys()).hasSize(2);
                Served<ChatResult> first = kc.chat("mistral/mistral-small-latest", E2e.chat("one", 20), CallSpec.defaults());
                Served<ChatResult> second = kc.chat("mistral/mistral-small-latest", E2e.chat("two", 20), CallSpec.defaults());

                assertThat(first.value().status()).isEqualTo(200);
                assertThat(second.value().status()).isEqualTo(200);
                assertThat(E2e.JSON.readTree(first.value().bodyText()).path("choices").path(0).path("message").path("content").asText())
                        .isNotBlank();
                assertThat(E2e.mask(first.fingerprint())).isEqualTo("…0001");
                assertThat(second.attempts()).as("key 1 is not refused locally; the provider's 429 rotates to key 2").isEqualTo(2);
                assertThat(E2e.mask(second.fingerprint())).isEqualTo("…0002");
                assertThat(sim.stats().totalRequests()).isEqualTo(3);
                assertThat(sim.stats().total429()).isEqualTo(1);
                assertThat(rec.outcomes("mistral")).containsExactly(OutcomeKind.SUCCESS, OutcomeKind.RATE_LIMITED, OutcomeKind.SUCCESS);
            }
        }
    }

    /** Cohere's free tier allows 20 calls a minute: the 21st is refused locally, without reaching the provider. */
    @Test
    void cohereFreeTierRefusesThe21stCallOfAMinuteLocally() {
        ManualClock clock = new ManualClock(T0);
        try (Simulator sim = cohereUpstream(clock)) {
            try (Keycycle kc = keycycle(cohereEnv(sim, null), clock).build()) {
                for (int i = 1; i <= 20; i++) {
                    assertThat(kc.chat("cohere/command-a-03-2025", E2e.chat("q" + i, 10), CallSpec.defaults()).value().status())
                            .as("call %d", i).isEqualTo(200);
                }
                assertThat(sim.stats().totalRequests()).isEqualTo(20);
                Instant[] retryAt = new Instant[1];
                assertThatThrownBy(() -> kc.chat("cohere/command-a-03-2025", E2e.chat("q21", 10), CallSpec.defaults()))
                        .isInstanceOfSatisfying(NoAvailableKeyException.class, e -> retryAt[0] = e.retryAt());
                assertThat(retryAt[0]).as("when the minute window frees a slot (the engine's margin included), not the hour's or day's")
                        .isAfter(T0.plusSeconds(59)).isBefore(T0.plusSeconds(70));
                assertThat(sim.stats().totalRequests()).as("the 21st call never reached the provider").isEqualTo(20);

                clock.set(retryAt[0].toEpochMilli());
                assertThat(kc.chat("cohere/command-a-03-2025", E2e.chat("next minute", 10), CallSpec.defaults()).value().status()).isEqualTo(200);
                assertThat(sim.stats().totalRequests()).isEqualTo(21);
            }
        }
    }

    /** {@code COHERE_TIER=pro} reaches the engine: 500 a minute, so the 21st call goes out. */
    @Test
    void cohereTierFromTheEnvironmentSetsTheEnginesLimits() {
        ManualClock clock = new ManualClock(T0);
        try (Simulator sim = cohereUpstream(clock)) {
            try (Keycycle kc = keycycle(cohereEnv(sim, "PRO"), clock).build()) {
                for (int i = 1; i <= 21; i++) {
                    assertThat(kc.chat("cohere/command-a-03-2025", E2e.chat("q" + i, 10), CallSpec.defaults()).value().status())
                            .as("call %d", i).isEqualTo(200);
                }
                assertThat(sim.stats().totalRequests()).isEqualTo(21);
                assertThat(kc.catalog().accountTier("cohere")).hasValue("pro");
                assertThat(kc.catalog().describe("cohere", "command-a-03-2025").limits().limits().rpm()).isEqualTo(500);
            }
        }
    }

    /**
     * Groq's model ids start with {@code openai/}: with only Groq keys, {@code openai/gpt-oss-120b}
     * is still Groq's model, not model {@code gpt-oss-120b} of the (keyless) openai provider.
     */
    @Test
    void aGroqModelNamedOpenAiSlashSomethingStaysGroqsWithoutOpenAiKeys() {
        ManualClock clock = new ManualClock(T0);
        SimProvider groq = SimProvider.groq().fakeKeys(1).model("openai/gpt-oss-120b", SimLimits.UNLIMITED).build();
        try (Simulator sim = Simulator.builder().provider(groq).clock(E2e.simClock(clock)).build().start()) {
            Map<String, String> env = Map.of("NUM_GROQ", "1", "GROQ_API_KEY_1", E2e.secret("groq", 1),
                    "GROQ_BASE_URL", sim.baseUrl(ProviderKind.GROQ));
            try (Keycycle kc = keycycle(env, clock).build()) {
                Served<ChatResult> s = kc.chat("openai/gpt-oss-120b", E2e.chat("hi", 10), CallSpec.defaults());
                assertThat(s.value().status()).isEqualTo(200);
                assertThat(s.provider()).isEqualTo("groq");
                assertThat(s.model()).isEqualTo("openai/gpt-oss-120b");
            }
        }
    }

    private static Simulator cohereUpstream(ManualClock clock) {
        SimProvider upstream = SimProvider.groq().key(COHERE_1, "account-a")
                .model("command-a-03-2025", SimLimits.UNLIMITED).build();
        return Simulator.builder().provider(upstream).clock(E2e.simClock(clock)).build().start();
    }

    private static Map<String, String> cohereEnv(Simulator sim, String tier) {
        Map<String, String> env = new HashMap<>(Map.of("NUM_COHERE", "1", "COHERE_API_KEY_1", COHERE_1,
                "COHERE_BASE_URL", sim.baseUrl(ProviderKind.GROQ)));
        if (tier != null) env.put("COHERE_TIER", tier);
        return env;
    }
}
