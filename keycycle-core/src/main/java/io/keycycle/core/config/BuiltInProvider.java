package io.keycycle.core.config;

import io.keycycle.core.DailyReset;
import io.keycycle.core.Strategy;

import java.net.URI;
import java.time.LocalDate;
import java.util.Map;

/**
 * One provider's shipped table ({@code io/keycycle/catalog/<name>.yaml}).
 *
 * @param defaults  the {@code "*"} entry: the provider default (for GLOBAL, the shared budget)
 * @param models    per model, without {@code "*"}, in file order
 * @param keyPrefix how the provider's keys usually start, or null
 * @param sharedBudgetSuffix for a GLOBAL provider, the model-id suffix of the models that share the
 *                  scope's budget ({@code ":free"}); null when every model shares it
 */
record BuiltInProvider(String name, LocalDate asOf, String source, URI baseUrl, String defaultModel, Strategy strategy,
                       DailyReset dailyReset, String keyPrefix, boolean allowUnknownModels,
                       PartialLimits defaults, Map<String, ModelInfo> models, String sharedBudgetSuffix) {

    BuiltInProvider {
        models = ProviderConfig.ordered(models);
    }

    /**
     * A model row of a shipped table.
     *
     * @param countsAs the model whose quota this one's calls use (the provider routes them there), or null
     */
    record ModelInfo(String id, PartialLimits limits, ModelStatus status, LocalDate since, String note, String countsAs) {}

    /** "built-in groq table as of 2026-08-08": the label limit sources carry. */
    String label() { return "built-in " + name + " table as of " + asOf; }

    /** For a provider the user adds in the file: no shipped rows at all. */
    static BuiltInProvider none(String name, URI baseUrl) {
        return new BuiltInProvider(name, null, null, baseUrl, null, Strategy.PER_MODEL, DailyReset.sliding(), null,
                false, PartialLimits.EMPTY, Map.of(), null);
    }
}
