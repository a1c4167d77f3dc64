package io.keycycle.core.pool;

import io.keycycle.core.ApiKey;
import io.keycycle.core.ConfigurationException;
import io.keycycle.core.EngineClock;
import io.keycycle.core.EngineTime;
import io.keycycle.core.KeyNotFoundException;
import io.keycycle.core.KeycycleEvent;
import io.keycycle.core.KeycycleListener;
import io.keycycle.core.LimitResolver;
import io.keycycle.core.ProviderProfile;
import io.keycycle.core.ProviderSpec;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * What every part of one provider's pool shares: its configuration, its keys (each with its
 * handles into the {@link PoolStateStore}) and its listeners. Immutable but for the listener list.
 */
final class PoolContext {
    final ProviderSpec spec;
    final ProviderProfile profile;
    final LimitResolver resolver;
    final EngineClock clock;
    /** Engine time on {@link #clock}: every elapsed time of the pool is measured on it. */
    final EngineTime time;
    final Selection selection;
    final PoolPolicy policy;
    final PoolStateStore store;
    final KeyEntry[] keys;
    final Map<String, KeyEntry> byFingerprint;
    private final CopyOnWriteArrayList<KeycycleListener> listeners = new CopyOnWriteArrayList<>();

    PoolContext(ProviderSpec spec, ProviderProfile profile, LimitResolver resolver, EngineClock clock, Selection selection,
                PoolPolicy policy, PoolStateStore store, List<ApiKey> keyList, List<KeycycleListener> listeners) {
        this.spec = spec;
        this.profile = profile;
        this.resolver = resolver;
        this.clock = clock;
        this.time = EngineTime.of(clock);
        this.selection = selection;
        this.policy = policy;
        this.store = store;
        this.keys = new KeyEntry[keyList.size()];
        Map<String, KeyEntry> fp = new HashMap<>();
        for (int i = 0; i < keys.length; i++) {
            ApiKey k = keyList.get(i);
            if (!k.provider().equals(spec.name())) {
                throw new ConfigurationException("key " + k + " belongs to " + k.provider() + ", not " + spec.name());
            }
            keys[i] = new KeyEntry(k, i, store.key(spec.name(), k.fingerprint()), store.scope(spec.name(), k.scope()));
            if (fp.putIfAbsent(k.fingerprint(), keys[i]) != null) {
                throw new ConfigurationException("duplicate key " + k.fingerprint() + " for provider " + spec.name());
            }
        }
        this.byFingerprint = Map.copyOf(fp);
        this.listeners.addAll(listeners);
    }

    String provider() { return spec.name(); }

    void addListener(KeycycleListener l) { listeners.add(l); }

    void removeListener(KeycycleListener l) { listeners.remove(l); }

    boolean hasListeners() { return !listeners.isEmpty(); }

    void emit(KeycycleEvent e) {
        for (KeycycleListener l : listeners) {
            try {
                l.onEvent(e);
            } catch (RuntimeException ex) {
                LoggerFactory.getLogger(KeyPool.class).warn("listener {} failed on {}: {}", l, e.getClass().getSimpleName(), ex.toString());
            }
        }
    }

    /** A key by 1-based index or fingerprint. */
    KeyEntry find(String keyId) {
        String id = keyId == null ? "" : keyId.trim();
        KeyEntry e = byFingerprint.get(id);
        if (e != null) return e;
        if (id.matches("\\d{1,9}")) {
            int idx = Integer.parseInt(id);
            for (KeyEntry k : keys) if (k.key.index() == idx) return k;
        }
        throw new KeyNotFoundException(spec.name(), id, keys.length);
    }
}
