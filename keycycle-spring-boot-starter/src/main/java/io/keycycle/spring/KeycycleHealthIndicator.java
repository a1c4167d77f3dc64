package io.keycycle.spring;

import io.keycycle.Keycycle;
import io.keycycle.core.ClusterStatus;
import io.keycycle.core.KeyState;
import io.keycycle.core.Persistence;
import io.keycycle.core.pool.PoolSnapshot;
import io.keycycle.store.KeycycleStore;
import io.keycycle.store.StoreHealth;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code keycycle} component of Actuator's health endpoint. Details: per provider the number of
 * keys and how many are ready, cooling (rate-limited for seconds), parked (a daily quota is gone
 * until the provider's reset) or disabled (invalid, suspended or out of credit); the store's URL
 * (password redacted), whether its writer runs, whether it is journaling because the database is
 * unreachable, and its backlog; with a shared pool ({@code keycycle.cluster.redis-url}) the cluster's
 * mode ({@code shared}, or {@code degraded} while Redis does not answer), the live instances and
 * where Redis is (credentials hidden). Fingerprints and secrets are not shown.
 *
 * <p>Status: UP while at least one key can recover by itself (ready, cooling or parked keys are
 * normal operation: the pool waits or falls back); DOWN when every key is disabled, or the store's
 * writer has stopped (usage would be lost). A degraded cluster stays UP (admission goes on locally,
 * within this instance's share of each limit) and says so in its details.
 */
public final class KeycycleHealthIndicator extends AbstractHealthIndicator {

    private final Keycycle keycycle;

    public KeycycleHealthIndicator(Keycycle keycycle) {
        super("Keycycle health check failed");
        this.keycycle = keycycle;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        Map<String, Object> providers = new LinkedHashMap<>();
        int keys = 0;
        int usable = 0;
        for (PoolSnapshot s : keycycle.snapshots()) {
            Map<KeyState, Integer> counts = KeyCounts.of(s);
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("keys", s.keys().size());
            for (KeyState st : new KeyState[] {KeyState.READY, KeyState.COOLING, KeyState.PARKED, KeyState.DISABLED}) {
                p.put(st.name().toLowerCase(Locale.ROOT), counts.get(st));
            }
            keys += s.keys().size();
            usable += s.keys().size() - counts.get(KeyState.DISABLED);
            providers.put(s.provider(), p);
        }
        builder.withDetail("providers", providers);
        boolean down = keys == 0 || usable == 0;
        if (down) builder.withDetail("reason", keys == 0 ? "no API keys are loaded" : "every key is disabled");
        Persistence persistence = keycycle.persistence().orElse(null);
        if (persistence instanceof KeycycleStore store) {
            StoreHealth h = store.health();
            Map<String, Object> st = new LinkedHashMap<>();
            st.put("url", store.url().redacted());
            st.put("writerAlive", h.writerAlive());
            st.put("journaling", h.journaling());
            st.put("queueDepth", h.queueDepth());
            st.put("journalEvents", h.journalEvents());
            st.put("eventsWritten", h.eventsWritten());
            if (h.lastError() != null) st.put("lastError", h.lastError());
            builder.withDetail("store", st);
            if (!h.writerAlive()) {
                down = true;
                builder.withDetail("reason", "the store's writer is not running");
            }
        } else {
            builder.withDetail("store", "none");
        }
        keycycle.cluster().ifPresent(c -> builder.withDetail("cluster", cluster(c)));
        if (down) builder.down();
        else builder.up();
    }

    /** The shared pool: mode, this instance, live instances, the fleet, Redis's location (no credentials). */
    static Map<String, Object> cluster(ClusterStatus c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("mode", c.mode());
        if (!"shared".equals(c.mode())) {
            m.put("note", "Redis does not answer: this instance admits locally with its share of each limit "
                    + "(limit / live instances) until a heartbeat succeeds; still UP");
            if (c.trouble() != null) m.put("trouble", ClusterUrls.redact(c.trouble()));
        }
        m.put("redis", ClusterUrls.redact(c.location()));
        m.put("instanceId", c.instanceId());
        m.put("liveInstances", c.liveInstances());
        List<Map<String, Object>> instances = new ArrayList<>();
        for (ClusterStatus.Instance i : c.instances()) {
            Map<String, Object> one = new LinkedHashMap<>();
            one.put("id", i.id());
            one.put("alive", i.alive());
            one.put("mode", i.mode());
            one.put("inFlight", i.inFlight());
            one.put("lastHeartbeat", String.valueOf(i.lastHeartbeat()));
            instances.add(one);
        }
        m.put("instances", instances);
        return m;
    }
}
