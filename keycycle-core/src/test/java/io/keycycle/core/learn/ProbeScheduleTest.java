package io.keycycle.core.learn;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ProbeScheduleTest {

    static final Instant T0 = Instant.parse("2026-11-30T10:00:00Z");
    final ProbeSchedule s = ProbeSchedule.DEFAULT;

    @Test
    void aBadKeyIsProbedAfterAnHourThenDoublingUpToADay() {
        long[] hours = {1, 2, 4, 8, 16, 24, 24, 24};
        for (int failures = 0; failures < hours.length; failures++) {
            assertThat(Duration.between(T0, s.next(ProbeSchedule.Cause.KEY, failures, T0, null)))
                    .as("after %d failed probes", failures).isEqualTo(Duration.ofHours(hours[failures]));
        }
        assertThat(s.next(ProbeSchedule.Cause.KEY, 1_000_000, T0, null)).isEqualTo(T0.plus(Duration.ofHours(24)));
    }

    @Test
    void creditIsProbedDailyOrAtTheProvidersResetWhenSooner() {
        assertThat(s.next(ProbeSchedule.Cause.CREDIT, 5, T0, null)).isEqualTo(T0.plus(Duration.ofDays(1)));
        Instant midnight = Instant.parse("2026-12-01T00:00:00Z");
        assertThat(s.next(ProbeSchedule.Cause.CREDIT, 0, T0, midnight)).isEqualTo(midnight);
        assertThat(s.next(ProbeSchedule.Cause.CREDIT, 0, T0, T0.minusSeconds(1))).isEqualTo(T0.plus(Duration.ofDays(1)));
        assertThat(s.next(ProbeSchedule.Cause.KEY, 0, T0, midnight)).as("a reset is about credit only").isEqualTo(T0.plusSeconds(3600));
    }

    @Test
    void nonsenseSchedulesAreRejected() {
        assertThatThrownBy(() -> new ProbeSchedule(Duration.ZERO, Duration.ofHours(1), Duration.ofHours(1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ProbeSchedule(Duration.ofHours(2), Duration.ofHours(1), Duration.ofHours(1)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
