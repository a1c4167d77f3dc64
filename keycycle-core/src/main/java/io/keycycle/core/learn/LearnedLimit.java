package io.keycycle.core.learn;

import io.keycycle.core.Limits;

import java.time.Instant;
import java.util.Objects;

/**
 * A limit the provider reported that Keycycle now uses instead of its table's, for one scope and
 * model: "rpd 1000 → 50, learned from openrouter 2026-11-30T10:00:00Z".
 *
 * @param model      the model, or {@code "*"} for a budget every model of the scope shares
 * @param tableValue what the configuration said ({@link Limits#NONE} = unlimited)
 * @param value      what the provider said and Keycycle now applies
 * @param source     where it was read: {@code openrouter X-RateLimit-Limit}, {@code gemini quotaValue}, …
 * @param at         when it was adopted
 */
public record LearnedLimit(String provider, String scope, String model, Limits.Metric metric, long tableValue,
                           long value, String source, Instant at) {

    public LearnedLimit {
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(metric, "metric");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(at, "at");
        if (value < 0) throw new IllegalArgumentException("a learned limit is a count >= 0, was " + value);
    }

    /** {@code rpd 1000 → 50, learned from openrouter 2026-11-30T10:00:00Z} */
    public String describe() {
        return metric.key() + " " + (tableValue == Limits.NONE ? "unlimited" : Long.toString(tableValue)) + " → " + value
                + ", learned from " + source + " " + at;
    }

    /** True when the provider allows fewer than the table said. */
    public boolean lowered() {
        return tableValue == Limits.NONE || value < tableValue;
    }
}
