package io.keycycle.core.forecast;

import io.keycycle.core.DailyReset;
import io.keycycle.core.Limits;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * The forecast of one daily limit of one scope(+model).
 *
 * @param provider           provider name
 * @param scope              the scope (organisation, project or account; {@code key-<fp>} for a key of its own)
 * @param model              the model, or {@code *} when the limit is shared by every model of the scope
 * @param metric             {@code RPD} or {@code TPD}
 * @param limit              the daily limit
 * @param used               used in the current day (calendar) or the last 24 hours (sliding)
 * @param ratePerMinute      the recent rate this forecast assumes
 * @param resetAt            the next calendar reset, or null for a sliding 24-hour window
 * @param horizon            the end of "today": the reset, or now + 24 h for a sliding window
 * @param exhaustsAt         when the limit is reached at this rate, if that is before the horizon; else null
 * @param leftAtHorizon      what would be left at the horizon at this rate (0 when it runs out first)
 * @param parkedUntil        when the scope(+model) is parked for the day (the provider said its quota is gone,
 *                           whatever the counters say): the end of the parking; null otherwise
 */
public record QuotaForecast(String provider, String scope, String model, Limits.Metric metric, long limit, long used,
                            double ratePerMinute, Instant resetAt, Instant horizon, Instant exhaustsAt, long leftAtHorizon,
                            Instant parkedUntil) {

    public QuotaForecast {
        Objects.requireNonNull(metric, "metric");
        if (metric.span() != Limits.Span.DAY) throw new IllegalArgumentException("forecasts are for daily limits, not " + metric);
    }

    /** What is left of today's limit now (nothing while parked). */
    public long remaining() { return parkedUntil != null ? 0 : Math.max(0, limit - used); }

    /** {@link #remaining()} as a fraction of the limit (0 when the limit is 0). */
    public double fractionLeft() { return limit <= 0 ? 0 : (double) remaining() / limit; }

    /** True when, at this rate, the limit is reached before the reset (or within 24 h, sliding): highlight it. */
    public boolean runsOutBeforeReset() { return exhaustsAt != null; }

    /** Seconds until {@link #exhaustsAt()} from {@code now} (0 if already exhausted), or -1 when it does not run out today. */
    public long secondsUntilExhausted(Instant now) {
        if (exhaustsAt == null) return -1;
        return Math.max(0, Duration.between(now, exhaustsAt).toSeconds());
    }

    /**
     * Forecasts one limit. The day is the calendar day of {@code reset} (ending at its next reset) or,
     * for a sliding window, the next 24 hours; in a sliding window the forecast does not credit the
     * usage that leaves the window meanwhile, so it can be early, never late.
     *
     * @param ratePerMinute the recent consumption rate (requests or tokens per minute), >= 0
     */
    public static QuotaForecast of(String provider, String scope, String model, Limits.Metric metric, long limit, long used,
                                   double ratePerMinute, DailyReset reset, Instant now) {
        Objects.requireNonNull(reset, "reset");
        Objects.requireNonNull(now, "now");
        if (limit < 0) throw new IllegalArgumentException("no limit to forecast (limit " + limit + ") for " + provider + "/" + model);
        if (ratePerMinute < 0 || Double.isNaN(ratePerMinute)) throw new IllegalArgumentException("rate must be >= 0, was " + ratePerMinute);
        Instant resetAt = reset.isCalendar() ? reset.nextReset(now) : null;
        Instant horizon = resetAt != null ? resetAt : now.plus(Duration.ofDays(1));
        long remaining = Math.max(0, limit - used);
        double minutesToHorizon = Duration.between(now, horizon).toMillis() / 60_000.0;
        Instant exhaustsAt = null;
        long left;
        if (remaining == 0) {
            exhaustsAt = now;
            left = 0;
        } else if (ratePerMinute > 0) {
            double minutes = remaining / ratePerMinute;
            if (minutes < minutesToHorizon) {
                exhaustsAt = now.plusMillis((long) Math.ceil(minutes * 60_000.0));
                left = 0;
            } else {
                left = remaining - (long) Math.ceil(ratePerMinute * minutesToHorizon);
            }
        } else {
            left = remaining;
        }
        return new QuotaForecast(provider, scope, model, metric, limit, used, ratePerMinute, resetAt, horizon, exhaustsAt,
                Math.max(0, left), null);
    }

    /**
     * A limit the provider already declared exhausted: the scope(+model) is parked until {@code until}
     * (its reset), so it runs out now whatever the counters say (the provider counted more than we saw).
     */
    public static QuotaForecast parked(String provider, String scope, String model, Limits.Metric metric, long limit, long used,
                                       double ratePerMinute, DailyReset reset, Instant now, Instant until) {
        QuotaForecast f = of(provider, scope, model, metric, limit, used, ratePerMinute, reset, now);
        return new QuotaForecast(provider, scope, model, metric, limit, used, ratePerMinute, f.resetAt(), f.horizon(), now, 0,
                Objects.requireNonNull(until, "until"));
    }
}
