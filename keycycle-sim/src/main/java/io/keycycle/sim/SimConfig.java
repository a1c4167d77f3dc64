package io.keycycle.sim;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Reads a {@code sim.yaml} into a {@link Simulator.Builder}. Shape (every key optional):
 *
 * <pre>
 * port: 9001
 * host: 127.0.0.1
 * latency: 50ms
 * chunk-interval: 20ms
 * threads: 64
 * providers:
 *   groq:
 *     free-tier-models: true        # providers.md §7 table
 *     current-models: true          # or: the 2026-11-30 line-up (retired models answer "gone")
 *     fake-keys: 3                  # gsk_test_…0001..3, scope-1..3
 *     accept-any-key: false
 *     keys:
 *       - { secret: gsk_test_0000000000000000000009, scope: org-b, state: dead }
 *     models:
 *       llama-3.3-70b-versatile: { rpm: 30, rpd: 1000, tpm: 12000, tpd: 100000 }
 *     gone-models: [gemma2-9b-it]
 *     default-limits: { rpm: 30 }
 *     fault-probability: 0.05
 *     faults: [OVERLOADED_503, "SLOW(2s)"]
 *     seed: 7
 *   gemini:   { no-free-tier-models: [gemini-2.5-pro], thinking-tokens: 24,
 *               auto-route: { gemini-2.5-flash: gemini-3.5-flash-lite } }
 *   openrouter: { free-model-limits: { rpm: 20, rpd: 50 }, high-balance: false,
 *                 no-tool-support: [google/gemma-3-27b-it:free],
 *                 keys: [{ secret: sk-or-v1-test…, scope: acct, state: key-limit }] }
 * </pre>
 */
final class SimConfig {

    private SimConfig() {
    }

    static Simulator.Builder load(Path file, Simulator.Builder b) {
        try (InputStream in = Files.newInputStream(file)) {
            Object root = new Yaml(new SafeConstructor(new LoaderOptions())).load(in);
            if (root == null) {
                return b;
            }
            apply(map(root, file.toString()), b, file.toString());
            return b;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read simulator config " + file, e);
        }
    }

    static void apply(Map<String, Object> root, Simulator.Builder b, String where) {
        for (Map.Entry<String, Object> e : root.entrySet()) {
            Object v = e.getValue();
            switch (e.getKey()) {
                case "port" -> b.port(integer(v, "port"));
                case "host" -> b.host(String.valueOf(v));
                case "latency" -> b.latency(Durations.parse(String.valueOf(v)));
                case "chunk-interval" -> b.chunkInterval(Durations.parse(String.valueOf(v)));
                case "threads" -> b.threads(integer(v, "threads"));
                case "providers" -> map(v, where + ": providers").forEach((name, cfg) ->
                        b.provider(provider(ProviderKind.of(name), cfg == null ? Map.of() : map(cfg, name))));
                default -> throw new IllegalArgumentException("unknown key '" + e.getKey() + "' in " + where
                        + ", expected port, host, latency, chunk-interval, threads or providers");
            }
        }
    }

    private static SimProvider provider(ProviderKind kind, Map<String, Object> cfg) {
        SimProvider.Builder p = SimProvider.builder(kind);
        String id = kind.id();
        if (Boolean.TRUE.equals(cfg.get("free-tier-models"))) {
            p.freeTierModels();
        }
        if (Boolean.TRUE.equals(cfg.get("current-models"))) {
            p.currentModels();
        }
        for (Map.Entry<String, Object> e : cfg.entrySet()) {
            Object v = e.getValue();
            String at = id + "." + e.getKey();
            switch (e.getKey()) {
                case "free-tier-models", "current-models" -> { }
                case "no-tool-support" -> list(v, at).forEach(m -> p.noToolSupport(String.valueOf(m)));
                case "auto-route" -> map(v, at).forEach((from, to) -> p.autoRoute(from, String.valueOf(to)));
                case "context-windows" -> map(v, at).forEach((model, tokens) -> p.contextWindow(model, integer(tokens, at + "." + model)));
                case "fake-keys" -> p.fakeKeys(integer(v, at));
                case "accept-any-key" -> p.acceptAnyKey(bool(v, at));
                case "keys" -> {
                    for (Object k : list(v, at)) {
                        Map<String, Object> key = map(k, at);
                        if (key.get("secret") == null) {
                            throw new IllegalArgumentException(at + ": every key needs a secret");
                        }
                        String secret = String.valueOf(key.get("secret"));
                        String scope = key.containsKey("scope") ? String.valueOf(key.get("scope")) : SimKey.ownScope(secret);
                        KeyState state = key.containsKey("state") ? keyState(key.get("state"), at) : KeyState.ACTIVE;
                        p.key(new SimKey(secret, scope, state));
                    }
                }
                case "models" -> map(v, at).forEach((model, limits) ->
                        p.model(model, limits == null ? SimLimits.UNLIMITED : SimLimits.fromMap(map(limits, id + "/" + model), id + "/" + model)));
                case "gone-models" -> list(v, at).forEach(m -> p.goneModel(String.valueOf(m)));
                case "no-free-tier-models" -> list(v, at).forEach(m -> p.noFreeTierModel(String.valueOf(m)));
                case "paid-scopes" -> list(v, at).forEach(sc -> p.paidScope(String.valueOf(sc)));
                case "default-limits" -> p.defaultLimits(SimLimits.fromMap(map(v, at), at));
                case "thinking-tokens" -> p.thinkingTokens(integer(v, at));
                case "free-model-limits" -> p.freeModelLimits(SimLimits.fromMap(map(v, at), at));
                case "high-balance" -> p.highBalance(bool(v, at));
                case "seed" -> p.seed(integer(v, at));
                case "fault-probability", "faults" -> { }
                default -> throw new IllegalArgumentException("unknown key '" + e.getKey() + "' for provider " + id);
            }
        }
        if (cfg.containsKey("fault-probability")) {
            Object v = cfg.get("fault-probability");
            if (!(v instanceof Number n)) {
                throw new IllegalArgumentException(id + ".fault-probability must be a number, was " + v);
            }
            List<FaultKind> kinds = cfg.containsKey("faults")
                    ? list(cfg.get("faults"), id + ".faults").stream().map(f -> FaultKind.parse(String.valueOf(f))).toList()
                    : List.of(FaultKind.OVERLOADED_503);
            p.faultProbability(n.doubleValue(), kinds.toArray(FaultKind[]::new));
        }
        return p.build();
    }

    private static KeyState keyState(Object v, String where) {
        try {
            return KeyState.valueOf(String.valueOf(v).toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": unknown state '" + v
                    + "', expected active, dead, suspended, no-credit or key-limit");
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object v, String where) {
        if (v instanceof Map<?, ?> m) {
            return (Map<String, Object>) m;
        }
        throw new IllegalArgumentException(where + " must be a mapping, was " + v);
    }

    private static List<?> list(Object v, String where) {
        if (v instanceof List<?> l) {
            return l;
        }
        throw new IllegalArgumentException(where + " must be a list, was " + v);
    }

    private static int integer(Object v, String where) {
        if (v instanceof Integer i) {
            return i;
        }
        throw new IllegalArgumentException(where + " must be an integer, was " + v);
    }

    private static boolean bool(Object v, String where) {
        if (v instanceof Boolean b) {
            return b;
        }
        throw new IllegalArgumentException(where + " must be true or false, was " + v);
    }
}
