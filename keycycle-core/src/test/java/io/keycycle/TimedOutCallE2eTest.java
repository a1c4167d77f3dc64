package io.keycycle;

import io.keycycle.core.KeycycleException;
import io.keycycle.core.OutcomeKind;
import io.keycycle.sim.ProviderKind;
import io.keycycle.sim.SimLimits;
import io.keycycle.sim.SimProvider;
import io.keycycle.sim.Simulator;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * A library caller whose HTTP call times out on a slow provider: the request reached the provider,
 * which counts it, so it stays counted — the pool does not send it again into a full window.
 */
class TimedOutCallE2eTest {

    @Test
    void aCallThatTimedOutStaysCountedAndIsNotSentPastTheLimit() {
        String model = "llama-3.1-8b-instant";
        E2e.Recorder rec = new E2e.Recorder();
        SimProvider groq = SimProvider.builder(ProviderKind.GROQ).model(model, SimLimits.UNLIMITED.rpm(1))
                .key(E2e.secret("groq", 1), "org").build();
        try (Simulator sim = Simulator.builder().latency(Duration.ofMillis(1500)).provider(groq).build().start();
             Keycycle kc = E2e.keycycle(sim, E2e.yaml(java.util.List.of("groq/" + model + "={ rpm: 1 }")))
                     .keys("groq", E2e.keys("groq", "org")).requestTimeout(Duration.ofMillis(300)).listener(rec).build()) {
            assertThatThrownBy(() -> kc.chat("groq/" + model, E2e.chat("slow"), CallSpec.defaults()))
                    .isInstanceOf(KeycycleException.class);
            await().atMost(Duration.ofSeconds(5)).until(() -> sim.stats().totalRequests() >= 1);
            Thread.sleep(1_700); // the simulator records an answer when it writes it

            assertThat(sim.stats().totalRequests()).as("sent once into a window of one").isEqualTo(1);
            assertThat(sim.stats().total429()).isZero();
            assertThat(rec.settled("groq")).singleElement().satisfies(s -> {
                assertThat(s.outcome()).isEqualTo(OutcomeKind.TRANSIENT);
                assertThat(s.requests()).as("the provider has it: still counted").isEqualTo(1);
            });
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }
}
