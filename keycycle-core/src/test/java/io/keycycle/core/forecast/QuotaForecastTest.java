package io.keycycle.core.forecast;

import io.keycycle.core.DailyReset;
import io.keycycle.core.KeyState;
import io.keycycle.core.Limits;
import io.keycycle.core.pool.PoolSnapshot;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class QuotaForecastTest {

    static final DailyReset GEMINI = DailyReset.midnight(ZoneId.of("America/Los_Angeles"));
    static final DailyReset OPENROUTER = DailyReset.midnight(ZoneId.of("UTC"));

    @Test
    void aSteadyRateRunsOutAtTheMinuteTheArithmeticSays() {
        Instant now = Instant.parse("2026-03-10T17:00:00Z");   // 10:00 in Los Angeles (PDT)
        QuotaForecast f = QuotaForecast.of("gemini", "proj-1", "gemini-2.5-flash", Limits.Metric.RPD, 1_000, 400, 2.0, GEMINI, now);
        assertThat(f.exhaustsAt()).isEqualTo(Instant.parse("2026-03-10T22:00:00Z"));   // 600 left at 2/min: 5 hours
        assertThat(f.resetAt()).isEqualTo(Instant.parse("2026-03-11T07:00:00Z"));     // midnight PDT
        assertThat(f.runsOutBeforeReset()).isTrue();
        assertThat(f.remaining()).isEqualTo(600);
        assertThat(f.fractionLeft()).isEqualTo(0.6);
        assertThat(f.leftAtHorizon()).isZero();
        assertThat(f.secondsUntilExhausted(now)).isEqualTo(5 * 3600);
    }

    @Test
    void aSlowRateLastsTheDayAndSaysWhatWillBeLeftAtTheReset() {
        Instant now = Instant.parse("2026-03-10T20:00:00Z");   // 4 hours before midnight UTC
        QuotaForecast f = QuotaForecast.of("openrouter", "acct", "*", Limits.Metric.RPD, 1_000, 100, 1.5, OPENROUTER, now);
        assertThat(f.exhaustsAt()).isNull();
        assertThat(f.runsOutBeforeReset()).isFalse();
        assertThat(f.secondsUntilExhausted(now)).isEqualTo(-1);
        assertThat(f.leftAtHorizon()).isEqualTo(900 - 360);
        assertThat(f.horizon()).isEqualTo(Instant.parse("2026-03-11T00:00:00Z"));
    }

    @Test
    void slidingWindowsLookOneDayAheadAndAnExhaustedLimitRunsOutNow() {
        Instant now = Instant.parse("2026-03-10T20:00:00Z");
        QuotaForecast idle = QuotaForecast.of("groq", "org", "llama", Limits.Metric.TPD, 500_000, 10, 0, DailyReset.sliding(), now);
        assertThat(idle.resetAt()).isNull();
        assertThat(idle.horizon()).isEqualTo(now.plus(Duration.ofDays(1)));
        assertThat(idle.exhaustsAt()).isNull();
        assertThat(idle.leftAtHorizon()).isEqualTo(499_990);
        QuotaForecast gone = QuotaForecast.of("groq", "org", "llama", Limits.Metric.RPD, 1_000, 1_000, 0, DailyReset.sliding(), now);
        assertThat(gone.exhaustsAt()).isEqualTo(now);
        assertThat(gone.secondsUntilExhausted(now)).isZero();
    }

    @Property
    void theForecastNeverRunsOutLateOrPastItsHorizon(@ForAll @LongRange(min = 1, max = 10_000_000) long limit,
                                                      @ForAll @LongRange(min = 0, max = 10_000_000) long used,
                                                      @ForAll @DoubleRange(min = 0, max = 100_000) double rate,
                                                      @ForAll @LongRange(min = 0, max = 86_399) long secondOfDay) {
        Instant now = Instant.parse("2026-03-10T00:00:00Z").plusSeconds(secondOfDay);
        QuotaForecast f = QuotaForecast.of("p", "s", "m", Limits.Metric.RPD, limit, used, rate, OPENROUTER, now);
        if (f.exhaustsAt() != null) {
            assertThat(f.exhaustsAt()).isBeforeOrEqualTo(f.horizon()).isAfterOrEqualTo(now);
            double minutes = Duration.between(now, f.exhaustsAt()).toMillis() / 60_000.0;
            assertThat(used + rate * minutes).isGreaterThanOrEqualTo(limit - 1e-6);          // not early by more than rounding
            if (used < limit) assertThat(used + rate * (minutes - 1.0 / 60_000)).isLessThan(limit + 1e-6);   // and not late
            assertThat(f.leftAtHorizon()).isZero();
        } else {
            assertThat(used + rate * Duration.between(now, f.horizon()).toMillis() / 60_000.0).isLessThanOrEqualTo(limit + 1);
        }
    }

    @Test
    void aParkedScopeHasNothingLeftWhateverItsCountersSay() {
        Instant now = Instant.parse("2026-03-10T20:00:00Z");
        Instant midnight = Instant.parse("2026-03-11T00:00:00Z");
        PoolSnapshot openrouter = new PoolSnapshot("openrouter", now, List.of(
                new PoolSnapshot.KeyView(1, "fp1", "acct-1", KeyState.PARKED, midnight, "daily quota exhausted")), List.of(
                new PoolSnapshot.BucketView("acct-1", "*", KeyState.READY, null, null, List.of(
                        new PoolSnapshot.MetricUsage(Limits.Metric.RPD, 12, 1_000)))), List.of());
        QuotaForecast f = new Forecaster(15).forecast(List.of(openrouter), Map.of("openrouter", OPENROUTER), (p, s, m, t, n) -> 0, now).get(0);
        assertThat(f.parkedUntil()).isEqualTo(midnight);
        assertThat(f.remaining()).isZero();
        assertThat(f.exhaustsAt()).isEqualTo(now);
        assertThat(f.runsOutBeforeReset()).isTrue();
        assertThat(f.used()).isEqualTo(12);
    }

    @Test
    void theForecasterCoversEveryDailyLimitOfEverySnapshotAtTheWindowRate() {
        Instant now = Instant.parse("2026-03-10T17:00:00Z");
        PoolSnapshot gemini = new PoolSnapshot("gemini", now, List.of(), List.of(
                new PoolSnapshot.BucketView("proj-1", "flash", KeyState.READY, null, null, List.of(
                        new PoolSnapshot.MetricUsage(Limits.Metric.RPM, 3, 10),
                        new PoolSnapshot.MetricUsage(Limits.Metric.RPD, 400, 1_000),
                        new PoolSnapshot.MetricUsage(Limits.Metric.TPD, 5, Limits.NONE))),
                new PoolSnapshot.BucketView("proj-1", "pro", KeyState.READY, null, null, List.of(
                        new PoolSnapshot.MetricUsage(Limits.Metric.RPD, 0, 0)))), List.of());
        RateSource rates = (provider, scope, model, tokens, minutes) -> {
            assertThat(minutes).isEqualTo(15);
            return provider.equals("gemini") && scope.equals("proj-1") && model.equals("flash") && !tokens ? 30 : 0;
        };
        List<QuotaForecast> fs = new Forecaster(15).forecast(List.of(gemini), Map.of("gemini", GEMINI), rates, now);
        assertThat(fs).hasSize(1);   // RPM is not daily, TPD has no limit, a zero-quota model has nothing to run out
        assertThat(fs.get(0).ratePerMinute()).isEqualTo(2.0);
        assertThat(fs.get(0).exhaustsAt()).isEqualTo(Instant.parse("2026-03-10T22:00:00Z"));
    }
}
