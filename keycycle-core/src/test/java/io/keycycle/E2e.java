package io.keycycle;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.keycycle.core.ApiKey;
import io.keycycle.core.EngineClock;
import io.keycycle.core.KeyState;
import io.keycycle.core.KeycycleEvent;
import io.keycycle.core.KeycycleListener;
import io.keycycle.core.OutcomeKind;
import io.keycycle.core.config.KeycycleConfig;
import io.keycycle.sim.ProviderKind;
import io.keycycle.sim.SimKey;
import io.keycycle.sim.SimStats;
import io.keycycle.sim.Simulator;

import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;

/**
 * Shared fixtures of the end-to-end suite: fake keys that the simulator and the facade agree on,
 * a facade builder pointed at the simulator, an event recorder, clocks the simulator and the engine
 * share, and chat request bodies.
 */
final class E2e {

    static final ObjectMapper JSON = new ObjectMapper();

    private E2e() {
    }

    /** The i-th fake secret of a provider (same as the simulator's {@link SimKey#fakeSecret}). */
    static String secret(String provider, int i) {
        return SimKey.fakeSecret(ProviderKind.of(provider), i);
    }

    /** Keys 1..n of {@code provider}, key i in {@code scopes[i-1]}. */
    static List<ApiKey> keys(String provider, String... scopes) {
        List<ApiKey> l = new ArrayList<>();
        for (int i = 1; i <= scopes.length; i++) l.add(new ApiKey(provider, i, secret(provider, i), scopes[i - 1]));
        return l;
    }

    /** The simulator's mask of a key ({@code …0001}), which is also the tail of its fingerprint. */
    static String mask(String fingerprint) {
        return fingerprint.substring(fingerprint.indexOf('…'));
    }

    /**
     * A facade on the simulator: every simulated provider's base URL, the YAML configuration, no
     * store, no shutdown hook.
     */
    static Keycycle.Builder keycycle(Simulator sim, String yaml) {
        Keycycle.Builder b = Keycycle.builder().env(Map.of())
                .config(KeycycleConfig.parse(yaml, Map.of(), "e2e.yaml"))
                .discoverPersistence(false).shutdownHook(false);
        for (ProviderKind k : sim.providers()) b.baseUrl(k.id(), URI.create(sim.baseUrl(k)));
        return b;
    }

    /** Limits that never bind, for configurations where only the simulator should refuse. */
    static final String UNLIMITED = "{ rpm: unlimited, rph: unlimited, rpd: unlimited, tpm: unlimited, tph: unlimited, tpd: unlimited }";

    /**
     * A {@code keycycle.yaml} text: {@code models} are {@code provider/model=limits} entries
     * ({@code openrouter/*} is OpenRouter's shared budget); {@code tiers} are {@code name=[a, b]}.
     */
    static String yaml(List<String> models, String... tiers) {
        Map<String, List<String>> byProvider = new java.util.LinkedHashMap<>();
        for (String m : models) {
            int slash = m.indexOf('/'), eq = m.indexOf('=');
            byProvider.computeIfAbsent(m.substring(0, slash), p -> new ArrayList<>())
                    .add("      \"" + m.substring(slash + 1, eq) + "\": " + m.substring(eq + 1));
        }
        StringBuilder y = new StringBuilder("providers:\n");
        byProvider.forEach((p, lines) -> {
            y.append("  ").append(p).append(":\n    models:\n");
            lines.forEach(l -> y.append(l).append('\n'));
        });
        if (tiers.length > 0) {
            y.append("tiers:\n");
            for (String t : tiers) y.append("  ").append(t.replaceFirst("=", ": ")).append('\n');
        }
        return y.toString();
    }

    /** Every provider/model given, unlimited in the configuration. */
    static String unlimited(String... providerModels) {
        List<String> l = new ArrayList<>();
        for (String pm : providerModels) l.add(pm + "=" + UNLIMITED);
        return yaml(l);
    }

    /** A small chat request. */
    static ObjectNode chat(String text) {
        ObjectNode body = JSON.createObjectNode();
        body.putArray("messages").addObject().put("role", "user").put("content", text);
        return body;
    }

    static ObjectNode chat(String text, int maxTokens) {
        return chat(text).put("max_tokens", maxTokens);
    }

    /** Sim stats of one key (by its fingerprint's tail) of a provider, summed over models. */
    static SimStats.Row simRow(Simulator sim, String provider, String fingerprint) {
        String m = mask(fingerprint);
        return sim.stats().total(r -> r.provider().equals(provider) && r.keyMask().equals(m));
    }

    /** Collects every event the facade publishes. */
    static final class Recorder implements KeycycleListener {
        final ConcurrentLinkedQueue<KeycycleEvent> events = new ConcurrentLinkedQueue<>();

        @Override
        public void onEvent(KeycycleEvent e) {
            events.add(e);
        }

        List<KeycycleEvent.Settled> settled() {
            return of(KeycycleEvent.Settled.class, e -> true);
        }

        List<KeycycleEvent.Settled> settled(String provider) {
            return of(KeycycleEvent.Settled.class, e -> e.provider().equals(provider));
        }

        /** The tokens {@code provider}'s pool reserved for lease {@code leaseId} when it admitted it. */
        long admittedTokens(String provider, long leaseId) {
            return of(KeycycleEvent.Admitted.class, e -> e.provider().equals(provider) && e.leaseId() == leaseId).stream()
                    .mapToLong(KeycycleEvent.Admitted::estimatedTokens).findFirst()
                    .orElseThrow(() -> new AssertionError("no admission of lease " + leaseId + " on " + provider));
        }

        /**
         * What a settled Cerebras call should cost its windows: Cerebras keeps what it reserved at
         * arrival, so the larger of the usage and the lease's reservation; nothing for a failure.
         */
        long cerebrasCharge(KeycycleEvent.Settled e) {
            if (e.outcome() != OutcomeKind.SUCCESS) return 0;
            return Math.max(e.promptTokens() + e.completionTokens(), admittedTokens(e.provider(), e.leaseId()));
        }

        List<OutcomeKind> outcomes(String provider) {
            return settled(provider).stream().map(KeycycleEvent.Settled::outcome).toList();
        }

        List<KeycycleEvent.StateChanged> states(String provider, KeyState state) {
            return of(KeycycleEvent.StateChanged.class, e -> e.provider().equals(provider) && e.state() == state);
        }

        <E extends KeycycleEvent> List<E> of(Class<E> type, Predicate<E> filter) {
            List<E> out = new ArrayList<>();
            for (KeycycleEvent e : events) if (type.isInstance(e) && filter.test(type.cast(e))) out.add(type.cast(e));
            return out;
        }

        void clear() {
            events.clear();
        }
    }

    /** A {@link java.time.Clock} view of an engine clock, so the simulator and the engine share one time. */
    static Clock simClock(EngineClock engine) {
        return new Clock() {
            @Override public ZoneId getZone() { return ZoneOffset.UTC; }
            @Override public Clock withZone(ZoneId zone) { throw new UnsupportedOperationException(); }
            @Override public Instant instant() { return Instant.ofEpochMilli(engine.millis()); }
            @Override public long millis() { return engine.millis(); }
        };
    }

    /**
     * Real time sped up {@code factor} times from {@code start}: minute windows pass in seconds, and
     * parked threads sleep the scaled real time (woken early by {@link #wake}). Shared by the engine
     * and (through {@link #simClock}) the simulator. Time stands still at {@code start} until
     * {@link #go()}, so set-up and warm-up do not move it.
     */
    static final class FastClock implements EngineClock {
        private final long startMillis;
        private final double factor;
        private volatile long startNanos = Long.MIN_VALUE;

        FastClock(Instant start, double factor) {
            this.startMillis = start.toEpochMilli();
            this.factor = factor;
        }

        /** Starts the clock. */
        void go() {
            startNanos = System.nanoTime();
        }

        @Override
        public long millis() {
            long s = startNanos;
            return s == Long.MIN_VALUE ? startMillis : startMillis + (long) ((System.nanoTime() - s) / 1e6 * factor);
        }

        @Override
        public void parkUntil(long deadlineMillis) throws InterruptedException {
            if (startNanos == Long.MIN_VALUE) throw new IllegalStateException("FastClock not started");
            long realNanos = (long) ((deadlineMillis - millis()) * 1e6 / factor);
            if (realNanos > 0) LockSupport.parkNanos(realNanos);
            if (Thread.interrupted()) throw new InterruptedException();
        }

        @Override
        public void wake(Thread thread) {
            LockSupport.unpark(thread);
        }
    }
}
