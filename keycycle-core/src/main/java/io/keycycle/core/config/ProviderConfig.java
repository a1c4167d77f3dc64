package io.keycycle.core.config;

import io.keycycle.core.DailyReset;
import io.keycycle.core.Strategy;

import java.net.URI;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What the user's file says about one provider ({@code providers.<name>}). Every field is
 * optional: null (or empty) means "keep the built-in value". The model {@code "*"} under
 * {@code models} overrides the provider default, which for a GLOBAL provider is the shared budget.
 *
 * @param allowUnknownModels null when not set
 * @param keys               per-key settings by selector ({@code "3"} or a fingerprint), file order
 * @param keyTiers           named key tiers, file order
 */
public record ProviderConfig(String name, URI baseUrl, String defaultModel, Strategy strategy, DailyReset dailyReset,
                             Boolean allowUnknownModels, Map<String, PartialLimits> models,
                             Map<String, KeyConfig> keys, Map<String, KeyTierConfig> keyTiers) {

    public ProviderConfig {
        Objects.requireNonNull(name, "name");
        models = ordered(models);
        keys = ordered(keys);
        keyTiers = ordered(keyTiers);
    }

    /** A provider the file says nothing about. */
    public static ProviderConfig empty(String name) {
        return new ProviderConfig(name, null, null, null, null, null, Map.of(), Map.of(), Map.of());
    }

    static <V> Map<String, V> ordered(Map<String, V> m) {
        return m.isEmpty() ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(m));
    }
}
