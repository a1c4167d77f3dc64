package io.keycycle.bench;

import io.keycycle.core.ApiKey;
import io.keycycle.core.LimitResolver;
import io.keycycle.core.Limits;
import io.keycycle.core.ResolvedLimits;

import java.util.Map;

/**
 * A {@link LimitResolver} that multiplies every limit another resolver gives by {@code factor}
 * ({@link Limits#NONE} stays unlimited, zero stays zero). The shape of the built-in table is kept
 * (which metrics are limited, minute vs hour vs day), only the numbers grow, so a benchmark pushing
 * millions of admissions through a few hundred keys measures admission, not rejection.
 */
final class ScaledLimits implements LimitResolver {

    private final LimitResolver delegate;
    private final long factor;

    ScaledLimits(LimitResolver delegate, long factor) {
        if (factor < 1) throw new IllegalArgumentException("factor must be >= 1, was " + factor);
        this.delegate = delegate;
        this.factor = factor;
    }

    @Override
    public ResolvedLimits resolve(ApiKey key, String model) {
        ResolvedLimits r = delegate.resolve(key, model);
        Limits l = r.limits();
        for (Limits.Metric m : Limits.Metric.values()) {
            long v = l.get(m);
            if (v > 0) l = l.with(m, v > Long.MAX_VALUE / factor ? Long.MAX_VALUE / 2 : v * factor);
        }
        return new ResolvedLimits(l, Map.of());
    }
}
