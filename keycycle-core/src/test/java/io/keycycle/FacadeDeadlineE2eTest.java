package io.keycycle;

import io.keycycle.core.KeycycleException;
import io.keycycle.sim.ProviderKind;
import io.keycycle.sim.SimLimits;
import io.keycycle.sim.SimProvider;
import io.keycycle.sim.Simulator;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * The facade's own HTTP calls keep their bounds: a plain chat ends at the call's deadline
 * ({@link CallSpec#timeout()}, "waits included"), not at the client's much longer request
 * timeout.
 */
class FacadeDeadlineE2eTest {

    private static final String MODEL = "llama-3.1-8b-instant";

    @Test
    void aPlainChatEndsAtTheCallsDeadlineNotAtTheRequestTimeout() {
        SimProvider groq = SimProvider.builder(ProviderKind.GROQ).model(MODEL, SimLimits.UNLIMITED)
                .key(E2e.secret("groq", 1), "org").build();
        try (Simulator sim = Simulator.builder().latency(Duration.ofSeconds(5)).provider(groq).build().start();
             Keycycle kc = E2e.keycycle(sim, E2e.unlimited("groq/" + MODEL)).keys("groq", E2e.keys("groq", "org")).build()) {
            long t0 = System.nanoTime();
            assertTimeoutPreemptively(Duration.ofSeconds(15), () ->
                    assertThatThrownBy(() -> kc.chat("groq/" + MODEL, E2e.chat("slow"), CallSpec.defaults().withTimeout(Duration.ofSeconds(1))))
                            .isInstanceOf(KeycycleException.class));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertThat(ms).as("a 1 s deadline on a provider that answers in 5 s (request timeout 120 s)").isLessThan(3_000);
        }
    }
}
