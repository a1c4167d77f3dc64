package io.keycycle;

import io.keycycle.core.KeycycleException;
import io.keycycle.core.client.SseEvent;
import io.keycycle.core.client.StreamListener;
import io.keycycle.core.client.StreamResult;
import io.keycycle.sim.FaultKind;
import io.keycycle.sim.ProviderKind;
import io.keycycle.sim.SimLimits;
import io.keycycle.sim.SimProvider;
import io.keycycle.sim.Simulator;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * The facade's own HTTP calls keep their bounds: a plain chat ends at the call's deadline
 * ({@link CallSpec#timeout()}, "waits included"), not at the client's much longer request
 * timeout; a stream that goes silent after its headers ends after the request timeout and the
 * next key serves, instead of holding the caller for as long as the provider keeps the connection.
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

    @Test
    void aStreamSilentAfterItsHeadersEndsAfterTheRequestTimeoutAndTheNextKeyServes() {
        SimProvider groq = SimProvider.builder(ProviderKind.GROQ).model(MODEL, SimLimits.UNLIMITED)
                .key(E2e.secret("groq", 1), "org-a").key(E2e.secret("groq", 2), "org-b").build();
        try (Simulator sim = Simulator.builder().provider(groq).build().start();
             Keycycle kc = E2e.keycycle(sim, E2e.unlimited("groq/" + MODEL)).keys("groq", E2e.keys("groq", "org-a", "org-b"))
                     .requestTimeout(Duration.ofSeconds(1)).build()) {
            sim.provider("groq").failNext(1, FaultKind.STALL_AFTER_HEADERS);
            List<SseEvent> events = new CopyOnWriteArrayList<>();
            long t0 = System.nanoTime();
            Served<StreamResult> served = assertTimeoutPreemptively(Duration.ofSeconds(15), () ->
                    kc.stream("groq/" + MODEL, E2e.chat("hello"), CallSpec.defaults(), StreamListener.of(events::add)));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertThat(ms).as("the stall (30 s) ended by the 1 s request timeout").isLessThan(8_000);
            assertThat(served.value().isSuccess()).isTrue();
            assertThat(served.value().done()).isTrue();
            assertThat(served.attempts()).isEqualTo(2);
            assertThat(events).isNotEmpty();
        }
    }
}
