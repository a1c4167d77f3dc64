package io.keycycle.core.config;

import io.keycycle.core.DailyReset;
import io.keycycle.core.Strategy;

import java.net.URI;
import java.time.LocalDate;
import java.util.Locale;
import java.util.Map;

/**
 * One provider's shipped table ({@code io/keycycle/catalog/<name>.yaml}).
 *
 * @param defaultModel the model a call without one uses, or null when the table names none
 * @param defaults  the {@code "*"} entry: the provider default (for GLOBAL, the shared budget); for
 *                  a table with account tiers, the selected tier's limits
 * @param models    per model, without {@code "*"}, in file order
 * @param keyPrefix how the provider's keys usually start, or null
 * @param sharedBudgetSuffix for a GLOBAL provider, the model-id suffix of the models that share the
 *                  scope's budget ({@code ":free"}); null when every model shares it
 * @param accountTiers the provider's account tiers (Cohere's free / pro / enterprise), one of which
 *                  an environment variable selects; null for a table without
 * @param tier      the selected account tier, or null without account tiers
 */
record BuiltInProvider(String name, LocalDate asOf, String source, URI baseUrl, String defaultModel, Strategy strategy,
                       DailyReset dailyReset, String keyPrefix, boolean allowUnknownModels,
                       PartialLimits defaults, Map<String, ModelInfo> models, String sharedBudgetSuffix,
                       AccountTiers accountTiers, String tier) {

    BuiltInProvider {
        models = ProviderConfig.ordered(models);
    }

    /**
     * A model row of a shipped table.
     *
     * @param countsAs the model whose quota this one's calls use (the provider routes them there), or null
     */
    record ModelInfo(String id, PartialLimits limits, ModelStatus status, LocalDate since, String note, String countsAs) {}

    /**
     * Limits that depend on the account's plan rather than on the model: every model of the provider
     * has the selected tier's limits as its provider default.
     *
     * @param variable    the environment variable naming the tier ({@code COHERE_TIER})
     * @param defaultTier the tier when the variable is unset, blank or names no tier
     * @param tiers       by lower-case tier name, in file order
     */
    record AccountTiers(String variable, String defaultTier, Map<String, PartialLimits> tiers) {
        AccountTiers {
            tiers = ProviderConfig.ordered(tiers);
        }
    }

    /**
     * The tier an environment selects: its value of {@link AccountTiers#variable()}, case-insensitive;
     * the default tier when it is unset or blank, and also (with {@code warning} set) when it names
     * no tier.
     */
    record TierChoice(String tier, String warning) {}

    /** "built-in groq table as of 2026-08-08": the label limit sources carry. */
    String label() { return "built-in " + name + " table as of " + asOf; }

    /**
     * How limit sources name this table's provider default: {@code provider default built-in groq
     * 2026-11-30}, with the tier and its variable for a table with account tiers ({@code … tier free
     * (COHERE_TIER)}).
     */
    String defaultsSource() {
        String s = "provider default built-in " + name + " " + asOf;
        return tier == null ? s : s + " tier " + tier + " (" + accountTiers.variable() + ")";
    }

    /** The tier {@code env} selects; null for a table without account tiers. */
    TierChoice tierFor(Map<String, String> env) {
        if (accountTiers == null) return null;
        String raw = env.get(accountTiers.variable());
        if (raw == null || raw.isBlank()) return new TierChoice(accountTiers.defaultTier(), null);
        String wanted = raw.strip().toLowerCase(Locale.ROOT);
        if (accountTiers.tiers().containsKey(wanted)) return new TierChoice(wanted, null);
        String shown = wanted.length() > 40 ? wanted.substring(0, 40) + "…" : wanted;
        return new TierChoice(accountTiers.defaultTier(), accountTiers.variable() + "='" + shown + "' is not a " + name
                + " tier (" + String.join(", ", accountTiers.tiers().keySet()) + "); using the "
                + accountTiers.defaultTier() + " tier's limits");
    }

    /** This table with the limits of account tier {@code tierName} as its provider default. */
    BuiltInProvider withTier(String tierName) {
        if (accountTiers == null) return this;
        PartialLimits limits = accountTiers.tiers().get(tierName);
        if (limits == null) throw new IllegalArgumentException("no " + name + " tier '" + tierName + "'");
        return new BuiltInProvider(name, asOf, source, baseUrl, defaultModel, strategy, dailyReset, keyPrefix,
                allowUnknownModels, limits, models, sharedBudgetSuffix, accountTiers, tierName);
    }

    /** For a provider the user adds in the file: no shipped rows at all. */
    static BuiltInProvider none(String name, URI baseUrl) {
        return new BuiltInProvider(name, null, null, baseUrl, null, Strategy.PER_MODEL, DailyReset.sliding(), null,
                false, PartialLimits.EMPTY, Map.of(), null, null, null);
    }
}
