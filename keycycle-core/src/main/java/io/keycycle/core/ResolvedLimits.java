package io.keycycle.core;

import java.util.Map;

/**
 * The limits that apply to a (key, model), and for each metric the rule that gave it
 * (e.g. {@code "rpm": "per-key override providers.groq.keys.3"}, {@code "tpd": "built-in groq 2026-11-30"}).
 */
public record ResolvedLimits(Limits limits, Map<Limits.Metric, String> sources) {
    public ResolvedLimits {
        sources = Map.copyOf(sources);
    }
}
