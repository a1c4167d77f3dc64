package io.keycycle.core.forecast;

import io.keycycle.core.DailyReset;
import io.keycycle.core.KeyState;
import io.keycycle.core.Limits;
import io.keycycle.core.pool.PoolSnapshot;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Forecasts every daily limit (RPD, TPD) of every scope(+model) of some pool snapshots, at the rate
 * of the last {@code minutes} minutes. Limits of zero (a model without quota) are left out: there is
 * nothing to run out. A scope(+model) parked for the day runs out now, whatever its counters say.
 */
public final class Forecaster {

    private final int minutes;

    /** @param minutes the rate window, in minutes (at least 1) */
    public Forecaster(int minutes) {
        if (minutes < 1 || minutes > 1_440) throw new IllegalArgumentException("forecast window must be 1..1440 minutes, was " + minutes);
        this.minutes = minutes;
    }

    public int minutes() { return minutes; }

    /**
     * @param resets the daily reset of each provider (sliding when missing)
     * @return one forecast per scope, model and daily limit; those that run out before the reset first
     */
    public List<QuotaForecast> forecast(List<PoolSnapshot> snapshots, Map<String, DailyReset> resets, RateSource rates, Instant now) {
        Objects.requireNonNull(rates, "rates");
        List<QuotaForecast> out = new ArrayList<>();
        for (PoolSnapshot s : snapshots) {
            DailyReset reset = resets.getOrDefault(s.provider(), DailyReset.sliding());
            Map<String, Instant> scopeParked = new java.util.HashMap<>();
            for (PoolSnapshot.KeyView k : s.keys()) {
                if (k.state() == KeyState.PARKED && k.until() != null) scopeParked.put(k.scope(), k.until());
            }
            for (PoolSnapshot.BucketView b : s.buckets()) {
                Instant parked = b.state() == KeyState.PARKED && b.until() != null ? b.until() : scopeParked.get(b.scope());
                for (PoolSnapshot.MetricUsage u : b.usage()) {
                    if (u.metric().span() != Limits.Span.DAY || u.limit() <= 0) continue;
                    double rate = (double) rates.consumed(s.provider(), b.scope(), b.model(), u.metric().tokens(), minutes) / minutes;
                    out.add(parked != null
                            ? QuotaForecast.parked(s.provider(), b.scope(), b.model(), u.metric(), u.limit(), u.used(), rate, reset, now, parked)
                            : QuotaForecast.of(s.provider(), b.scope(), b.model(), u.metric(), u.limit(), u.used(), rate, reset, now));
                }
            }
        }
        out.sort(Comparator.comparing((QuotaForecast f) -> f.exhaustsAt() == null ? Instant.MAX : f.exhaustsAt())
                .thenComparing(QuotaForecast::provider).thenComparing(QuotaForecast::scope)
                .thenComparing(QuotaForecast::model).thenComparing(QuotaForecast::metric));
        return out;
    }
}
