package io.keycycle.spring;

import io.keycycle.Keycycle;
import io.keycycle.core.KeyState;
import io.keycycle.core.Persistence;
import io.keycycle.core.pool.PoolSnapshot;
import io.keycycle.store.KeycycleStore;
import io.keycycle.store.StoreHealth;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code keycycle} component of Actuator's health endpoint. Details: per provider the number of
 * keys and how many are ready, cooling (rate-limited for seconds), parked (a daily quota is gone
 * until the provider's reset) or disabled (invalid, suspended or out of credit); the store's URL
 * (password redacted), whether its writer runs, whether it is journaling because the database is
 * unreachable, and its backlog. Fingerprints and secrets are not shown.
 *
 * <p>Status: UP while at least one key can recover by itself (ready, cooling or parked keys are
 * normal operation: the pool waits or falls back); DOWN when every key is disabled, or the store's
 * writer has stopped (usage would be lost).
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
        if (down) builder.down();
        else builder.up();
    }
}
