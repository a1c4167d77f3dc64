package io.keycycle.core.pool;

import io.keycycle.core.KeyState;
import io.keycycle.core.Limits;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Point-in-time views of a pool for dashboards, {@code keycycle status} and the admin API. */
final class PoolSnapshots {
    private final PoolContext ctx;
    private final ModelRings rings;

    PoolSnapshots(PoolContext ctx, ModelRings rings) {
        this.ctx = ctx;
        this.rings = rings;
    }

    PoolSnapshot snapshot() {
        long now = ctx.clock.millis();
        List<PoolSnapshot.KeyView> kv = new ArrayList<>(ctx.keys.length);
        for (KeyEntry e : ctx.keys) {
            KeyStatus st = e.flag.disabled() ? new KeyStatus(KeyState.DISABLED, null, e.flag.disabledReason()) : held(e.scope, now);
            kv.add(new PoolSnapshot.KeyView(e.key.index(), e.key.fingerprint(), e.key.scope(), st.state(), st.until(), st.reason()));
        }
        Map<PoolStateStore.BucketId, PoolStateStore.Bucket> buckets = new HashMap<>();
        for (ModelRing r : rings.all()) for (PoolStateStore.Bucket b : r.buckets) buckets.putIfAbsent(b.id(), b);
        List<PoolSnapshot.BucketView> bv = new ArrayList<>();
        for (PoolStateStore.Bucket b : buckets.values()) {
            List<PoolSnapshot.MetricUsage> usage = new ArrayList<>();
            Limits limits = b.limits();
            for (Limits.Metric m : Limits.Metric.values()) {
                long limit = limits.get(m);
                long used = b.used(now, m);
                if (limit != Limits.NONE || used > 0) usage.add(new PoolSnapshot.MetricUsage(m, used, limit));
            }
            KeyStatus st = held(b.hold(), now);
            bv.add(new PoolSnapshot.BucketView(b.id().scope(), b.id().model(), st.state(), st.until(), st.reason(), usage));
        }
        bv.sort((a, c) -> a.scope().equals(c.scope()) ? a.model().compareTo(c.model()) : a.scope().compareTo(c.scope()));
        List<PoolSnapshot.ModelView> mv = new ArrayList<>();
        for (ModelRing r : rings.all()) {
            PoolStateStore.ModelFlag ms = r.state;
            boolean gone = ms.unavailableAt(now);
            long backoff = ms.backoffUntil();
            mv.add(new PoolSnapshot.ModelView(r.model, gone, gone ? ms.unavailableReason() : null,
                    now < backoff ? Instant.ofEpochMilli(backoff) : null, gone ? Instant.ofEpochMilli(ms.recheckAt()) : null));
        }
        mv.sort((a, c) -> a.model().compareTo(c.model()));
        return new PoolSnapshot(ctx.provider(), Instant.ofEpochMilli(now), kv, bv, mv);
    }

    /** The state a hold puts on its keys at {@code now}: parked over cooling over ready. */
    static KeyStatus held(PoolStateStore.Hold h, long now) {
        long parked = h.parkedUntil(), cooling = h.coolingUntil();
        if (now < parked) return new KeyStatus(KeyState.PARKED, Instant.ofEpochMilli(parked), h.parkedReason());
        if (now < cooling) return new KeyStatus(KeyState.COOLING, Instant.ofEpochMilli(cooling), h.coolingReason());
        return KeyStatus.READY;
    }
}
