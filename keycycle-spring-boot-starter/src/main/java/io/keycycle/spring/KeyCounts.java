package io.keycycle.spring;

import io.keycycle.core.KeyState;
import io.keycycle.core.pool.PoolSnapshot;

import java.util.EnumMap;
import java.util.Map;

/**
 * Keys of one provider by state: a key's own state, or its scope's when a scope-wide state is
 * worse (a scope cooling or parked on any model counts its keys as cooling or parked).
 */
final class KeyCounts {

    private KeyCounts() {
    }

    static Map<KeyState, Integer> of(PoolSnapshot s) {
        Map<KeyState, Integer> counts = new EnumMap<>(KeyState.class);
        for (KeyState st : KeyState.values()) counts.put(st, 0);
        for (PoolSnapshot.KeyView k : s.keys()) counts.merge(effective(s, k), 1, Integer::sum);
        return counts;
    }

    static KeyState effective(PoolSnapshot s, PoolSnapshot.KeyView k) {
        if (k.state() != KeyState.READY) return k.state();
        KeyState worst = KeyState.READY;
        for (PoolSnapshot.BucketView b : s.buckets()) {
            if (b.scope().equals(k.scope()) && b.state() != KeyState.READY && b.state().ordinal() > worst.ordinal()) {
                worst = b.state() == KeyState.MODEL_UNAVAILABLE ? worst : b.state();
            }
        }
        return worst;
    }
}
