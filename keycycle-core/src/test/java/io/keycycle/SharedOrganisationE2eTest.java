package io.keycycle;

import io.keycycle.core.KeyState;
import io.keycycle.core.NoAvailableKeyException;
import io.keycycle.core.RateLimitException;
import io.keycycle.core.testing.ManualClock;
import io.keycycle.sim.ProviderKind;
import io.keycycle.sim.SimKey;
import io.keycycle.sim.SimLimits;
import io.keycycle.sim.SimProvider;
import io.keycycle.sim.Simulator;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Three Groq keys of one organisation, configured as three scopes (the usual mistake: rotating keys
 * of one organisation adds no capacity). Each 429 names the organisation; once the keys have been
 * named with the same one, the first 429 of a minute holds all three, so a minute costs one 429
 * instead of one per key.
 */
class SharedOrganisationE2eTest {

    static final Instant T0 = Instant.parse("2026-11-30T08:00:00Z");
    static final String MODEL = "openai/gpt-oss-120b";

    @Test
    void keysTheProviderNamesInOneOrganisationAreHeldTogether() {
        ManualClock clock = new ManualClock(T0);
        E2e.Recorder rec = new E2e.Recorder();
        SimProvider.Builder groq = SimProvider.groq().model(MODEL, SimLimits.UNLIMITED.rpm(4));
        for (int i = 1; i <= 3; i++) groq.key(SimKey.fakeSecret(ProviderKind.GROQ, i), "org_shared1");
        try (Simulator sim = Simulator.builder().provider(groq.build()).clock(E2e.simClock(clock)).build().start();
             Keycycle kc = E2e.keycycle(sim, E2e.unlimited("groq/" + MODEL)).keys("groq", E2e.keys("groq", "a", "b", "c"))
                     .clock(clock).listener(rec).build()) {
            int served = 0;
            for (int i = 0; i < 120; i++) { // a call every 5 s for 10 minutes
                try {
                    kc.chat("groq/" + MODEL, E2e.chat("call " + i, 20), CallSpec.defaults());
                    served++;
                } catch (NoAvailableKeyException | RateLimitException refused) {
                    // counted through the simulator's stats
                }
                clock.advance(Duration.ofSeconds(5));
            }
            assertThat(served).as("4 a minute for the organisation").isBetween(36, 44);
            long limited = sim.stats().total429();
            // the first minute teaches the organisation (one 429 per key), then one 429 a minute
            assertThat(limited).as("429s in 10 minutes").isLessThanOrEqualTo(13);
            assertThat(rec.states("groq", KeyState.COOLING)).anySatisfy(s ->
                    assertThat(s.reason()).contains("organisation org_shared1, as key"));
        }
    }
}
