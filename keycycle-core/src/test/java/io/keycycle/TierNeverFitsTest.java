package io.keycycle;

import io.keycycle.core.RequestNeverFitsException;
import io.keycycle.sim.SimLimits;
import io.keycycle.sim.SimProvider;
import io.keycycle.sim.Simulator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * A request that no candidate of a tier could ever admit (its reservation is above a token limit of
 * every key of every candidate) fails as that — {@link RequestNeverFitsException}, the gateway's 413 —
 * and not as "every candidate is exhausted", which reads as "try again later" (a 503 the OpenAI
 * clients retry in vain).
 */
class TierNeverFitsTest {

    static final String A = "llama-3.3-70b-versatile";
    static final String B = "llama-3.1-8b-instant";
    Simulator sim;
    Keycycle kc;

    @AfterEach
    void stop() {
        if (kc != null) kc.close();
        if (sim != null) sim.close();
    }

    @Test
    void aRequestNoCandidateCanEverAdmitIsNeverFitsForTheTier() {
        sim = Simulator.builder().provider(SimProvider.groq().fakeKeys(2).model(A, SimLimits.UNLIMITED).model(B, SimLimits.UNLIMITED)
                .build()).build().start();
        String yaml = E2e.yaml(List.of("groq/" + A + "={ rpm: 30, tpm: 6000 }", "groq/" + B + "={ rpm: 30, tpm: 6000 }"),
                "fast=[groq/" + A + ", groq/" + B + "]");
        kc = E2e.keycycle(sim, yaml).keys("groq", E2e.keys("groq", "scope-1", "scope-2")).build();

        Throwable t = catchThrowable(() -> kc.chat("fast", E2e.chat("a long essay", 100_000), CallSpec.defaults()));

        assertThat(t).isInstanceOf(RequestNeverFitsException.class);
        assertThat(t.getMessage()).contains(A).contains(B);
        assertThat(sim.stats().totalRequests()).isZero();
    }
}
