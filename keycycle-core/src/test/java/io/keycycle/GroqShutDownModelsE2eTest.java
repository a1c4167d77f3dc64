package io.keycycle;

import io.keycycle.core.KeyState;
import io.keycycle.core.KeycycleEvent;
import io.keycycle.core.OutcomeKind;
import io.keycycle.core.RateLimitException;
import io.keycycle.core.pool.PoolSnapshot;
import io.keycycle.sim.SimProvider;
import io.keycycle.sim.Simulator;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * Groq's Llama models shut down on 2026-08-16 answer 404 {@code model_not_found} ("does not exist or
 * you do not have access to it"), not 400 {@code model_decommissioned}: the pool reads it as the
 * model gone (MODEL_UNAVAILABLE for the model, on the first key that hears it), not as a fault of the
 * keys, which stay ready and serve the provider's current models.
 */
class GroqShutDownModelsE2eTest {

    @ParameterizedTest
    @ValueSource(strings = {"llama-3.3-70b-versatile", "llama-3.1-8b-instant"})
    void aShutDownLlamaModelIs404ModelNotFoundAndTheModelNotTheKeyIsTakenOut(String model) {
        E2e.Recorder rec = new E2e.Recorder();
        try (Simulator sim = Simulator.builder().provider(SimProvider.groq().fakeKeys(2, "org-1").currentModels().build()).build().start();
             Keycycle kc = E2e.keycycle(sim, "{}").keys("groq", E2e.keys("groq", "org-1", "org-1")).listener(rec).build()) {
            RateLimitException e = catchThrowableOfType(
                    () -> kc.chat("groq/" + model, E2e.chat("hi"), CallSpec.defaults()), RateLimitException.class);

            assertThat(e.lastOutcome().kind()).isEqualTo(OutcomeKind.MODEL_UNAVAILABLE);
            assertThat(e.lastOutcome().status()).as("Groq's answer for a shut-down model").isEqualTo(404);
            assertThat(sim.stats().total("groq").requests()).as("one key heard it; the other was not tried").isEqualTo(1);
            assertThat(rec.states("groq", KeyState.MODEL_UNAVAILABLE)).singleElement().satisfies(s -> {
                assertThat(s.level()).isEqualTo(KeycycleEvent.Level.MODEL);
                assertThat(s.model()).isEqualTo(model);
            });
            assertThat(rec.states("groq", KeyState.DISABLED)).isEmpty();
            assertThat(kc.pool("groq").snapshot().keys()).extracting(PoolSnapshot.KeyView::state).containsOnly(KeyState.READY);
            assertThat(kc.chat("groq/openai/gpt-oss-120b", E2e.chat("hi"), CallSpec.defaults()).value().status()).isEqualTo(200);
        }
    }
}
