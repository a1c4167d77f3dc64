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
        long now = ctx.time.now();
        List<PoolSnapshot.KeyView> kv = new ArrayList<>(ctx.keys.length);
        for (KeyEntry e : ctx.keys) {
            KeyStatus st = e.flag.disabled() ? new KeyStatus(KeyState.DISABLED, null, e.flag.disabledReason()) : held(e.scope, now, ctx.time);
            kv.add(new PoolSnapshot.KeyView(e.key.index(), e.key.fingerprint(), e.key.scope(), st.state(), st.until(), st.reason()));
        }
        Map<PoolStateStore.BucketId, PoolStateStore.Bucket> buckets = new HashMap<>();
        for (ModelRing r : rings.all()) {
            for (PoolStateStore.Bucket b : r.buckets) buckets.putIfAbsent(b.id(), b);
            // a model's own hold beside a shared budget (ModelRing#own) shows while it holds
            if (r.own != null) for (PoolStateStore.Bucket b : r.own) if (now < b.hold().blockedUntil()) buckets.putIfAbsent(b.id(), b);
        }
        List<PoolSnapshot.BucketView> bv = new ArrayList<>();
        for (PoolStateStore.Bucket b : buckets.values()) {
            List<PoolSnapshot.MetricUsage> usage = new ArrayList<>();
            Limits limits = b.limits();
            for (Limits.Metric m : Limits.Metric.values()) {
                long limit = limits.get(m);
                long used = b.used(now, m);
                if (limit != Limits.NONE || used > 0) usage.add(new PoolSnapshot.MetricUsage(m, used, limit));
            }
            KeyStatus st = held(b.hold(), now, ctx.time);
            bv.add(new PoolSnapshot.BucketView(b.id().scope(), b.id().model(), st.state(), st.until(), st.reason(), usage));
        }
        bv.sort((a, c) -> a.scope().equals(c.scope()) ? a.model().compareTo(c.model()) : a.scope().compareTo(c.scope()));
        List<PoolSnapshot.ModelView> mv = new ArrayList<>();
        for (ModelRing r : rings.all()) {
            PoolStateStore.ModelFlag ms = r.state;
            boolean gone = ms.unavailableAt(now);
            long backoff = ms.backoffUntil();
            mv.add(new PoolSnapshot.ModelView(r.model, gone, gone ? ms.unavailableReason() : null,
                    now < backoff ? ctx.time.instant(backoff) : null, gone ? ctx.time.instant(ms.recheckAt()) : null));
        }
        mv.sort((a, c) -> a.model().compareTo(c.model()));
        return new PoolSnapshot(ctx.provider(), ctx.time.instant(now), kv, bv, mv);
    }

    /** The state a hold puts on its keys at {@code now}: parked over cooling over ready. */
    static KeyStatus held(PoolStateStore.Hold h, long now, io.keycycle.core.EngineTime time) {
        long parked = h.parkedUntil(), cooling = h.coolingUntil();
        if (now < parked) return new KeyStatus(KeyState.PARKED, time.instant(parked), h.parkedReason());
        if (now < cooling) return new KeyStatus(KeyState.COOLING, time.instant(cooling), h.coolingReason());
        return KeyStatus.READY;
    }
}
