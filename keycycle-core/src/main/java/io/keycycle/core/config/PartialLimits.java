package io.keycycle.core.config;

import io.keycycle.core.ConfigurationException;
import io.keycycle.core.Limits;

import java.util.EnumMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Some of the six limits, as one rule of the catalog or the user's file states them. A metric
 * that is absent is inherited from the next rule in the resolution order; a metric set to
 * {@link Limits#NONE} means "explicitly unlimited" and stops the search; zero means "no quota".
 *
 * @param values the metrics this rule sets
 */
public record PartialLimits(Map<Limits.Metric, Long> values) {

    /** The configuration keys of the six metrics: {@code rpm rph rpd tpm tph tpd}. */
    public static final Set<String> KEYS = Set.of("rpm", "rph", "rpd", "tpm", "tph", "tpd");

    /** Sets nothing: every metric is inherited. */
    public static final PartialLimits EMPTY = new PartialLimits(Map.of());

    public PartialLimits {
        for (Map.Entry<Limits.Metric, Long> e : values.entrySet()) {
            if (e.getValue() == null || e.getValue() < Limits.NONE) {
                throw new ConfigurationException(e.getKey().key() + " must be >= 0 (or unlimited), was " + e.getValue());
            }
        }
        values = values.isEmpty() ? Map.of() : Map.copyOf(new EnumMap<>(values));
    }

    /** Every metric of {@code limits}, {@link Limits#NONE} included as "unlimited". */
    public static PartialLimits of(Limits limits) {
        Map<Limits.Metric, Long> m = new EnumMap<>(Limits.Metric.class);
        for (Limits.Metric metric : Limits.Metric.values()) m.put(metric, limits.get(metric));
        return new PartialLimits(m);
    }

    public OptionalLong get(Limits.Metric metric) {
        Long v = values.get(metric);
        return v == null ? OptionalLong.empty() : OptionalLong.of(v);
    }

    public boolean sets(Limits.Metric metric) { return values.containsKey(metric); }

    public boolean isEmpty() { return values.isEmpty(); }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("{");
        for (Limits.Metric m : Limits.Metric.values()) {
            Long v = values.get(m);
            if (v == null) continue;
            if (sb.length() > 1) sb.append(", ");
            sb.append(m.key()).append('=').append(v == Limits.NONE ? "unlimited" : v.toString());
        }
        return sb.append('}').toString();
    }
}
