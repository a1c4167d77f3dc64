package io.keycycle.spring;

import io.keycycle.CallSpec;
import io.keycycle.Keycycle;
import io.keycycle.core.ClusterException;
import io.keycycle.core.ClusterProvider;
import io.keycycle.core.ConfigurationException;
import io.keycycle.core.KeycycleListener;
import io.keycycle.core.config.Catalog;
import io.keycycle.core.config.ClusterConfig;
import io.keycycle.core.config.KeyLoader;
import io.keycycle.core.config.LoadedKeys;
import io.keycycle.core.config.KeycycleConfig;
import io.keycycle.core.config.ModelRef;
import io.keycycle.core.config.TierConfig;
import io.keycycle.store.StoreException;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.EnumerablePropertySource;
import org.springframework.core.env.PropertySource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Builds the application's {@link Keycycle} the way {@code Keycycle.fromEnv()} does, with Spring's
 * environment in place of the process environment:
 * <ul>
 *   <li>keys: {@code NUM_<P>}, {@code <P>_API_KEY_<i>}, {@code <P>_SCOPE_<i>}, {@code <P>_BASE_URL}
 *       from every property source (the process environment, system properties, application
 *       properties, test properties), then the {@code .env} file;</li>
 *   <li>configuration: the {@code keycycle.*} properties when they define providers, tiers,
 *       selection or a database, else {@code keycycle.config-file}, {@code KEYCYCLE_CONFIG} or
 *       {@code ./keycycle.yaml};</li>
 *   <li>the shared pool: {@code KEYCYCLE_REDIS_URL}, else {@code keycycle.cluster.redis-url}, else the
 *       file's {@code cluster.redis-url}; needs {@code keycycle-redis} on the class path;</li>
 *   <li>the store: discovered as {@code fromEnv()} does ({@code KEYCYCLE_DB_URL}, {@code TIDB_DB_URL},
 *       {@code keycycle.database.url}, default {@code ./keycycle.db}); {@code none} keeps nothing.</li>
 * </ul>
 * Every problem is a {@link KeycyclePropertyException} naming what to fix. The application context
 * closes the engine (no JVM shutdown hook of its own).
 */
final class KeycycleSetup {

    private static final Pattern ENV_NAME = Pattern.compile("[A-Z][A-Z0-9_]*");
    private static final Pattern KEY_VARIABLE = Pattern.compile("\\b(NUM_[A-Z][A-Z0-9_]*|[A-Z][A-Z0-9_]*_(?:API_KEY|SCOPE)_\\d+|[A-Z][A-Z0-9_]*_BASE_URL)\\b");

    private KeycycleSetup() {
    }

    /** Environment-style variables ({@code UPPER_CASE} names) visible through Spring's environment. */
    static Map<String, String> variables(ConfigurableEnvironment environment) {
        Map<String, String> env = new LinkedHashMap<>();
        for (PropertySource<?> source : environment.getPropertySources()) {
            if (!(source instanceof EnumerablePropertySource<?> e)) continue;
            for (String name : e.getPropertyNames()) {
                if (env.containsKey(name) || !ENV_NAME.matcher(name).matches()) continue;
                String value;
                try {
                    value = environment.getProperty(name);
                } catch (IllegalArgumentException unresolvable) {
                    // a process variable whose value merely contains "${...}" (a shell prompt, say): take it as it is
                    Object raw = e.getProperty(name);
                    value = raw == null ? null : raw.toString();
                }
                if (value != null) env.put(name, value);
            }
        }
        return env;
    }

    /** The configuration the properties, or else the file, describe; {@code keycycle.cluster.*} on top of the file's {@code cluster:}. */
    static KeycycleConfig config(KeycycleProperties p, Map<String, String> env) {
        KeycycleConfig config = configWithoutClusterProperties(p, env);
        if (p.definesConfiguration() || !p.getCluster().isSet()) return config;
        ClusterConfig file = config.cluster();
        ClusterConfig props = ConfigDocument.parseCluster(p, env);
        KeycycleProperties.Cluster c = p.getCluster();
        String url = c.getRedisUrl() == null ? file.redisUrl() : (c.getRedisUrl().isBlank() ? "" : props.redisUrl());
        ClusterConfig merged = new ClusterConfig(url,
                c.getInstanceId() == null ? file.instanceId() : props.instanceId(),
                c.getKeyPrefix() == null ? file.keyPrefix() : props.keyPrefix(),
                c.getHeartbeat() == null ? file.heartbeat() : props.heartbeat(),
                c.getCommandTimeout() == null ? file.commandTimeout() : props.commandTimeout(),
                c.getInstanceTtl() == null ? file.instanceTtl() : props.instanceTtl(),
                c.getBlockSize() == null ? file.blockSize() : props.blockSize(),
                c.getBlockTime() == null ? file.blockTime() : props.blockTime());
        return new KeycycleConfig(config.sourceName(), config.providers(), config.tiers(), config.selection(),
                config.gateway(), config.database(), merged, config.calls());
    }

    private static KeycycleConfig configWithoutClusterProperties(KeycycleProperties p, Map<String, String> env) {
        if (p.definesConfiguration()) {
            if (p.getConfigFile() != null) {
                throw new KeycyclePropertyException("keycycle.config-file", "keycycle.config-file is set together with "
                        + "keycycle.providers/tiers/selection/database; configure Keycycle in one place");
            }
            return ConfigDocument.parse(p, env);
        }
        String property;
        Path file;
        if (p.getConfigFile() != null) {
            property = "keycycle.config-file";
            file = p.getConfigFile();
        } else if (env.get("KEYCYCLE_CONFIG") != null && !env.get("KEYCYCLE_CONFIG").isBlank()) {
            property = "KEYCYCLE_CONFIG";
            file = Path.of(env.get("KEYCYCLE_CONFIG").trim());
        } else {
            property = "keycycle.config-file";
            file = Path.of("keycycle.yaml");
            if (!Files.isRegularFile(file)) return KeycycleConfig.empty();
        }
        if (!Files.isRegularFile(file)) {
            throw new KeycyclePropertyException(property, property + " points at " + file.toAbsolutePath() + ", which does not exist");
        }
        try {
            return KeycycleConfig.load(file, env);
        } catch (ConfigurationException e) {
            throw new KeycyclePropertyException(property, "in " + file + " (" + property + "): " + e.getMessage(), e);
        }
    }

    /**
     * The chat models' call settings: the {@code keycycle.calls.*} properties set, over {@code base}
     * (the engine's {@link Keycycle#callSpec()}: the file's {@code calls:}, else the defaults);
     * {@link KeycyclePropertyException} naming the property when one is out of range (a negative
     * max-retries, a zero timeout).
     */
    static CallSpec callSpec(KeycycleProperties p, CallSpec base) {
        KeycycleProperties.Calls c = p.getCalls();
        CallSpec spec = base;
        if (c.getEstimatedTokens() != null) {
            spec = withProperty(spec, "keycycle.calls.estimated-tokens", s -> s.withEstimatedTokens(c.getEstimatedTokens()));
        }
        if (c.getTimeout() != null) spec = withProperty(spec, "keycycle.calls.timeout", s -> s.withTimeout(c.getTimeout()));
        if (c.getMaxRetries() != null) spec = withProperty(spec, "keycycle.calls.max-retries", s -> s.withMaxRetries(c.getMaxRetries()));
        Duration requestTimeout = c.getRequestTimeout();
        if (requestTimeout != null && (requestTimeout.isNegative() || requestTimeout.isZero())) {
            throw new KeycyclePropertyException("keycycle.calls.request-timeout",
                    "keycycle.calls.request-timeout: requestTimeout must be > 0, was " + requestTimeout);
        }
        return spec.withWait(c.isWaitForKey());
    }

    private static CallSpec withProperty(CallSpec spec, String property, java.util.function.UnaryOperator<CallSpec> change) {
        try {
            return change.apply(spec);
        } catch (ConfigurationException e) {
            throw new KeycyclePropertyException(property, property + ": " + e.getMessage(), e);
        }
    }

    /** Checks that every tier candidate names a known provider and model before anything is opened. */
    static void checkTiers(KeycycleConfig config, boolean fromProperties) {
        Catalog catalog;
        try {
            catalog = Catalog.load(config);
        } catch (ConfigurationException e) {
            String message = fromProperties ? ConfigDocument.asProperties(e.getMessage()) : e.getMessage();
            throw new KeycyclePropertyException(ConfigDocument.firstProperty(message, "keycycle.providers"), message, e);
        }
        for (TierConfig tier : config.tiers().values()) {
            String property = fromProperties ? ConfigDocument.tierProperty(tier.name()) : "tiers." + tier.name();
            for (ModelRef m : tier.models()) {
                if (!catalog.has(m.provider())) {
                    throw new KeycyclePropertyException(property, property + " names unknown provider '" + m.provider()
                            + "' (" + m + "); known providers: " + String.join(", ", catalog.providerNames())
                            + (fromProperties ? "; add keycycle.providers." + m.provider() + ".base-url and its models" : ""));
                }
                try {
                    catalog.describe(m.provider(), m.model());
                } catch (ConfigurationException e) {
                    throw new KeycyclePropertyException(property, property + " names " + m + ": " + e.getMessage(), e);
                }
            }
        }
    }

    /**
     * Everything the engine will be built from, resolved and checked without opening anything:
     * the configuration, the tiers, and the keys (their set-up errors, that there are any, and that
     * every tier has a candidate with keys). Runs before any bean is created, so a problem stops the
     * start with one report naming the property.
     */
    record Settings(KeycycleProperties properties, Map<String, String> env, Path dotEnv, KeycycleConfig config) {

        static Settings resolve(KeycycleProperties p, ConfigurableEnvironment environment) {
            callSpec(p, CallSpec.DEFAULT); // the call settings are checked with the rest, before any bean is created
            Map<String, String> env = variables(environment);
            KeycycleConfig config = KeycycleSetup.config(p, env);
            boolean fromProperties = p.definesConfiguration();
            checkTiers(config, fromProperties);
            Path dotEnv = p.getEnvFile();
            if (dotEnv != null && !Files.isRegularFile(dotEnv)) {
                throw new KeycyclePropertyException("keycycle.env-file", "keycycle.env-file points at " + dotEnv.toAbsolutePath() + ", which does not exist");
            }
            if (dotEnv == null && Files.isRegularFile(Path.of(".env"))) dotEnv = Path.of(".env");
            Settings settings = new Settings(p, env, dotEnv, config);
            settings.checkClusterProvider();
            return settings;
        }

        /** The Redis URL in force, as the engine will pick it: {@code KEYCYCLE_REDIS_URL}, else the configuration's; null: none. */
        String redisUrl() {
            String url = env.get("KEYCYCLE_REDIS_URL") != null ? env.get("KEYCYCLE_REDIS_URL") : config.cluster().redisUrl();
            return url == null || url.isBlank() ? null : url.trim();
        }

        /** The property or variable the Redis URL in force comes from. */
        String redisUrlProperty() {
            if (env.get("KEYCYCLE_REDIS_URL") != null) return "KEYCYCLE_REDIS_URL";
            if (properties.getCluster().getRedisUrl() != null || properties.definesConfiguration()) return "keycycle.cluster.redis-url";
            return "cluster.redis-url";
        }

        /** A Redis URL needs {@code keycycle-redis} (its {@link ClusterProvider}) on the class path and must parse; checked before anything is opened. */
        void checkClusterProvider() {
            if (redisUrl() == null) return;
            String property = redisUrlProperty();
            if (ServiceLoader.load(ClusterProvider.class).stream().findAny().isPresent()) {
                String problem = RedisUrlSyntax.problem(redisUrl());
                if (problem != null) throw new KeycyclePropertyException(property, property + ": " + problem);
                return;
            }
            throw new KeycyclePropertyException(property, property + " is set (" + ClusterUrls.redact(redisUrl())
                    + ") but keycycle-redis is not on the class path: add the io.keycycle:keycycle-redis dependency to share the pool, "
                    + "or leave " + property + " unset");
        }

        /** Loads the keys as the engine will and fails on what would leave it unusable. */
        void checkKeys() {
            Catalog catalog = Catalog.load(config);
            LoadedKeys loaded = dotEnv == null ? new KeyLoader(catalog).load(env) : new KeyLoader(catalog).load(env, dotEnv);
            if (loaded.report().hasErrors()) {
                String message = "the key set-up has errors:\n" + loaded.report().format();
                throw new KeycyclePropertyException(keyVariable(message), message);
            }
            Set<String> withKeys = new LinkedHashSet<>();
            loaded.keys().forEach((provider, keys) -> { if (!keys.isEmpty() && catalog.has(provider)) withKeys.add(provider); });
            requireKeys(withKeys, config, properties.definesConfiguration());
        }

        /** Builds the engine; the context closes it. */
        Keycycle build(List<KeycycleListener> listeners) {
            Keycycle.Builder b = Keycycle.builder().env(env).config(config).shutdownHook(false);
            if (dotEnv != null) b.dotEnv(dotEnv);
            b.discoverPersistence(!ConfigDocument.isNone(properties.getDatabase().getUrl()));
            try {
                // not set: the file's calls.request-timeout, else 120 s
                if (properties.getCalls().getRequestTimeout() != null) b.requestTimeout(properties.getCalls().getRequestTimeout());
            } catch (ConfigurationException e) {
                throw new KeycyclePropertyException("keycycle.calls.request-timeout", "keycycle.calls.request-timeout: " + e.getMessage(), e);
            }
            listeners.forEach(b::listener);
            Keycycle keycycle;
            try {
                keycycle = b.build();
            } catch (StoreException e) {
                String property = databaseProperty(env);
                throw new KeycyclePropertyException(property, "the store could not be opened (" + property + "): " + e.getMessage(), e);
            } catch (KeycyclePropertyException e) {
                throw e;
            } catch (ClusterException e) {
                String property = redisUrlProperty();
                throw new KeycyclePropertyException(property, "the shared pool could not be joined (" + property + "): "
                        + ClusterUrls.redact(e.getMessage()), e);
            } catch (ConfigurationException e) {
                throw new KeycyclePropertyException(keyVariable(e.getMessage()), e.getMessage(), e);
            }
            try {
                requireKeys(new LinkedHashSet<>(keycycle.providers()), config, properties.definesConfiguration());
            } catch (RuntimeException e) {
                keycycle.close();
                throw e;
            }
            return keycycle;
        }
    }

    private static void requireKeys(Set<String> providersWithKeys, KeycycleConfig config, boolean fromProperties) {
        if (providersWithKeys.isEmpty()) {
            throw new KeycyclePropertyException("NUM_<PROVIDER>", "no API keys found: set NUM_<PROVIDER> and <PROVIDER>_API_KEY_1..n "
                    + "(e.g. NUM_GROQ=2, GROQ_API_KEY_1, GROQ_API_KEY_2) in the environment, a .env file (keycycle.env-file) "
                    + "or the application properties; set keycycle.enabled=false to run without Keycycle");
        }
        for (TierConfig tier : config.tiers().values()) {
            boolean served = tier.models().stream().anyMatch(m -> providersWithKeys.contains(m.provider()));
            if (!served) {
                String property = fromProperties ? ConfigDocument.tierProperty(tier.name()) : "tiers." + tier.name();
                String wanted = tier.models().stream().map(m -> "NUM_" + m.provider().toUpperCase(java.util.Locale.ROOT)).distinct()
                        .reduce((a, c) -> a + " or " + c).orElse("");
                throw new KeycyclePropertyException(property, property + " " + tier.models() + ": no candidate has keys (set "
                        + wanted + "); providers with keys: " + String.join(", ", providersWithKeys));
            }
        }
    }

    private static String databaseProperty(Map<String, String> env) {
        if (env.get("KEYCYCLE_DB_URL") != null) return "KEYCYCLE_DB_URL";
        if (env.get("TIDB_DB_URL") != null) return "TIDB_DB_URL";
        return "keycycle.database.url";
    }

    /** The first key variable ({@code NUM_GROQ}, {@code GROQ_API_KEY_3}) a key set-up error names. */
    static String keyVariable(String message) {
        Matcher m = KEY_VARIABLE.matcher(message == null ? "" : message);
        return m.find() ? m.group(1) : "NUM_<PROVIDER>";
    }
}
