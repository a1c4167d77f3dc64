package io.keycycle;

import io.keycycle.core.KeyState;
import io.keycycle.core.KeycycleEvent;
import io.keycycle.core.OutcomeKind;
import io.keycycle.core.client.ChatResult;
import io.keycycle.core.pool.PoolSnapshot;
import io.keycycle.sim.ProviderKind;
import io.keycycle.sim.SimLimits;
import io.keycycle.sim.SimProvider;
import io.keycycle.sim.Simulator;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Case 4: a key the provider rejects (Gemini 400 {@code API_KEY_INVALID}, Groq 401
 * {@code invalid_api_key}, Cerebras 401 {@code wrong_api_key}, OpenRouter 401 "User not found.") is
 * disabled at its first rejection; the 50 calls that follow are served by the other keys and never
 * send it again.
 */
class DeadKeyE2eTest {

    @ParameterizedTest(name = "{0} {2}")
    @CsvSource({
            "gemini,     gemini-2.5-flash,                       400 API_KEY_INVALID, 400",
            "groq,       llama-3.1-8b-instant,                   401 invalid_api_key, 401",
            "cerebras,   gpt-oss-120b,                           401 wrong_api_key,   401",
            "openrouter, meta-llama/llama-3.3-70b-instruct:free, 401 User not found,  401"})
    void aRejectedKeyIsDisabledAndNeverSentAgain(String provider, String model, String shape, int status) {
        E2e.Recorder rec = new E2e.Recorder();
        SimProvider.Builder sp = SimProvider.builder(ProviderKind.of(provider)).model(model, SimLimits.UNLIMITED)
                .freeModelLimits(SimLimits.UNLIMITED);
        for (int i = 1; i <= 3; i++) sp.key(E2e.secret(provider, i), "scope-" + i);
        String yaml = E2e.unlimited(provider + "/" + model, provider + "/*");
        try (Simulator sim = Simulator.builder().provider(sp.build()).build().start();
             Keycycle kc = E2e.keycycle(sim, yaml).keys(provider, E2e.keys(provider, "scope-1", "scope-2", "scope-3"))
                     .listener(rec).build()) {
            sim.provider(provider).killKey(E2e.secret(provider, 2));
            String dead = kc.pool(provider).keys().get(1).fingerprint();

            for (int i = 0; i < 51; i++) {
                Served<ChatResult> s = kc.chat(provider + "/" + model, E2e.chat("call " + i), CallSpec.defaults());
                assertThat(s.value().status()).isEqualTo(200);
                assertThat(s.fingerprint()).isNotEqualTo(dead);
            }

            assertThat(E2e.simRow(sim, provider, dead).requests()).as("sent once, never again").isEqualTo(1);
            assertThat(rec.settled(provider)).filteredOn(e -> e.fingerprint().equals(dead)).singleElement().satisfies(e -> {
                assertThat(e.outcome()).isEqualTo(OutcomeKind.KEY_INVALID);
                assertThat(e.status()).isEqualTo(status);
                assertThat(e.requests()).as("a rejected key's request is not counted by the provider").isZero();
            });
            assertThat(rec.states(provider, KeyState.DISABLED)).singleElement().satisfies(e -> {
                assertThat(e.level()).isEqualTo(KeycycleEvent.Level.KEY);
                assertThat(e.fingerprint()).isEqualTo(dead);
            });
            assertThat(kc.pool(provider).snapshot().keys()).filteredOn(k -> k.fingerprint().equals(dead))
                    .singleElement().extracting(PoolSnapshot.KeyView::state).isEqualTo(KeyState.DISABLED);
            assertThat(sim.stats().total(provider).successes()).isEqualTo(51);
        }
    }
}
