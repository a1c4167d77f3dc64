package io.keycycle.core.config;

import io.keycycle.core.pool.Selection;
import io.keycycle.core.ConfigurationException;
import io.keycycle.core.DailyReset;
import io.keycycle.core.Strategy;
import org.yaml.snakeyaml.nodes.Node;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import static io.keycycle.core.config.YamlReader.child;

/** Turns a composed {@code keycycle.yaml} into a {@link KeycycleConfig}, strictly. */
final class ConfigParser {

    /** A name a {@code provider/model} target can carry. */
    private static final java.util.regex.Pattern PROVIDER_NAME = java.util.regex.Pattern.compile("[^/\\s]+");
    private static final Set<String> TOP = Set.of("providers", "tiers", "selection", "gateway", "database", "cluster", "calls");
    private static final Set<String> PROVIDER = Set.of("base-url", "default-model", "strategy", "daily-reset",
            "allow-unknown-models", "models", "keys", "key-tiers");
    private static final Set<String> KEY = Set.of("scope", "tier", "limits", "models");
    private static final Set<String> KEY_TIER = Set.of("limits", "models", "scopes");
    private static final Set<String> GATEWAY = Set.of("host", "port", "tokens", "max-body-bytes", "admin-tokens",
            "allowed-hosts", "query-token", "idle-timeout-seconds", "max-header-bytes", "max-connections",
            "stream-idle-timeout", "stream-deadline", "max-upstream-body-bytes", "max-sse-line-bytes", "max-streams", "max-in-flight",
            "shutdown-grace", "wait-for-key");
    private static final Set<String> DATABASE = Set.of("url");
    private static final Set<String> CLUSTER = Set.of("redis-url", "instance-id", "key-prefix", "heartbeat", "command-timeout", "instance-ttl",
            "block-size", "block-time");
    private static final Set<String> CALLS = Set.of("timeout", "request-timeout", "max-retries", "estimated-tokens");

    private final YamlDocument doc;
    private final YamlReader in;

    ConfigParser(YamlDocument doc) {
        this.doc = doc;
        this.in = new YamlReader(doc, new Problems(doc.source()));
    }

    KeycycleConfig parse() {
        Map<String, Node> top = in.mapping(doc.root(), "", TOP);
        Map<String, ProviderConfig> providers = providers(top.get("providers"));
        Map<String, TierConfig> tiers = tiers(top.get("tiers"));
        Selection selection = selection(top.get("selection"));
        GatewayConfig gateway = gateway(top.get("gateway"));
        DatabaseConfig database = new DatabaseConfig(blankToNull(in.string(
                in.mapping(top.get("database"), "database", DATABASE).get("url"), "database.url")));
        ClusterConfig cluster = cluster(top.get("cluster"));
        CallsConfig calls = calls(top.get("calls"));
        in.problems().throwIfAny();
        return new KeycycleConfig(doc.source(), providers, tiers, selection, gateway, database, cluster, calls);
    }

    private CallsConfig calls(Node node) {
        Map<String, Node> m = in.mapping(node, "calls", CALLS);
        Duration timeout = in.duration(m.get("timeout"), "calls.timeout");
        Duration requestTimeout = in.duration(m.get("request-timeout"), "calls.request-timeout");
        Long retries = in.number(m.get("max-retries"), "calls.max-retries", 0, 100);
        Long tokens = in.number(m.get("estimated-tokens"), "calls.estimated-tokens", 0, 10_000_000);
        CallsConfig d = CallsConfig.DEFAULT;
        return new CallsConfig(timeout == null ? d.timeout() : timeout, requestTimeout == null ? d.requestTimeout() : requestTimeout,
                retries == null ? d.maxRetries() : retries.intValue(), tokens == null ? d.estimatedTokens() : tokens);
    }

    private Map<String, ProviderConfig> providers(Node node) {
        Map<String, ProviderConfig> out = new LinkedHashMap<>();
        for (Map.Entry<String, Node> e : in.mapping(node, "providers", null).entrySet()) {
            String name = e.getKey().trim().toLowerCase(Locale.ROOT);
            if (!PROVIDER_NAME.matcher(name).matches()) {
                // a target names a model as provider/model: such a provider could never be named
                in.problem(e.getValue(), "providers: '" + e.getKey() + "' is not a provider name: targets name a model as "
                        + "provider/model, so a provider name is not empty and has no '/' and no spaces");
                continue;
            }
            if (out.containsKey(name)) {
                in.problem(e.getValue(), "providers: '" + e.getKey() + "' repeats provider '" + name + "'");
                continue;
            }
            out.put(name, provider(name, e.getValue()));
        }
        return out;
    }

    private ProviderConfig provider(String name, Node node) {
        String path = "providers." + name;
        Map<String, Node> m = in.mapping(node, path, PROVIDER);
        URI baseUrl = url(m.get("base-url"), path + ".base-url");
        String defaultModel = in.requiredText(m.get("default-model"), path + ".default-model");
        Strategy strategy = parseWith(m.get("strategy"), path + ".strategy", Strategy::parse);
        DailyReset reset = parseWith(m.get("daily-reset"), path + ".daily-reset", DailyReset::parse);
        Boolean allowUnknown = in.bool(m.get("allow-unknown-models"), path + ".allow-unknown-models");
        Map<String, PartialLimits> models = models(m.get("models"), path + ".models");
        Map<String, KeyConfig> keys = new LinkedHashMap<>();
        for (Map.Entry<String, Node> k : in.mapping(m.get("keys"), path + ".keys", null).entrySet()) {
            KeyConfig kc = key(k.getKey().trim(), k.getValue(), path + ".keys");
            if (kc != null) keys.put(kc.selector(), kc);
        }
        Map<String, KeyTierConfig> keyTiers = new LinkedHashMap<>();
        for (Map.Entry<String, Node> t : in.mapping(m.get("key-tiers"), path + ".key-tiers", null).entrySet()) {
            String tierPath = path + ".key-tiers." + t.getKey();
            Map<String, Node> tm = in.mapping(t.getValue(), tierPath, KEY_TIER);
            List<String> scopes = new ArrayList<>();
            List<Node> items = in.sequence(tm.get("scopes"), tierPath + ".scopes");
            for (int i = 0; i < items.size(); i++) {
                String s = in.requiredText(items.get(i), tierPath + ".scopes[" + i + "]");
                if (s != null) scopes.add(s);
            }
            keyTiers.put(t.getKey(), new KeyTierConfig(t.getKey(), in.limits(tm.get("limits"), tierPath + ".limits"),
                    models(tm.get("models"), tierPath + ".models"), scopes));
        }
        return new ProviderConfig(name, baseUrl, defaultModel, strategy, reset, allowUnknown, models, keys, keyTiers);
    }

    private KeyConfig key(String selector, Node node, String keysPath) {
        String path = keysPath + "." + selector;
        if (!KeyConfig.isValidSelector(selector)) {
            // the selector is not echoed: a user may have pasted the secret itself
            in.problem(node, keysPath + ": a key is selected by its 1-based index (3) or its fingerprint (8 hex digits, "
                    + "e.g. 3f9a1c07…wxyz from 'keycycle check'); the selector given is neither (not shown, "
                    + "in case it is a secret)");
            return null;
        }
        Map<String, Node> m = in.mapping(node, path, KEY);
        return new KeyConfig(selector, in.requiredText(m.get("scope"), path + ".scope"),
                in.requiredText(m.get("tier"), path + ".tier"), in.limits(m.get("limits"), path + ".limits"),
                models(m.get("models"), path + ".models"));
    }

    private Map<String, PartialLimits> models(Node node, String path) {
        Map<String, PartialLimits> out = new LinkedHashMap<>();
        for (Map.Entry<String, Node> e : in.mapping(node, path, null).entrySet()) {
            String model = e.getKey().trim();
            if (model.isEmpty()) {
                in.problem(e.getValue(), path + ": a model id must not be empty");
                continue;
            }
            out.put(model, in.limits(e.getValue(), child(path, model)));
        }
        return out;
    }

    private Map<String, TierConfig> tiers(Node node) {
        Map<String, TierConfig> out = new LinkedHashMap<>();
        for (Map.Entry<String, Node> e : in.mapping(node, "tiers", null).entrySet()) {
            String name = e.getKey().trim();
            String path = "tiers." + name;
            if (name.isEmpty() || name.contains("/")) {
                in.problem(e.getValue(), path + ": a tier name must be non-empty and contain no '/'"
                        + " (names with '/' are read as provider/model)");
                continue;
            }
            List<ModelRef> refs = new ArrayList<>();
            List<Node> items = in.sequence(e.getValue(), path);
            for (int i = 0; i < items.size(); i++) {
                ModelRef ref = parseWith(items.get(i), path + "[" + i + "]", ModelRef::parse);
                if (ref != null) refs.add(ref);
            }
            if (items.isEmpty()) in.problem(e.getValue(), path + " must list at least one provider/model");
            out.put(name, new TierConfig(name, refs));
        }
        return out;
    }

    private Selection selection(Node node) {
        Selection s = parseWith(node, "selection", Selection::parse);
        return s == null ? Selection.HEADROOM : s;
    }

    private GatewayConfig gateway(Node node) {
        Map<String, Node> m = in.mapping(node, "gateway", GATEWAY);
        String host = in.requiredText(m.get("host"), "gateway.host");
        Long port = in.number(m.get("port"), "gateway.port", 0, 65_535);
        Long maxBody = in.number(m.get("max-body-bytes"), "gateway.max-body-bytes", 1, Long.MAX_VALUE / 2);
        List<String> tokens = strings(m.get("tokens"), "gateway.tokens");
        List<String> adminTokens = strings(m.get("admin-tokens"), "gateway.admin-tokens");
        List<String> allowedHosts = strings(m.get("allowed-hosts"), "gateway.allowed-hosts");
        Boolean queryToken = in.bool(m.get("query-token"), "gateway.query-token");
        Long idle = in.number(m.get("idle-timeout-seconds"), "gateway.idle-timeout-seconds", 1, 86_400);
        Long header = in.number(m.get("max-header-bytes"), "gateway.max-header-bytes", 1_024, 1 << 20);
        Long connections = in.number(m.get("max-connections"), "gateway.max-connections", 1, 1_000_000);
        Duration idleStream = in.duration(m.get("stream-idle-timeout"), "gateway.stream-idle-timeout");
        Duration deadline = in.duration(m.get("stream-deadline"), "gateway.stream-deadline");
        Duration grace = durationOrZero(m.get("shutdown-grace"), "gateway.shutdown-grace", "to cut them at once");
        Long upstreamBody = in.bytes(m.get("max-upstream-body-bytes"), "gateway.max-upstream-body-bytes", GatewayLimits.MIN_BYTES, Long.MAX_VALUE / 2);
        Long sseLine = in.bytes(m.get("max-sse-line-bytes"), "gateway.max-sse-line-bytes", GatewayLimits.MIN_BYTES, Integer.MAX_VALUE - 8);
        Long streams = in.number(m.get("max-streams"), "gateway.max-streams", 1, 1_000_000);
        Long inFlight = in.number(m.get("max-in-flight"), "gateway.max-in-flight", 1, 1_000_000);
        Duration waitForKey = durationOrZero(m.get("wait-for-key"), "gateway.wait-for-key", "to fail fast");
        GatewayLimits limits = new GatewayLimits(
                idleStream == null ? GatewayLimits.DEFAULT_STREAM_IDLE_TIMEOUT : idleStream,
                deadline == null ? GatewayLimits.DEFAULT_STREAM_DEADLINE : deadline,
                upstreamBody == null ? GatewayLimits.DEFAULT_MAX_UPSTREAM_BODY_BYTES : upstreamBody,
                sseLine == null ? GatewayLimits.DEFAULT_MAX_SSE_LINE_BYTES : sseLine.intValue(),
                streams == null ? GatewayLimits.DEFAULT_MAX_STREAMS : streams.intValue(),
                inFlight == null ? GatewayLimits.DEFAULT_MAX_IN_FLIGHT : inFlight.intValue());
        GatewayEdge edge = new GatewayEdge(adminTokens, allowedHosts, queryToken != null && queryToken,
                idle == null ? GatewayEdge.DEFAULT_IDLE_TIMEOUT_SECONDS : idle.intValue(),
                header == null ? GatewayEdge.DEFAULT_MAX_HEADER_BYTES : header.intValue(),
                connections == null ? GatewayEdge.DEFAULT_MAX_CONNECTIONS : connections.intValue(),
                grace == null ? GatewayEdge.DEFAULT_SHUTDOWN_GRACE : grace);
        return new GatewayConfig(host == null ? GatewayConfig.DEFAULT_HOST : host,
                port == null ? GatewayConfig.DEFAULT_PORT : port.intValue(), tokens,
                maxBody == null ? GatewayConfig.DEFAULT_MAX_BODY_BYTES : maxBody, edge, limits,
                waitForKey == null ? Duration.ZERO : waitForKey);
    }

    /**
     * A duration that may be zero: {@code 0} (also bare), {@code 30s}, {@code 2m}, {@code PT30S}.
     * Null when absent or in error (the problem names the key).
     */
    private Duration durationOrZero(Node node, String path, String zeroMeans) {
        String s = in.string(node, path);
        if (s == null || s.isBlank()) return null;
        String t = s.trim();
        if (t.equals("0")) return Duration.ZERO;
        Duration d;
        try {
            d = Quantities.duration(t);
        } catch (IllegalArgumentException e) {
            String why = e.getMessage() != null && e.getMessage().contains("longer than") ? " (" + e.getMessage() + ")" : "";
            in.problem(node, path + " must be a duration such as 30s, 2m or PT30S, or 0 " + zeroMeans + ", was '" + t + "'" + why);
            return null;
        }
        if (d.isNegative()) {
            in.problem(node, path + " must be >= 0, was '" + t + "'");
            return null;
        }
        return d;
    }

    /** A list of strings; blank ones (an unset {@code ${VAR:-}}) are dropped. */
    private List<String> strings(Node node, String path) {
        List<String> out = new ArrayList<>();
        List<Node> items = in.sequence(node, path);
        for (int i = 0; i < items.size(); i++) {
            String t = in.string(items.get(i), path + "[" + i + "]");
            if (t != null && !t.isBlank()) out.add(t.trim());
        }
        return out;
    }

    private ClusterConfig cluster(Node node) {
        Map<String, Node> m = in.mapping(node, "cluster", CLUSTER);
        String url = blankToNull(in.string(m.get("redis-url"), "cluster.redis-url"));
        if (url != null && !url.matches("(?i)rediss?://.+")) {
            in.problem(m.get("redis-url"), "cluster.redis-url must be a redis:// or rediss:// URL, was '"
                    + ClusterConfig.redactUrl(url) + "'");
        }
        String id = blankToNull(in.string(m.get("instance-id"), "cluster.instance-id"));
        if (id != null && !id.matches("[A-Za-z0-9._:@-]{1,100}")) {
            in.problem(m.get("instance-id"), "cluster.instance-id may hold only letters, digits and . _ : @ - (at most 100), was '" + id + "'");
        }
        String prefix = blankToNull(in.string(m.get("key-prefix"), "cluster.key-prefix"));
        if (prefix != null && !prefix.matches("[A-Za-z0-9._:@-]{1,100}")) {
            in.problem(m.get("key-prefix"), "cluster.key-prefix may hold only letters, digits and . _ : @ - (at most 100), was '" + prefix + "'");
        }
        Duration heartbeat = in.duration(m.get("heartbeat"), "cluster.heartbeat");
        Duration commandTimeout = in.duration(m.get("command-timeout"), "cluster.command-timeout");
        Duration ttl = in.duration(m.get("instance-ttl"), "cluster.instance-ttl");
        Long blockSize = in.number(m.get("block-size"), "cluster.block-size", 1, ClusterConfig.MAX_BLOCK_SIZE);
        Duration blockTime = in.duration(m.get("block-time"), "cluster.block-time");
        ClusterConfig c = new ClusterConfig(url, id, prefix, heartbeat, commandTimeout, ttl,
                blockSize == null ? null : blockSize.intValue(), blockTime);
        String timing = ClusterConfig.timingProblem(c.heartbeatOrDefault(), c.instanceTtlOrDefault());
        if (timing != null) in.problem(m.get(ttl != null ? "instance-ttl" : "heartbeat"), timing);
        String blocks = ClusterConfig.blockProblem(null, blockTime);
        if (blocks != null) in.problem(m.get("block-time"), blocks);
        return c;
    }

    private URI url(Node node, String path) {
        String s = in.requiredText(node, path);
        if (s == null) return null;
        try {
            URI uri = new URI(s);
            if (uri.getScheme() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))
                    || uri.getHost() == null) {
                in.problem(node, path + " must be an http(s) URL, was '" + KeyLoader.shownUrl(s) + "'");
                return null;
            }
            String secretPart = KeyLoader.baseUrlProblem(uri);
            if (secretPart != null) {
                in.problem(node, path + " " + secretPart + ", was '" + KeyLoader.shownUrl(s) + "'");
                return null;
            }
            return uri;
        } catch (java.net.URISyntaxException e) {
            in.problem(node, path + " must be an http(s) URL, was '" + KeyLoader.shownUrl(s) + "'");
            return null;
        }
    }

    private <T> T parseWith(Node node, String path, java.util.function.Function<String, T> parser) {
        String s = in.string(node, path);
        if (s == null || s.isBlank()) return null;
        try {
            return parser.apply(s);
        } catch (ConfigurationException e) {
            in.problem(node, path + ": " + e.getMessage());
            return null;
        }
    }

    private static String blankToNull(String s) { return s == null || s.isBlank() ? null : s.trim(); }
}
