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
                           Map<String, Limits> models, Limits defaultLimits, String asOf, boolean allowUnknownModels,
                           String sharedBudgetSuffix, Map<String, String> countsAs) {
    public ProviderSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(strategy, "strategy");
        Objects.requireNonNull(dailyReset, "dailyReset");
        models = Map.copyOf(models);
        countsAs = countsAs == null ? Map.of() : Map.copyOf(countsAs);
        if (sharedBudgetSuffix != null && sharedBudgetSuffix.isEmpty()) sharedBudgetSuffix = null;
    }

    /** Without models routed to others. */
    public ProviderSpec(String name, URI baseUrl, String defaultModel, Strategy strategy, DailyReset dailyReset,
                        Map<String, Limits> models, Limits defaultLimits, String asOf, boolean allowUnknownModels,
                        String sharedBudgetSuffix) {
        this(name, baseUrl, defaultModel, strategy, dailyReset, models, defaultLimits, asOf, allowUnknownModels, sharedBudgetSuffix, null);
    }

    /**
     * The model whose quota calls to {@code model} use: another one when the provider routes them
     * there (Gemini sends {@code gemini-2.5-flash} to {@code gemini-3.5-flash-lite} since its
     * shutdown, and counts both names against one quota), else the model itself.
     */
    public String quotaModel(String model) {
        String q = model == null ? null : countsAs.get(model);
        return q == null ? model : q;
    }

    /** A provider whose GLOBAL budget (if any) covers every model. */
    public ProviderSpec(String name, URI baseUrl, String defaultModel, Strategy strategy, DailyReset dailyReset,
                        Map<String, Limits> models, Limits defaultLimits, String asOf, boolean allowUnknownModels) {
        this(name, baseUrl, defaultModel, strategy, dailyReset, models, defaultLimits, asOf, allowUnknownModels, null);
    }

    /**
     * True when calls to {@code model} count against the scope's one shared budget: for a GLOBAL
     * provider every model, or — when {@code sharedBudgetSuffix} is set (OpenRouter's {@code ":free"})
     * — only the models whose id ends with it; a paid OpenRouter model then has a budget of its own
     * and does not use up the free one. Setting {@code strategy: global} in keycycle.yaml makes every
     * model share again. Null or {@code "*"} is the shared budget itself.
     */
    public boolean sharesBudget(String model) {
        if (strategy != Strategy.GLOBAL) return false;
        if (sharedBudgetSuffix == null || model == null || model.equals("*")) return true;
        return model.endsWith(sharedBudgetSuffix);
    }
}
