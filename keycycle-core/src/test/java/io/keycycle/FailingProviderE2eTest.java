package io.keycycle;

import io.keycycle.core.KeyState;
import io.keycycle.core.KeycycleEvent;
import io.keycycle.core.KeycycleException;
import io.keycycle.core.client.ChatResult;
import io.keycycle.core.pool.PoolPolicy;
import io.keycycle.sim.FaultKind;
import io.keycycle.sim.SimLimits;
import io.keycycle.sim.SimProvider;
import io.keycycle.sim.Simulator;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * A provider that answers 500 to everything (an outage, not a key's fault): after five transient
 * failures within 10 s and no success the model backs off as an overloaded one does, so the calls that follow go
 * straight to the tier's next candidate instead of each trying every key of the failing provider
 * first; once the provider answers again, the model serves again by itself.
 */
class FailingProviderE2eTest {

    static final String GROQ = "groq/llama-3.3-70b-versatile";
    static final String CEREBRAS = "cerebras/gpt-oss-120b";

    static Simulator sim() {
        return Simulator.builder()
                .provider(SimProvider.groq().fakeKeys(4).model("llama-3.3-70b-versatile", SimLimits.UNLIMITED).build())
                .provider(SimProvider.cerebras().fakeKeys(1).model("gpt-oss-120b", SimLimits.UNLIMITED).build())
                .build().start();
    }

    static Keycycle.Builder keycycle(Simulator sim) {
        String yaml = E2e.yaml(List.of(GROQ + "=" + E2e.UNLIMITED, CEREBRAS + "=" + E2e.UNLIMITED), "t=[" + GROQ + ", " + CEREBRAS + "]");
        return E2e.keycycle(sim, yaml).keys("groq", E2e.keys("groq", "o1", "o2", "o3", "o4"))
                .keys("cerebras", E2e.keys("cerebras", "c1"));
    }

    @Test
    void aProviderFailingOnEveryKeyIsBackedOffAndTheTierMovesOnUntilItAnswersAgain() {
        E2e.Recorder rec = new E2e.Recorder();
        try (Simulator sim = sim(); Keycycle kc = keycycle(sim).listener(rec).build()) {
            sim.provider("groq").faultProbability(1.0, FaultKind.INTERNAL_500);
            for (int i = 0; i < 20; i++) {
                Served<ChatResult> s = kc.chat("t", E2e.chat("call " + i, 20), CallSpec.defaults());
                assertThat(s.provider()).as("call %d", i).isEqualTo("cerebras");
            }
            // five to trip; after the first backoff (about a second) one more try each time it ends
            assertThat(sim.stats().total("groq").requests()).as("calls sent to the failing provider").isBetween(5L, 8L);
            assertThat(rec.states("groq", KeyState.COOLING)).isNotEmpty()
                    .allSatisfy(e -> assertThat(e.level()).isEqualTo(KeycycleEvent.Level.MODEL))
                    .allSatisfy(e -> assertThat(e.reason()).startsWith("provider failing: "));
            assertThat(kc.pool("groq").snapshot().keys()).as("no key was blamed")
                    .allSatisfy(k -> assertThat(k.state()).isEqualTo(KeyState.READY));

            sim.provider("groq").faultProbability(0);
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
                    assertThat(kc.chat("t", E2e.chat("again", 20), CallSpec.defaults()).provider()).isEqualTo("groq"));
        }
    }

    @Test
    void turnedOffEachCallTriesTheKeysOfTheFailingProviderFirst() {
        try (Simulator sim = sim(); Keycycle kc = keycycle(sim).policy(PoolPolicy.DEFAULT.withTransientTrip(0)).build()) {
            sim.provider("groq").faultProbability(1.0, FaultKind.INTERNAL_500);
            for (int i = 0; i < 3; i++) assertThat(kc.chat("t", E2e.chat("call " + i, 20), CallSpec.defaults()).provider()).isEqualTo("cerebras");
            assertThat(sim.stats().total("groq").requests()).as("every key, every call").isGreaterThanOrEqualTo(12L);
            assertThatThrownBy(() -> PoolPolicy.DEFAULT.withTransientTrip(-1)).isInstanceOf(KeycycleException.class)
                    .hasMessageContaining("transientTrip");
        }
    }
}
