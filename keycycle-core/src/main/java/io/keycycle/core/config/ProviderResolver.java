package io.keycycle.core.config;

import io.keycycle.core.ApiKey;
import io.keycycle.core.ConfigurationException;
import io.keycycle.core.LimitResolver;
import io.keycycle.core.Limits;
import io.keycycle.core.ProviderSpec;
import io.keycycle.core.ResolvedLimits;
import io.keycycle.core.Strategy;

import java.net.URI;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One provider of the catalog: the shipped table and the user's settings merged, resolving the
 * limits of a (key, model) rule by rule. Immutable and thread-safe.
 */
final class ProviderResolver implements LimitResolver {

    /** One rule of the resolution order: the metrics it sets and how to name it. */
    record Rule(PartialLimits limits, String source) {}

    private final BuiltInProvider builtIn;
    private final ProviderConfig user;
    private final ProviderSpec spec;
    /**
     * Listed models' descriptions as the catalog gives them without a key, each resolved once: every
     * call asks for its candidate's to check that the request could ever fit, and resolving walks the
     * rules and builds a few objects each time (~1 % of the gateway's event-loop time). Only listed
     * models, by their exact name: names from requests for unlisted ones would be unbounded.
     */
    private final ConcurrentHashMap<String, ModelDescription> listed = new ConcurrentHashMap<>();

    ProviderResolver(BuiltInProvider builtIn, ProviderConfig user, URI baseUrlOverride) {
        this.builtIn = builtIn;
        this.user = user;
        URI baseUrl = baseUrlOverride != null ? baseUrlOverride : user.baseUrl() != null ? user.baseUrl() : builtIn.baseUrl();
        boolean allowUnknown = user.allowUnknownModels() != null ? user.allowUnknownModels() : builtIn.allowUnknownModels();
        Strategy strategy = user.strategy() != null ? user.strategy() : builtIn.strategy();
        Map<String, Limits> models = new LinkedHashMap<>();
        for (String m : knownModels()) models.put(m, resolve(null, m).limits());
        Limits defaults = resolve(null, Catalog.ANY_MODEL).limits();
        if (strategy == Strategy.GLOBAL) models.put(Catalog.ANY_MODEL, defaults);
        Map<String, String> countsAs = new LinkedHashMap<>();
        for (String m : knownModels()) {
            String q = quotaModel(m);
            if (!q.equals(m)) countsAs.put(m, q);
        }
        this.spec = new ProviderSpec(builtIn.name(), baseUrl,
                user.defaultModel() != null ? user.defaultModel() : builtIn.defaultModel(), strategy,
                user.dailyReset() != null ? user.dailyReset() : builtIn.dailyReset(), models, defaults,
                builtIn.asOf() == null ? null : builtIn.asOf() + " (" + builtIn.source() + ")", allowUnknown,
                sharedBudgetSuffix(), countsAs);
    }

    /**
     * The model whose quota {@code model}'s calls use: the table's {@code counts-as} (the provider
     * routes the model there), unless the user's file names the model itself (under the provider's
     * models, a key tier's or a key's), which then is a model of its own with the file's limits.
     */
    String quotaModel(String model) {
        if (model == null) return null;
        BuiltInProvider.ModelInfo info = builtIn.models().get(model);
        if (info == null || info.countsAs() == null || namedByTheFile(model)) return model;
        return info.countsAs();
    }

    private boolean namedByTheFile(String model) {
        if (user.models().containsKey(model)) return true;
        for (KeyTierConfig t : user.keyTiers().values()) if (t.models().containsKey(model)) return true;
        for (KeyConfig k : user.keys().values()) if (k.models().containsKey(model)) return true;
        return false;
    }

    /** The table's shared-budget suffix, unless the file sets the strategy itself ({@code global}: every model shares). */
    private String sharedBudgetSuffix() {
        return user.strategy() != null ? null : builtIn.sharedBudgetSuffix();
    }

    ProviderResolver withBaseUrl(URI baseUrl) { return new ProviderResolver(builtIn, user, baseUrl); }

    ProviderSpec spec() { return spec; }

    BuiltInProvider builtIn() { return builtIn; }

    ProviderConfig user() { return user; }

    String name() { return builtIn.name(); }

    /** Built-in and user-added models, sorted; never {@code "*"}. */
    TreeSet<String> knownModels() {
        TreeSet<String> known = new TreeSet<>(builtIn.models().keySet());
        known.addAll(user.models().keySet());
        known.remove(Catalog.ANY_MODEL);
        return known;
    }

    boolean knows(String model) {
        return Catalog.ANY_MODEL.equals(model) || builtIn.models().containsKey(model) || user.models().containsKey(model);
    }

    /**
     * {@inheritDoc} A null model means the provider's default model; {@code "*"} gives the
     * provider default, which for a GLOBAL provider is the shared budget every model counts against.
     */
    @Override
    public ResolvedLimits resolve(ApiKey key, String model) {
        List<Rule> rules = rules(key, model);
        Limits limits = Limits.UNLIMITED;
        Map<Limits.Metric, String> sources = new EnumMap<>(Limits.Metric.class);
        for (Limits.Metric metric : Limits.Metric.values()) {
            for (Rule rule : rules) {
                if (rule.limits().sets(metric)) {
                    limits = limits.with(metric, rule.limits().get(metric).getAsLong());
                    sources.put(metric, rule.source());
                    break;
                }
            }
        }
        return new ResolvedLimits(limits, sources);
    }

    /** The resolution order for (key, model), most specific first; {@code key} may be null. */
    List<Rule> rules(ApiKey key, String model) {
        String m = quotaModel(checkModel(model)); // a routed model has the limits of the one it counts as
        String p = "providers." + name();
        List<Rule> rules = new ArrayList<>();
        if (key != null) {
            if (!key.provider().equals(name())) {
                throw new ConfigurationException("key " + key + " belongs to " + key.provider() + ", not " + name());
            }
            List<KeyConfig> entries = keyEntries(key);
            for (KeyConfig kc : entries) {
                String at = p + ".keys." + kc.selector();
                add(rules, kc.models().get(m), "per-key override " + at + ".models." + m);
                add(rules, kc.limits(), "per-key override " + at);
            }
            KeyTierConfig tier = keyTier(key, entries);
            if (tier != null) {
                String at = p + ".key-tiers." + tier.name();
                add(rules, tier.models().get(m), "key tier " + at + ".models." + m);
                add(rules, tier.limits(), "key tier " + at);
            }
        }
        if (!Catalog.ANY_MODEL.equals(m)) {
            add(rules, user.models().get(m), "user file " + p + ".models." + m);
            BuiltInProvider.ModelInfo info = builtIn.models().get(m);
            if (info != null) add(rules, info.limits(), "built-in " + name() + " " + builtIn.asOf());
        }
        Strategy strategy = user.strategy() != null ? user.strategy() : builtIn.strategy();
        String suffix = sharedBudgetSuffix();
        if (strategy == Strategy.GLOBAL && suffix != null && !Catalog.ANY_MODEL.equals(m) && !m.endsWith(suffix)) {
            // a model outside the shared budget (a paid OpenRouter model): the "*" row is the free
            // budget, not this model's; it has the limits the file gives it, else none
            rules.add(new Rule(PartialLimits.of(Limits.UNLIMITED), "outside the shared " + suffix + " budget of " + name()
                    + " (set " + p + ".models." + m + " to limit it)"));
            return rules;
        }
        add(rules, user.models().get(Catalog.ANY_MODEL), "provider default " + p + ".models.*");
        add(rules, builtIn.defaults(), builtIn.defaultsSource());
        rules.add(new Rule(PartialLimits.of(Catalog.GLOBAL_DEFAULT), "global default"));
        return rules;
    }

    /** The key-tier name of a key, or null. */
    @Override
    public String keyTier(ApiKey key) { return keyTierName(key); }

    /** The key-tier name of a key, or null. */
    String keyTierName(ApiKey key) {
        KeyTierConfig t = keyTier(key, keyEntries(key));
        return t == null ? null : t.name();
    }

    /** Per-key entries selecting {@code key}: fingerprint entries first, then the index entry. */
    List<KeyConfig> keyEntries(ApiKey key) {
        List<KeyConfig> byFingerprint = new ArrayList<>();
        List<KeyConfig> byIndex = new ArrayList<>();
        for (KeyConfig kc : user.keys().values()) {
            if (kc.matches(key)) (kc.byIndex() ? byIndex : byFingerprint).add(kc);
        }
        byFingerprint.addAll(byIndex);
        return byFingerprint;
    }

    private KeyTierConfig keyTier(ApiKey key, List<KeyConfig> entries) {
        for (KeyConfig kc : entries) {
            if (kc.tier() != null) return user.keyTiers().get(kc.tier());
        }
        for (KeyTierConfig t : user.keyTiers().values()) {
            if (t.scopes().contains(key.scope())) return t;
        }
        return null;
    }

    private String checkModel(String model) {
        String m = model == null ? defaultModel() : model.trim();
        if (m == null || m.isEmpty()) {
            throw new ConfigurationException("no model given and " + name() + " has no default model; set providers."
                    + name() + ".default-model");
        }
        if (!accepts(m)) throw unknownModel(m);
        return m;
    }

    /**
     * True for a model a call may name: listed (built in or in the file), any model where unknown
     * ones are allowed, and any model of the shared budget ({@code …:free} on OpenRouter): such a
     * model has no limits of its own in the table, it counts against the budget every free model
     * shares, and the provider adds free models more often than the table is released.
     */
    boolean accepts(String model) {
        String suffix = sharedBudgetSuffix();
        return knows(model) || allowsUnknown()
                || suffix != null && model.endsWith(suffix) && model.length() > suffix.length();
    }

    ConfigurationException unknownModel(String model) {
        return new ConfigurationException("unknown model '" + model + "' for " + name() + "; known: "
                + String.join(", ", knownModels()) + "; set providers." + name()
                + ".allow-unknown-models: true or add it under providers." + name() + ".models");
    }

    boolean allowsUnknown() {
        return user.allowUnknownModels() != null ? user.allowUnknownModels() : builtIn.allowUnknownModels();
    }

    ModelStatus status(String model) {
        BuiltInProvider.ModelInfo info = builtIn.models().get(model);
        if (info != null) return info.status();
        return user.models().containsKey(model) ? ModelStatus.USER_DEFINED : ModelStatus.UNLISTED;
    }

    ModelDescription describe(ApiKey key, String model) {
        if (key == null && model != null) {
            ModelDescription d = listed.get(model);
            if (d != null) return d;
            d = describeNow(null, model);
            if (model.equals(d.model()) && knows(model)) listed.putIfAbsent(model, d);
            return d;
        }
        return describeNow(key, model);
    }

    private ModelDescription describeNow(ApiKey key, String model) {
        ResolvedLimits limits = resolve(key, model);
        String m = model == null ? defaultModel() : model.trim();
        BuiltInProvider.ModelInfo info = builtIn.models().get(m);
        return new ModelDescription(name(), m, status(m), info == null ? null : info.since(),
                info == null ? null : info.note(), limits);
    }

    String defaultModel() {
        return user.defaultModel() != null ? user.defaultModel() : builtIn.defaultModel();
    }

    private static void add(List<Rule> rules, PartialLimits limits, String source) {
        if (limits != null && !limits.isEmpty()) rules.add(new Rule(limits, Objects.requireNonNull(source)));
    }
}
