package io.keycycle.langchain4j;

import io.keycycle.Keycycle;
import io.keycycle.core.ApiKey;
import io.keycycle.core.KeycycleEvent;
import io.keycycle.core.KeycycleListener;
import io.keycycle.core.config.KeycycleConfig;
import io.keycycle.core.pool.PoolSnapshot;
import io.keycycle.sim.ProviderKind;
import io.keycycle.sim.SimKey;
import io.keycycle.sim.Simulator;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/** Test fixtures: a Keycycle over a simulator's keys, an event recorder, a settable clock for the simulator. */
final class Engines {

    private Engines() {
    }

    /**
     * A builder with every key of every simulated provider (same scopes as the simulator) and the
     * simulator's base URLs; {@code yaml} is the keycycle.yaml content (tiers, selection, …).
     */
    static Keycycle.Builder over(Simulator sim, String yaml) {
        Keycycle.Builder b = Keycycle.builder()
                .config(KeycycleConfig.parse(yaml, Map.of(), "test keycycle.yaml"))
                .shutdownHook(false);
        for (ProviderKind kind : sim.providers()) {
            String p = kind.id();
            List<SimKey> keys = sim.provider(kind).config().keys();
            List<ApiKey> api = new ArrayList<>();
            for (int i = 0; i < keys.size(); i++) api.add(new ApiKey(p, i + 1, keys.get(i).secret(), keys.get(i).scope()));
            b.keys(p, api).baseUrl(p, URI.create(sim.baseUrl(kind)));
        }
        return b;
    }

    static PoolSnapshot.KeyView keyView(Keycycle k, String provider, int index) {
        return k.pool(provider).snapshot().keys().stream().filter(v -> v.index() == index).findFirst().orElseThrow();
    }

    static PoolSnapshot.BucketView bucket(Keycycle k, String provider, String scope, String model) {
        return k.pool(provider).snapshot().buckets().stream()
                .filter(b -> b.scope().equals(scope) && b.model().equals(model)).findFirst().orElseThrow();
    }

    /** Every event the engine published, in order. */
    static final class Recorder implements KeycycleListener {
        final List<KeycycleEvent> events = new CopyOnWriteArrayList<>();

        @Override public void onEvent(KeycycleEvent e) { events.add(e); }

        List<KeycycleEvent.Settled> settled() {
            return events.stream().filter(KeycycleEvent.Settled.class::isInstance).map(KeycycleEvent.Settled.class::cast).toList();
        }
    }

    /** A clock for the simulator that moves only when told to. */
    static final class SettableClock extends Clock {
        private volatile Instant now;

        SettableClock(Instant start) { this.now = start; }

        void advance(Duration d) { now = now.plus(d); }

        @Override public ZoneId getZone() { return ZoneOffset.UTC; }

        @Override public Clock withZone(ZoneId zone) { throw new UnsupportedOperationException(); }

        @Override public Instant instant() { return now; }
    }
}
