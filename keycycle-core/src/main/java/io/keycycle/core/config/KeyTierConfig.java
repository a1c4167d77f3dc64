package io.keycycle.core.config;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A named class of keys with their own limits ({@code providers.<p>.key-tiers.<name>}), e.g. the
 * Gemini keys of a project on paid Tier 1. A key joins a tier through {@code keys.<k>.tier}, or
 * because its scope is listed under {@code scopes}.
 *
 * @param limits limits for every model of the tier's keys
 * @param models limits per model; they win over {@code limits}
 * @param scopes scopes whose keys all belong to this tier
 */
public record KeyTierConfig(String name, PartialLimits limits, Map<String, PartialLimits> models, List<String> scopes) {
    public KeyTierConfig {
        Objects.requireNonNull(name, "name");
        limits = limits == null ? PartialLimits.EMPTY : limits;
        models = Map.copyOf(models);
        scopes = List.copyOf(scopes);
    }
}
