package io.keycycle.core.config;

import io.keycycle.core.pool.Selection;
import io.keycycle.core.ConfigurationException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * The user's {@code keycycle.yaml}, parsed and validated, as immutable values.
 *
 * <pre>{@code
 * providers:
 *   groq:
 *     base-url: http://127.0.0.1:9001/openai/v1
 *     default-model: openai/gpt-oss-120b
 *     allow-unknown-models: false
 *     models:
 *       openai/gpt-oss-120b: { rpm: 30, rph: unlimited, rpd: 1000, tpm: 8000, tph: unlimited, tpd: 200000 }
 *       "*": { rpm: 20 }                      # the provider default
 *     keys:                                   # by 1-based index or fingerprint
 *       3: { scope: org-b, limits: { rpm: 10 } }
 *       3f9a1c07…wxyz: { tier: paid, models: { openai/gpt-oss-120b: { rpd: 5000 } } }
 *     key-tiers:
 *       paid: { limits: { rpm: 1000 }, scopes: [org-c] }
 *   openrouter:
 *     strategy: global                        # per-model (default) | global
 *     daily-reset: midnight UTC               # sliding | midnight <zone>
 * tiers:
 *   fast: [cerebras/gpt-oss-120b, groq/openai/gpt-oss-20b]
 * selection: headroom                         # headroom | round-robin | first-fit
 * gateway: { host: 127.0.0.1, port: 8787, tokens: [${KEYCYCLE_GATEWAY_TOKEN}], max-body-bytes: 10M }
 * database: { url: ${KEYCYCLE_DB_URL:-} }
 * cluster: { redis-url: ${KEYCYCLE_REDIS_URL:-}, instance-id: gw-1, key-prefix: keycycle }
 * calls: { timeout: 120s, request-timeout: 30s, max-retries: 5, estimated-tokens: 1000 }
 * }</pre>
 *
 * <p>Parsing is strict: an unknown key anywhere is an error listing the keys allowed there, and
 * every error names its dotted path and line. All problems of a file are reported together.
 * {@code ${VAR}} and {@code ${VAR:-default}} are read from the environment map given; an unset
 * variable without default is an error naming it. Limits are whole numbers ({@code 12_000},
 * {@code 250K} and {@code 1M} are accepted) or {@code unlimited}. Whether providers, models and
 * key tiers exist is checked later, by {@link Catalog#load(KeycycleConfig)}.
 *
 * @param sourceName where the file came from, used in error messages and limit sources
 * @param providers  by lower-case provider name, in file order
 * @param tiers      by tier name, in file order
 * @param calls      the {@code calls:} section: deadlines, rotations and the completion estimate of
 *                   calls that set none of their own
 */
public record KeycycleConfig(String sourceName, Map<String, ProviderConfig> providers, Map<String, TierConfig> tiers,
                             Selection selection, GatewayConfig gateway, DatabaseConfig database, ClusterConfig cluster,
                             CallsConfig calls) {

    public KeycycleConfig {
        Objects.requireNonNull(sourceName, "sourceName");
        Objects.requireNonNull(selection, "selection");
        Objects.requireNonNull(gateway, "gateway");
        Objects.requireNonNull(database, "database");
        if (cluster == null) cluster = ClusterConfig.DEFAULT;
        if (calls == null) calls = CallsConfig.DEFAULT;
        providers = ProviderConfig.ordered(providers);
        tiers = ProviderConfig.ordered(tiers);
    }

    /** Without a {@code calls:} section. */
    public KeycycleConfig(String sourceName, Map<String, ProviderConfig> providers, Map<String, TierConfig> tiers,
                          Selection selection, GatewayConfig gateway, DatabaseConfig database, ClusterConfig cluster) {
        this(sourceName, providers, tiers, selection, gateway, database, cluster, CallsConfig.DEFAULT);
    }

    /** Without a {@code cluster:} or {@code calls:} section. */
    public KeycycleConfig(String sourceName, Map<String, ProviderConfig> providers, Map<String, TierConfig> tiers,
                          Selection selection, GatewayConfig gateway, DatabaseConfig database) {
        this(sourceName, providers, tiers, selection, gateway, database, ClusterConfig.DEFAULT);
    }

    private static final KeycycleConfig EMPTY = new KeycycleConfig("(no config file)", Map.of(), Map.of(),
            Selection.HEADROOM, GatewayConfig.DEFAULT, DatabaseConfig.DEFAULT, ClusterConfig.DEFAULT, CallsConfig.DEFAULT);

    /** No file: every default. */
    public static KeycycleConfig empty() { return EMPTY; }

    /** Reads {@code file} with {@code ${VAR}} taken from the process environment. */
    public static KeycycleConfig load(Path file) { return load(file, System.getenv()); }

    /** Reads {@code file}; a missing file is an error. */
    public static KeycycleConfig load(Path file, Map<String, String> env) {
        try {
            return parse(Files.readString(file, StandardCharsets.UTF_8), env, file.toString());
        } catch (NoSuchFileException e) {
            throw new ConfigurationException("config file " + file + " not found");
        } catch (IOException e) {
            throw new ConfigurationException("cannot read config file " + file + ": " + e.getMessage(), e);
        }
    }

    /** Reads {@code file} if it exists, else {@link #empty()} (the zero-config path). */
    public static KeycycleConfig loadIfExists(Path file, Map<String, String> env) {
        return Files.exists(file) ? load(file, env) : empty();
    }

    /**
     * Parses YAML text.
     *
     * @param env        variables for {@code ${VAR}} references
     * @param sourceName used in messages, e.g. {@code keycycle.yaml}
     * @throws ConfigurationException listing every problem with its path and line
     */
    public static KeycycleConfig parse(String yaml, Map<String, String> env, String sourceName) {
        Objects.requireNonNull(yaml, "yaml");
        Objects.requireNonNull(env, "env");
        Objects.requireNonNull(sourceName, "sourceName");
        return new ConfigParser(YamlDocument.parse(yaml, env, sourceName)).parse();
    }

    /** The file's settings for {@code provider}, or an empty one. */
    public ProviderConfig provider(String provider) {
        ProviderConfig p = providers.get(provider);
        return p == null ? ProviderConfig.empty(provider) : p;
    }
}
