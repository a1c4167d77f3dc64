package io.keycycle;

import io.keycycle.core.KeyState;
import io.keycycle.core.NoAvailableKeyException;
import io.keycycle.core.RateLimitException;
import io.keycycle.core.testing.ManualClock;
import io.keycycle.sim.SimLimits;
import io.keycycle.sim.SimProvider;
import io.keycycle.sim.Simulator;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Cerebras names an hour limit in its 429's text ("Requests per hour limit exceeded") and sends no
 * wait or reset for it. When the table does not know the limit (or other clients of the
 * organisation spend it), the key cools for a twelfth of the hour rather than the 10-s floor of a
 * minute window, which would send a call into the same 429 six times a minute until the hour's
 * room comes back.
 */
class HourWindowRateLimitTest {

    static final Instant T0 = Instant.parse("2026-11-30T08:00:00Z");
    static final String MODEL = "gpt-oss-120b";

    @Test
    void anHourLimitWithoutAWaitCoolsForATwelfthOfTheHourNotTenSeconds() {
        ManualClock clock = new ManualClock(T0);
        E2e.Recorder rec = new E2e.Recorder();
        SimProvider cerebras = SimProvider.cerebras().fakeKeys(1, "org-1").model(MODEL, SimLimits.UNLIMITED.rph(10)).build();
        try (Simulator sim = Simulator.builder().provider(cerebras).clock(E2e.simClock(clock)).build().start();
             Keycycle kc = E2e.keycycle(sim, E2e.unlimited("cerebras/" + MODEL)).keys("cerebras", E2e.keys("cerebras", "org-1"))
                     .clock(clock).listener(rec).build()) {
            int served = 0;
            // a call every 10 s for 30 minutes against 10 an hour that the table does not know
            for (int i = 0; i < 180; i++) {
                try {
                    kc.chat("cerebras/" + MODEL, E2e.chat("call " + i, 20), CallSpec.defaults());
                    served++;
                } catch (NoAvailableKeyException | RateLimitException refused) {
                    // counted through the simulator's stats
                }
                clock.advance(Duration.ofSeconds(10));
            }
            assertThat(served).isEqualTo(10);
            assertThat(sim.stats().total429()).as("one 429 per cooldown of 5 minutes in the 28 minutes after the tenth call")
                    .isBetween(1L, 7L);
            assertThat(rec.states("cerebras", KeyState.COOLING)).first()
                    .satisfies(s -> assertThat(Duration.between(s.at(), s.until())).isEqualTo(Duration.ofMinutes(5)));
        }
    }
}
