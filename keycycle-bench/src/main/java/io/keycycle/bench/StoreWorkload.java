package io.keycycle.bench;

import io.keycycle.core.ApiKey;
import io.keycycle.core.EngineClock;
import io.keycycle.core.EngineRestorer;
import io.keycycle.core.KeycycleEvent;
import io.keycycle.core.OutcomeKind;
import io.keycycle.core.classify.ProviderProfiles;
import io.keycycle.core.config.Catalog;
import io.keycycle.core.config.ModelDescription;
import io.keycycle.core.config.ModelStatus;
import io.keycycle.core.pool.KeyPool;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The deployment the store benchmark writes usage for: the 208 fake keys of
 * {@link AdmissionBenchmark} (51 Cerebras, 16 Groq, 110 Gemini, 31 OpenRouter) and up to
 * {@value #MODELS_PER_PROVIDER} current models with a free quota per provider, so usage lands on
 * several hundred (key, model) pairs. Events are {@link KeycycleEvent.Settled} successes with
 * token counts drawn from a fixed seed; keys and models are drawn uniformly.
 */
final class StoreWorkload {

    static final int MODELS_PER_PROVIDER = 3;

    /** One (key, model) pair usage can land on. */
    record Target(ApiKey key, String model) { }

    final Catalog catalog = Catalog.builtIn();
    final Map<String, List<ApiKey>> keys = new LinkedHashMap<>();
    final List<Target> targets = new ArrayList<>();

    StoreWorkload() {
        for (int p = 0; p < AdmissionBenchmark.PROVIDERS.length; p++) {
            String provider = AdmissionBenchmark.PROVIDERS[p];
            List<ApiKey> ks = FakeKeys.of(provider, AdmissionBenchmark.KEYS[p]);
            keys.put(provider, ks);
            List<String> models = new ArrayList<>();
            for (ModelDescription m : catalog.models(provider)) {
                if (m.status() == ModelStatus.CURRENT && !m.hasNoQuota() && models.size() < MODELS_PER_PROVIDER) models.add(m.model());
            }
            if (models.isEmpty()) models.add(catalog.provider(provider).defaultModel());
            for (ApiKey k : ks) for (String m : models) targets.add(new Target(k, m));
        }
    }

    int keyCount() { return keys.values().stream().mapToInt(List::size).sum(); }

    /**
     * {@code n} events whose admission instants run evenly from {@code from} to {@code to} (in time
     * order, as a running engine produces them), each settled 800 ms after admission. Made one at a
     * time, as an engine makes them, so the benchmark holds no large live set of its own (which
     * would lengthen GC pauses and with them the worst {@code onEvent} latency).
     */
    Events events(int n, Instant from, Instant to, long seed) { return new Events(n, from, to, seed); }

    /** A reproducible sequence of settled events; see {@link #events}. */
    final class Events {
        final int size;
        private final SplittableRandom rnd;
        private final long start;
        private final double step;
        private int next;

        private Events(int n, Instant from, Instant to, long seed) {
            this.size = n;
            this.rnd = new SplittableRandom(seed);
            this.start = from.toEpochMilli();
            this.step = (to.toEpochMilli() - start) / (double) n;
        }

        boolean hasNext() { return next < size; }

        KeycycleEvent next() {
            int i = next++;
            Target t = targets.get(rnd.nextInt(targets.size()));
            Instant admitted = Instant.ofEpochMilli(start + (long) (i * step));
            long prompt = 200 + rnd.nextInt(1800);
            long completion = 50 + rnd.nextInt(600);
            return new KeycycleEvent.Settled(admitted.plusMillis(800), admitted, t.key().provider(), t.key().scope(),
                    t.key().fingerprint(), t.model(), OutcomeKind.SUCCESS, 200, 1, prompt, completion,
                    prompt + completion, i);
        }
    }

    /** Fresh pools, one per provider, over the built-in limits and the system clock (as a starting engine has). */
    Map<String, KeyPool> pools() {
        Map<String, KeyPool> pools = new LinkedHashMap<>();
        keys.forEach((provider, ks) -> pools.put(provider, KeyPool.builder(catalog.provider(provider))
                .keys(ks)
                .limits(catalog.resolver(provider))
                .profile(ProviderProfiles.forProvider(provider))
                .clock(EngineClock.system())
                .build()));
        return pools;
    }

    /** Hands each record to the pool of its provider, as the {@code Keycycle} facade does. */
    static EngineRestorer restorer(Map<String, KeyPool> pools) {
        return new EngineRestorer() {
            @Override public void restoreUsage(String provider, String fp, String model, Instant at, long requests, long tokens) {
                KeyPool p = pools.get(provider);
                if (p != null) p.restoreUsage(provider, fp, model, at, requests, tokens);
            }

            @Override public void restoreState(KeycycleEvent.StateChanged s) {
                KeyPool p = pools.get(s.provider());
                if (p != null) p.restoreState(s);
            }
        };
    }
}
