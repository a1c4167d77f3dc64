package io.keycycle.spring;

import io.keycycle.core.ConfigurationException;
import io.keycycle.core.config.ClusterConfig;
import io.keycycle.core.config.KeycycleConfig;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns the {@code keycycle.*} properties into the {@code keycycle.yaml} document they mirror and
 * parses it with the library's own parser, so both ways of configuring obey one set of rules. A
 * problem is reported with the property's name ({@code keycycle.providers.groq.models.x.rpm}),
 * not the path and line of the generated document.
 */
final class ConfigDocument {

    /** The source name the parser puts in its messages; stripped again from them. */
    static final String SOURCE = "keycycle application properties";

    private static final Pattern LINE_SUFFIX = Pattern.compile("\\s*\\(" + Pattern.quote(SOURCE) + "(?: line \\d+)?\\)");
    private static final Pattern CONFIG_PATH = Pattern.compile("(?<![\\w.-])(providers|tiers|selection|database|cluster)(?=[.\\[:\\s]|$)");

    private ConfigDocument() {
    }

    /** Parses the properties; {@link KeycyclePropertyException} naming the property on a problem. */
    static KeycycleConfig parse(KeycycleProperties p, Map<String, String> env) {
        String yaml = yaml(p);
        try {
            return KeycycleConfig.parse(yaml, env, SOURCE);
        } catch (ConfigurationException e) {
            String message = asProperties(e.getMessage());
            throw new KeycyclePropertyException(firstProperty(message, "keycycle"), message, e);
        }
    }

    /** The YAML text the properties stand for ({@code database.url: none} left out). */
    static String yaml(KeycycleProperties p) {
        Map<String, Object> root = new LinkedHashMap<>();
        if (!p.getProviders().isEmpty()) {
            Map<String, Object> providers = new LinkedHashMap<>();
            p.getProviders().forEach((name, provider) -> providers.put(name.toLowerCase(Locale.ROOT), provider(provider)));
            root.put("providers", providers);
        }
        if (!p.getTiers().isEmpty()) {
            Map<String, Object> tiers = new LinkedHashMap<>();
            p.getTiers().forEach((name, models) -> tiers.put(name, models.stream().map(String::trim).toList()));
            root.put("tiers", tiers);
        }
        if (p.getSelection() != null) root.put("selection", p.getSelection().name().toLowerCase(Locale.ROOT).replace('_', '-'));
        String url = p.getDatabase().getUrl();
        if (url != null && !url.isBlank() && !isNone(url)) root.put("database", Map.of("url", url.trim()));
        Map<String, Object> cluster = cluster(p.getCluster());
        if (!cluster.isEmpty()) root.put("cluster", cluster);
        return dump(root);
    }

    /**
     * The {@code keycycle.cluster.*} properties alone, parsed as the {@code cluster:} section (used on
     * top of a configuration file's); {@link KeycyclePropertyException} naming the property on a problem.
     */
    static ClusterConfig parseCluster(KeycycleProperties p, Map<String, String> env) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("cluster", cluster(p.getCluster()));
        try {
            return KeycycleConfig.parse(dump(root), env, SOURCE).cluster();
        } catch (ConfigurationException e) {
            String message = asProperties(e.getMessage());
            throw new KeycyclePropertyException(firstProperty(message, "keycycle.cluster"), message, e);
        }
    }

    private static Map<String, Object> cluster(KeycycleProperties.Cluster c) {
        Map<String, Object> m = new LinkedHashMap<>();
        putIfSet(m, "redis-url", c.getRedisUrl());
        putIfSet(m, "instance-id", c.getInstanceId());
        putIfSet(m, "key-prefix", c.getKeyPrefix());
        if (c.getHeartbeat() != null) m.put("heartbeat", c.getHeartbeat().toString());
        if (c.getCommandTimeout() != null) m.put("command-timeout", c.getCommandTimeout().toString());
        if (c.getInstanceTtl() != null) m.put("instance-ttl", c.getInstanceTtl().toString());
        if (c.getBlockSize() != null) m.put("block-size", c.getBlockSize());
        if (c.getBlockTime() != null) m.put("block-time", c.getBlockTime().toString());
        return m;
    }

    private static String dump(Map<String, Object> root) {
        if (root.isEmpty()) return "{}";
        DumperOptions o = new DumperOptions();
        o.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
        o.setPrettyFlow(true);
        return new Yaml(o).dump(root);
    }

    static boolean isNone(String url) {
        return url != null && url.trim().equalsIgnoreCase("none");
    }

    private static Map<String, Object> provider(KeycycleProperties.Provider p) {
        Map<String, Object> m = new LinkedHashMap<>();
        putIfSet(m, "base-url", p.getBaseUrl());
        putIfSet(m, "default-model", p.getDefaultModel());
        putIfSet(m, "strategy", p.getStrategy());
        putIfSet(m, "daily-reset", p.getDailyReset());
        if (p.getAllowUnknownModels() != null) m.put("allow-unknown-models", p.getAllowUnknownModels());
        if (!p.getModels().isEmpty()) {
            Map<String, Object> models = new LinkedHashMap<>();
            p.getModels().forEach((model, limits) -> models.put(model, limits(limits)));
            m.put("models", models);
        }
        if (!p.getKeys().isEmpty()) {
            Map<String, Object> keys = new LinkedHashMap<>();
            p.getKeys().forEach((selector, key) -> {
                Map<String, Object> k = new LinkedHashMap<>();
                putIfSet(k, "scope", key.getScope());
                if (key.getLimits() != null) k.put("limits", limits(key.getLimits()));
                keys.put(selector, k);
            });
            m.put("keys", keys);
        }
        return m;
    }

    private static Map<String, Object> limits(KeycycleProperties.Limits l) {
        Map<String, Object> m = new LinkedHashMap<>();
        if (l == null) return m;
        putIfSet(m, "rpm", l.getRpm());
        putIfSet(m, "rph", l.getRph());
        putIfSet(m, "rpd", l.getRpd());
        putIfSet(m, "tpm", l.getTpm());
        putIfSet(m, "tph", l.getTph());
        putIfSet(m, "tpd", l.getTpd());
        return m;
    }

    private static void putIfSet(Map<String, Object> m, String key, String value) {
        if (value != null) m.put(key, value.trim());
    }

    /** The parser's message with its paths as property names and without the generated document's lines. */
    static String asProperties(String message) {
        String m = LINE_SUFFIX.matcher(message == null ? "" : message).replaceAll("");
        return CONFIG_PATH.matcher(m).replaceAll("keycycle.$1");
    }

    /** The first {@code keycycle.…} property a message names, or {@code fallback}. */
    static String firstProperty(String message, String fallback) {
        Matcher m = Pattern.compile("keycycle\\.[\\w.\\-\\[\\]*/:]+[\\w\\]*]").matcher(message == null ? "" : message);
        return m.find() ? m.group() : fallback;
    }

    /** {@code keycycle.tiers.<tier>} as a property name (brackets when the name needs them). */
    static String tierProperty(String tier) {
        return tier.matches("[a-z0-9-]+") ? "keycycle.tiers." + tier : "keycycle.tiers[" + tier + "]";
    }
}
