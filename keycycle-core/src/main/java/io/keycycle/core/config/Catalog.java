package io.keycycle.core.config;

import io.keycycle.core.ApiKey;
import io.keycycle.core.ConfigurationException;
import io.keycycle.core.LimitResolver;
import io.keycycle.core.Limits;
import io.keycycle.core.ProviderSpec;

import java.net.URI;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The providers Keycycle knows, their models and limits: the tables shipped in
 * {@code io/keycycle/catalog/*.yaml} (each dated and sourced) with the user's
 * {@link KeycycleConfig} laid over them. Immutable and thread-safe.
 *
 * <p><b>Resolution order.</b> Each of the six limits of a (key, model) comes from the first rule
 * that sets it:
 * <ol>
 *   <li>per-key override, {@code providers.<p>.keys.<index|fingerprint>} (its {@code models.<m>}
 *       before its {@code limits}; a fingerprint entry before an index entry);</li>
 *   <li>per-key-tier override, {@code providers.<p>.key-tiers.<tier>} of the key's tier;</li>
 *   <li>user file per model, {@code providers.<p>.models.<m>};</li>
 *   <li>built-in table per model;</li>
 *   <li>provider default: the {@code "*"} model of the user's file, then of the built-in table
 *       (for a GLOBAL provider such as OpenRouter, this is the account-wide shared budget; for a
 *       provider with account tiers such as Cohere, the built-in part is the selected tier's limits);</li>
 *   <li>{@link #GLOBAL_DEFAULT}: 10 rpm, 100 rph, 1000 rpd, tokens unlimited (what the Python
 *       library applied; only reached for providers the user adds without a {@code "*"} entry).</li>
 * </ol>
 * {@link io.keycycle.core.ResolvedLimits#sources()} names the rule behind each metric, e.g.
 * {@code per-key override providers.groq.keys.3}, {@code key tier providers.gemini.key-tiers.paid},
 * {@code user file providers.groq.models.openai/gpt-oss-120b}, {@code built-in groq 2026-11-30},
 * {@code provider default built-in openrouter 2026-11-30}, {@code global default}.
 *
 * <p>An unknown model is a {@link ConfigurationException} unless the provider allows unknown
 * models ({@code allow-unknown-models: true}). Models are data: adding one under
 * {@code providers.<p>.models} makes it known. Per-key and key-tier rules do not need the key to
 * exist; {@link KeyLoader} reports entries that select no loaded key.
 */
public final class Catalog {

    /** The conservative last resort: 10 rpm / 100 rph / 1000 rpd, tokens unlimited. */
    public static final Limits GLOBAL_DEFAULT = new Limits(10, 100, 1000, Limits.NONE, Limits.NONE, Limits.NONE);

    /** The model id of the provider default; for a GLOBAL provider, the shared budget. */
    public static final String ANY_MODEL = "*";

    /**
     * The shipped providers, one table each in {@code io/keycycle/catalog/<name>.yaml}. The last four
     * are the other providers the Python library shipped: OpenAI, Mistral and Moonshot without local
     * limits (rotation on the provider's 429s only), Cohere with its account tier's limits
     * ({@code COHERE_TIER}); all four take any model id.
     */
    public static final List<String> BUILT_IN_PROVIDERS = List.of("cerebras", "groq", "gemini", "openrouter",
            "openai", "cohere", "mistral", "moonshot");

    private static final class BuiltIn {
        static final Map<String, BuiltInProvider> TABLES = readAll();
        static final Catalog CATALOG = create(KeycycleConfig.empty(), Map.of());

        private static Map<String, BuiltInProvider> readAll() {
            Map<String, BuiltInProvider> m = new TreeMap<>();
            for (String name : BUILT_IN_PROVIDERS) m.put(name, CatalogReader.readResource(name));
            return Collections.unmodifiableMap(m);
        }
    }

    private final KeycycleConfig config;
    private final Map<String, ProviderResolver> providers;  // sorted by name
    private final List<String> warnings;

    private Catalog(KeycycleConfig config, Map<String, ProviderResolver> providers, List<String> warnings) {
        this.config = config;
        this.providers = Collections.unmodifiableMap(new TreeMap<>(providers));
        this.warnings = List.copyOf(warnings);
    }

    /** The shipped tables alone, each account-tiered provider at its default tier (Cohere: free). */
    public static Catalog builtIn() { return BuiltIn.CATALOG; }

    /**
     * The shipped tables with {@code config} laid over them, account tiers at their defaults (as
     * with an environment that sets no {@code COHERE_TIER}); see {@link #load(KeycycleConfig, Map)}.
     *
     * @throws ConfigurationException listing every problem
     */
    public static Catalog load(KeycycleConfig config) { return load(config, Map.of()); }

    /**
     * The shipped tables with {@code config} laid over them. Checks what the parser could not:
     * that a provider the file adds has a base URL, that default models, tier candidates and
     * per-key/key-tier models are known, and that every key tier a key names exists.
     *
     * <p>{@code env} selects the account tier of providers whose limits depend on the plan: Cohere's
     * {@code COHERE_TIER} ({@code free}, {@code pro} or {@code enterprise}, any case; unset or blank:
     * free). A value naming no tier falls back to the default tier with a warning, logged and kept
     * in {@link #warnings()}.
     *
     * @param env the variables Keycycle reads (the environment over the {@code .env} file)
     * @throws ConfigurationException listing every problem
     */
    public static Catalog load(KeycycleConfig config, Map<String, String> env) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(env, "env");
        Catalog catalog = create(config, env);
        new CatalogValidator(catalog, new Problems(config.sourceName())).validate();
        for (String w : catalog.warnings) LOG.warn("{}", w);
        return catalog;
    }

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Catalog.class);

    private static Catalog create(KeycycleConfig config, Map<String, String> env) {
        Map<String, ProviderResolver> out = new HashMap<>();
        List<String> warnings = new ArrayList<>();
        for (BuiltInProvider b : BuiltIn.TABLES.values()) {
            BuiltInProvider.TierChoice tier = b.tierFor(env);
            if (tier != null) {
                b = b.withTier(tier.tier());
                if (tier.warning() != null) warnings.add(tier.warning());
            }
            out.put(b.name(), new ProviderResolver(b, config.provider(b.name()), null));
        }
        for (ProviderConfig pc : config.providers().values()) {
            if (out.containsKey(pc.name())) continue;
            if (pc.baseUrl() == null) {
                throw new ConfigurationException("providers." + pc.name() + ": unknown provider '" + pc.name()
                        + "' (built-in: " + String.join(", ", BUILT_IN_PROVIDERS) + "); to add a provider, give it "
                        + "a base-url and its models (" + config.sourceName() + ")");
            }
            out.put(pc.name(), new ProviderResolver(BuiltInProvider.none(pc.name(), pc.baseUrl()), pc, null));
        }
        return new Catalog(config, out, warnings);
    }

    /** The configuration laid over the shipped tables ({@link KeycycleConfig#empty()} for {@link #builtIn()}). */
    public KeycycleConfig config() { return config; }

    /** @throws ConfigurationException naming the known providers when {@code name} is not one */
    public ProviderSpec provider(String name) { return entry(name).spec(); }

    public boolean has(String name) { return name != null && providers.containsKey(name.toLowerCase(java.util.Locale.ROOT)); }

    /** Every provider, sorted by name. */
    public List<ProviderSpec> providers() {
        List<ProviderSpec> out = new ArrayList<>();
        for (ProviderResolver r : providers.values()) out.add(r.spec());
        return List.copyOf(out);
    }

    public Set<String> providerNames() { return providers.keySet(); }

    /**
     * The limit resolver of one provider. {@code resolve(key, null)} resolves the provider's
     * default model; {@code resolve(key, "*")} the provider default, which for a GLOBAL provider is
     * the shared budget all its models count against. Resolution is a few map look-ups; a hot path
     * may still cache results per (scope, model).
     *
     * @throws ConfigurationException for an unknown provider
     */
    public LimitResolver resolver(String provider) { return entry(provider); }

    /** The limits of (key, model) for the key's provider, with a source per metric. */
    public io.keycycle.core.ResolvedLimits resolve(ApiKey key, String model) {
        return entry(key.provider()).resolve(key, model);
    }

    /** A model without a particular key: per-key and key-tier rules are skipped. */
    public ModelDescription describe(String provider, String model) { return entry(provider).describe(null, model); }

    /** A model as one key sees it, per-key and key-tier rules included. */
    public ModelDescription describe(ApiKey key, String model) { return entry(key.provider()).describe(key, model); }

    /** Every known model of a provider, sorted, for {@code keycycle models}. */
    public List<ModelDescription> models(String provider) {
        ProviderResolver r = entry(provider);
        List<ModelDescription> out = new ArrayList<>();
        for (String m : r.knownModels()) out.add(r.describe(null, m));
        return List.copyOf(out);
    }

    /**
     * What to use instead of {@code model} when the provider says it is gone ({@code model_not_found},
     * {@code model_decommissioned}, "no longer available"): up to {@code limit} models of the same
     * provider that the catalog lists as current and with quota, the provider's default first, then
     * those sharing the longest name prefix with {@code model} (its family), then by name.
     * Empty for an unknown provider.
     */
    public List<String> suggestInstead(String provider, String model, int limit) {
        if (!has(provider) || limit <= 0) return List.of();
        ProviderResolver r = entry(provider);
        String def = r.spec().defaultModel();
        List<String> usable = new ArrayList<>();
        for (String m : r.knownModels()) {
            if (m.equals(ANY_MODEL) || m.equals(model)) continue;
            ModelDescription d = r.describe(null, m);
            if (d.status() == ModelStatus.RETIRED || d.status() == ModelStatus.DEPRECATED || d.hasNoQuota()) continue;
            usable.add(m);
        }
        String target = model == null ? "" : model;
        usable.sort(java.util.Comparator.<String>comparingInt(m -> m.equals(def) ? 0 : 1)
                .thenComparing(m -> -commonPrefix(m, target))
                .thenComparing(java.util.Comparator.naturalOrder()));
        return List.copyOf(usable.subList(0, Math.min(limit, usable.size())));
    }

    private static int commonPrefix(String a, String b) {
        int n = Math.min(a.length(), b.length()), i = 0;
        while (i < n && a.charAt(i) == b.charAt(i)) i++;
        return i;
    }

    /** The name of the key tier a key belongs to ({@code keys.<k>.tier} or a listed scope). */
    public Optional<String> keyTier(ApiKey key) { return Optional.ofNullable(entry(key.provider()).keyTierName(key)); }

    /** How the provider's keys usually start ({@code gsk_}), if the table says. */
    public Optional<String> keyPrefix(String provider) { return Optional.ofNullable(entry(provider).builtIn().keyPrefix()); }

    /** The shipped table's date, if the provider is built in. */
    public Optional<java.time.LocalDate> tableDate(String provider) { return Optional.ofNullable(entry(provider).builtIn().asOf()); }

    /** The tiers of the user's file, validated against this catalog. */
    public Map<String, TierConfig> tiers() { return config.tiers(); }

    /**
     * A copy with endpoints replaced (from {@code <P>_BASE_URL}, see {@link LoadedKeys#baseUrls()}).
     * The environment wins over the file's {@code base-url}. Unknown providers are ignored here;
     * {@link KeyLoader} reports them.
     */
    public Catalog withBaseUrls(Map<String, URI> baseUrls) {
        Map<String, ProviderResolver> out = new HashMap<>(providers);
        baseUrls.forEach((name, url) -> {
            ProviderResolver r = out.get(name);
            if (r != null) out.put(name, r.withBaseUrl(url));
        });
        return new Catalog(config, out, warnings);
    }

    /**
     * What the environment asked for and did not get, e.g. a {@code COHERE_TIER} naming no tier
     * ({@code COHERE_TIER='platinum' is not a cohere tier (free, pro, enterprise); using the free
     * tier's limits}). Empty for {@link #builtIn()}.
     */
    public List<String> warnings() { return warnings; }

    /**
     * The account tier in force for a provider whose limits depend on the plan ({@code free} for
     * Cohere unless {@code COHERE_TIER} selects another); empty for other providers.
     */
    public Optional<String> accountTier(String provider) { return Optional.ofNullable(entry(provider).builtIn().tier()); }

    ProviderResolver entry(String provider) {
        ProviderResolver r = provider == null ? null : providers.get(provider.toLowerCase(java.util.Locale.ROOT));
        if (r == null) {
            throw new ConfigurationException("unknown provider '" + provider + "'; known: "
                    + String.join(", ", providers.keySet()));
        }
        return r;
    }

    Map<String, ProviderResolver> entries() { return providers; }

    @Override public String toString() { return "Catalog" + providers.keySet() + " over " + config.sourceName(); }
}
