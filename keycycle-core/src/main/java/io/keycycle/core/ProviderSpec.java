package io.keycycle.core;

import java.net.URI;
import java.util.Map;
import java.util.Objects;

/**
 * Immutable description of one provider as the engine needs it: endpoint, default model, how it
 * counts limits, when its day resets, and the known models with their built-in limits.
 *
 * @param asOf   date of the limit table ({@code 2026-08-08}) and its source, for {@code keycycle models}
 * @param models known models and their limits (a GLOBAL provider may use {@code "*"} for the shared budget)
 * @param allowUnknownModels if false, an unknown model is a {@link ConfigurationException}
 */
public record ProviderSpec(String name, URI baseUrl, String defaultModel, Strategy strategy, DailyReset dailyReset,
                           Map<String, Limits> models, Limits defaultLimits, String asOf, boolean allowUnknownModels) {
    public ProviderSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(strategy, "strategy");
        Objects.requireNonNull(dailyReset, "dailyReset");
        models = Map.copyOf(models);
    }
}
