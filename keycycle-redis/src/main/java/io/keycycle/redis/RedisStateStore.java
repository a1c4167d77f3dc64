package io.keycycle.redis;

import io.keycycle.core.DailyReset;
import io.keycycle.core.EngineClock;
import io.keycycle.core.Limits;
import io.keycycle.core.pool.PoolStateStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The pool's state shared through Redis: every pool of this process (one per provider) admits
 * against it, and so does every other process on the same Redis and key prefix.
 *
 * <p><b>Shared mode.</b> Admission, settlement and release are one script call each
 * ({@link SharedWindows}); holds, disabled keys, model states and learned limits are written to
 * Redis and announced on the fleet's channel, and applied here from the channel (the script also
 * checks bucket and scope holds at reservation, so nothing waits for a message to be safe).
 *
 * <p><b>Degraded mode</b> (Redis unreachable or slower than the command timeout): each bucket
 * admits locally against this instance's share of each limit — the limit divided by the live
 * instances counted at the last heartbeat — after counting this instance's share of what the fleet
 * had used as Redis last reported it. What is admitted meanwhile is replayed into Redis when it
 * answers again; when Redis lost its data (restarted empty), the instance re-seeds it with its own
 * usage of the last day and its holds and flags.
 */
public final class RedisStateStore implements PoolStateStore, Fleet.Listener {

    private static final Logger log = LoggerFactory.getLogger(RedisStateStore.class);
    private static final int MAX_BUFFER = 200_000;

    private final RedisCluster cluster;
    private final SharedWindows windows;
    private final EngineClock clock;
    private final PoolStateStore localFlags = PoolStateStore.local();
    private final Map<BucketId, RedisBucket> buckets = new ConcurrentHashMap<>();
    private final Map<String, RedisBucket> bucketsByKey = new ConcurrentHashMap<>();
    private final Map<String, SharedHold> scopes = new ConcurrentHashMap<>();
    private final Map<String, SharedKeyFlag> keys = new ConcurrentHashMap<>();
    private final Map<String, SharedModelFlag> models = new ConcurrentHashMap<>();
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private final OwnUsage own = new OwnUsage();
    /** Usage counted locally while degraded, to replay into Redis. */
    private final Queue<Delta> deltas = new ConcurrentLinkedQueue<>();
    private final AtomicInteger deltaCount = new AtomicInteger();
    /** Settlements and expiries Redis did not take, to send when it answers. */
    private final Queue<Pending> pending = new ConcurrentLinkedQueue<>();
    private volatile PoolStateStore degraded;
    private volatile int shareOf = 1;
    private volatile long reseededAt;
    /** True until the first admission: usage recorded meanwhile is this instance's store being replayed. */
    private volatile boolean hydrating = true;
    /** Redis answers again and this instance is sending what it kept meanwhile (writes go through although still degraded). */
    private volatile boolean resuming;

    private record Delta(RedisBucket bucket, long at, long requests, long tokens) { }

    private record Pending(RedisBucket bucket, String id, boolean expire, boolean counted, long actual, long admittedAt, long reserved) { }

    RedisStateStore(RedisCluster cluster, EngineClock clock) {
        this.cluster = cluster;
        this.windows = cluster.windows();
        this.clock = clock;
        cluster.channel().addListener(this::onMessage);
        cluster.fleet().addListener(this);
        if (cluster.fleet().mode() == ClusterMode.DEGRADED) modeChanged(ClusterMode.DEGRADED, cluster.fleet().lastTrouble());
    }

    SharedWindows windows() { return windows; }

    boolean degraded() { return degraded != null; }

    void trouble(Throwable e) { cluster.fleet().trouble(e); }

    // ------------------------------------------------------------------ handles

    @Override
    public Bucket bucket(BucketId id, Limits limits, DailyReset dailyReset) {
        RedisBucket b = buckets.get(id);
        if (b == null) {
            b = buckets.computeIfAbsent(id, x -> {
                RedisBucket nb = new RedisBucket(this, id, limits, dailyReset);
                bucketsByKey.put(nb.ref().key(), nb);
                return nb;
            });
            readHold(b);
        }
        b.tighten(limits);
        return b;
    }

    private void readHold(RedisBucket b) {
        if (degraded() && !resuming) return;
        try {
            long now = clock.millis();
            SharedWindows.Peek p = windows.peek(now, b.ref(), 0);
            b.seen(p.used(), now);
            Map<String, String> why = cluster.link().connection().sync().hgetall(b.ref().key() + ":why");
            if (p.coolingUntil() > 0) b.sharedHold().cached(true, p.coolingUntil(), why.getOrDefault("cu", "held by another instance"));
            if (p.parkedUntil() > 0) b.sharedHold().cached(false, p.parkedUntil(), why.getOrDefault("pu", "held by another instance"));
            for (Map.Entry<String, String> e : cluster.link().connection().sync().hgetall(windows.stateHash(b.id().provider())).entrySet()) {
                if (e.getKey().startsWith("l:" + b.ref().key() + ":")) applyLearned(b, e.getValue().split("\\|", 4));
            }
        } catch (RuntimeException e) {
            trouble(e);
        }
    }

    @Override
    public Hold scope(String provider, String scope) {
        String key = windows.prefix() + ":sc:" + provider + ":" + scope;
        SharedHold h = scopes.get(key);
        if (h != null) return h;
        return scopes.computeIfAbsent(key, k -> {
            SharedHold nh = new SharedHold((field, until, why) -> writeHold(k, "scope", provider, field, until, why));
            if (!degraded()) {
                try {
                    Map<String, String> m = cluster.link().connection().sync().hgetall(k);
                    long cu = parse(m.get("cu")), pu = parse(m.get("pu"));
                    if (cu > 0) nh.cached(true, windows.toLocal(cu, 0), m.getOrDefault("cu:why", "held by another instance"));
                    if (pu > 0) nh.cached(false, windows.toLocal(pu, 0), m.getOrDefault("pu:why", "held by another instance"));
                } catch (RuntimeException e) {
                    trouble(e);
                }
            }
            return nh;
        });
    }

    @Override
    public KeyFlag key(String provider, String fingerprint) {
        String k = provider + "\u0000" + fingerprint;
        SharedKeyFlag f = keys.get(k);
        if (f != null) return f;
        return keys.computeIfAbsent(k, x -> {
            SharedKeyFlag nf = new SharedKeyFlag((why, at) -> writeKey(provider, fingerprint, why, at));
            if (!degraded()) {
                try {
                    String v = cluster.link().connection().sync().hget(windows.stateHash(provider), "d:" + fingerprint);
                    if (v != null) {
                        String[] p = v.split("\\|", 2);
                        nf.cached(true, p.length > 1 ? p[1] : "disabled by another instance", windows.toLocal(parse(p[0]), 0));
                    }
                } catch (RuntimeException e) {
                    trouble(e);
                }
            }
            return nf;
        });
    }

    @Override
    public ModelFlag model(String provider, String model) {
        String k = provider + "\u0000" + model;
        SharedModelFlag f = models.get(k);
        if (f != null) return f;
        return models.computeIfAbsent(k, x -> {
            SharedModelFlag nf = new SharedModelFlag(localFlags.model(provider, model), (recheck, backoff, why) -> writeModel(provider, model, recheck, backoff, why));
            if (!degraded()) {
                try {
                    String v = cluster.link().connection().sync().hget(windows.stateHash(provider), "m:" + model);
                    if (v != null) applyModel(nf, v.split("\\|", 3));
                } catch (RuntimeException e) {
                    trouble(e);
                }
            }
            return nf;
        });
    }

    @Override public void addListener(Listener l) { listeners.add(l); }

    @Override public void removeListener(Listener l) { listeners.remove(l); }

    // ------------------------------------------------------------------ writes of shared state

    void writeBucketHold(RedisBucket b, String field, long until, String why) {
        writeHold(b.ref().key(), "bucket", b.id().provider(), field, until, why);
    }

    private void writeHold(String key, String kind, String provider, String field, long until, String why) {
        if (degraded() && !resuming) return; // pushed again when Redis answers (see resumed)
        try {
            if (field.equals("clear")) {
                windows.unhold(key, kind, "hold|" + provider + "|" + key + "|clear|0|");
                return;
            }
            long r = windows.toRedis(until);
            windows.holdKey(key, kind, field, r, why == null ? "" : why,
                    "hold|" + provider + "|" + key + "|" + field + "|" + r + "|" + (why == null ? "" : why));
        } catch (RuntimeException e) {
            trouble(e);
        }
    }

    private void writeKey(String provider, String fp, String why, long at) {
        if (degraded() && !resuming) return;
        try {
            long r = windows.toRedis(at);
            windows.state(windows.stateHash(provider), "d:" + fp, why == null ? null : r + "|" + why,
                    "key|" + provider + "|" + fp + "|" + (why == null ? "0" : "1") + "|" + r + "|" + (why == null ? "" : why));
        } catch (RuntimeException e) {
            trouble(e);
        }
    }

    private void writeModel(String provider, String model, long recheck, long backoff, String why) {
        if (degraded() && !resuming) return;
        try {
            String v = (recheck > 0 ? windows.toRedis(recheck) : 0) + "|" + (backoff > 0 ? windows.toRedis(backoff) : 0) + "|" + (why == null ? "" : why);
            windows.state(windows.stateHash(provider), "m:" + model, v, "model|" + provider + "|" + model + "|" + v);
        } catch (RuntimeException e) {
            trouble(e);
        }
    }

    void writeLearned(RedisBucket b, LearnedLimit l) {
        if (degraded() && !resuming) return;
        try {
            String v = l.metric().key() + "|" + l.value() + "|" + l.at().toEpochMilli() + "|" + (l.source() == null ? "" : l.source());
            windows.state(windows.stateHash(b.id().provider()), "l:" + b.ref().key() + ":" + l.metric().key(), v,
                    "learn|" + b.id().provider() + "|" + b.ref().key() + "|" + v);
        } catch (RuntimeException e) {
            trouble(e);
        }
    }

    // ------------------------------------------------------------------ usage bookkeeping

    /** The first admission ends hydration. */
    void admitting() {
        if (hydrating) hydrating = false;
    }

    void admitted(RedisBucket b, long at, long tokens) {
        own.add(b.ref(), at, 1, tokens);
        cluster.inFlight().incrementAndGet();
    }

    void settled(RedisBucket b, long now, long admittedAt, long reserved, boolean counted, long actual) {
        own.add(b.ref(), admittedAt, -1, -reserved);
        own.add(b.ref(), now, counted ? 1 : 0, actual);
        cluster.inFlight().decrementAndGet();
    }

    void settleShared(RedisBucket b, long leaseId, long now, long admittedAt, long reserved, boolean counted, long actual) {
        String id = windows.reservationId(leaseId);
        if (degraded()) {
            queue(new Pending(b, id, false, counted, actual, admittedAt, reserved));
            return;
        }
        windows.settleWithView(now, b.ref(), id, counted, actual).whenComplete((s, e) -> {
            if (e != null) {
                queue(new Pending(b, id, false, counted, actual, admittedAt, reserved));
                trouble(e);
            } else if (s.at() < 0 && admittedAt < reseededAt) {
                // blocking calls must not run on Lettuce's event loop (this callback's thread)
                java.util.concurrent.ForkJoinPool.commonPool().execute(() -> correctAfterReseed(b, admittedAt, reserved, counted, actual, now));
            } else {
                b.seen(s.used(), now);
            }
        });
    }

    /** A lease admitted before Redis was re-seeded: its reservation was replayed as usage; replace it now. */
    private void correctAfterReseed(RedisBucket b, long admittedAt, long reserved, boolean counted, long actual, long now) {
        try {
            windows.record(now, b.ref(), admittedAt, -1, -reserved);
            windows.record(now, b.ref(), now, counted ? 1 : 0, actual);
        } catch (RuntimeException e) {
            trouble(e);
        }
    }

    void expireShared(RedisBucket b, long leaseId, long admittedAt, long reserved) {
        String id = windows.reservationId(leaseId);
        if (!degraded()) {
            try {
                if (!windows.expire(id) && admittedAt < reseededAt) windows.record(b.ref(), admittedAt, 0, -reserved);
                return;
            } catch (RuntimeException e) {
                trouble(e);
            }
        }
        queue(new Pending(b, id, true, false, 0, admittedAt, reserved));
    }

    void record(RedisBucket b, long now, long at, long requests, long tokens) {
        own.add(b.ref(), at, requests, tokens);
        if (hydrating && !cluster.fleet().createdDataset()) {
            // hydration from this instance's store before it admitted anything: the fleet's windows
            // are already in Redis (replaying them would count them once per instance)
            return;
        }
        if (!degraded()) {
            try {
                windows.record(now, b.ref(), at, requests, tokens);
                return;
            } catch (RuntimeException e) {
                trouble(e);
            }
        }
        degradedBucket(b).record(now, at, requests, tokens);
        delta(b, at, requests, tokens);
    }

    void correct(RedisBucket b, long now, Limits.Metric metric, long delta) {
        if (!degraded()) {
            try {
                windows.correct(now, b.ref(), metric, delta);
                return;
            } catch (RuntimeException e) {
                trouble(e);
            }
        }
        degradedBucket(b).correct(now, metric, delta);
    }

    void delta(RedisBucket b, long at, long requests, long tokens) {
        if (deltaCount.incrementAndGet() > MAX_BUFFER) {
            deltaCount.decrementAndGet();
            return; // dropped: documented (a very long outage under heavy load)
        }
        deltas.add(new Delta(b, at, requests, tokens));
    }

    /** A reservation that timed out may have been made after all: released (if it exists) when Redis answers. */
    void uncertain(RedisBucket b, String id) {
        queue(new Pending(b, id, false, false, 0, 0, 0));
    }

    private void queue(Pending p) {
        if (pending.size() < MAX_BUFFER) pending.add(p);
    }

    // ------------------------------------------------------------------ degraded mode

    /** The local bucket admitting this instance's share while Redis does not answer. */
    PoolStateStore.Bucket degradedBucket(RedisBucket b) {
        PoolStateStore d = degraded;
        if (d == null) {
            synchronized (this) {
                if (degraded == null) startEpisode();
                d = degraded;
            }
        }
        int n = shareOf;
        Limits share = share(b.limits(), n);
        Bucket local = d.bucket(b.id(), share, b.reset());
        return local;
    }

    /** A share of each limit: the limit divided by the live instances, rounded down. */
    static Limits share(Limits l, int n) {
        Limits s = l;
        for (Limits.Metric m : Limits.Metric.values()) {
            long v = l.get(m);
            if (v != Limits.NONE) s = s.with(m, v / Math.max(1, n));
        }
        return s;
    }

    private void startEpisode() {
        PoolStateStore d = PoolStateStore.local();
        int n = cluster.fleet().liveInstances();
        long now = clock.millis();
        // this instance's share of what the fleet had used, as Redis last reported it, counted at
        // the instant it was reported (it leaves the local window no earlier than it left Redis's)
        for (RedisBucket b : buckets.values()) {
            long[] u = b.lastUsed();
            long seen = b.seenAt();
            if (seen == 0) continue;
            Bucket local = d.bucket(b.id(), share(b.limits(), n), b.reset());
            long reqMin = u[Limits.Metric.RPM.ordinal()], tokMin = u[Limits.Metric.TPM.ordinal()];
            long reqHour = Math.max(0, u[Limits.Metric.RPH.ordinal()] - reqMin), tokHour = Math.max(0, u[Limits.Metric.TPH.ordinal()] - tokMin);
            long reqDay = Math.max(0, u[Limits.Metric.RPD.ordinal()] - reqMin - reqHour);
            long tokDay = Math.max(0, u[Limits.Metric.TPD.ordinal()] - tokMin - tokHour);
            local.record(now, Math.min(seen, now), ceilDiv(reqMin, n), ceilDiv(tokMin, n));
            local.record(now, Math.min(seen, now) - Limits.Span.MINUTE.millis(), ceilDiv(reqHour, n), ceilDiv(tokHour, n));
            local.record(now, Math.min(seen, now) - Limits.Span.HOUR.millis(), ceilDiv(reqDay, n), ceilDiv(tokDay, n));
        }
        shareOf = n;
        degraded = d;
    }

    private static long ceilDiv(long a, long b) { return a <= 0 ? 0 : (a + b - 1) / b; }

    @Override
    public void modeChanged(ClusterMode mode, String why) {
        // hints computed in the other mode (a local share, or the shared windows) no longer hold
        for (RedisBucket b : buckets.values()) b.clearHint();
        if (mode == ClusterMode.DEGRADED) {
            synchronized (this) {
                if (degraded == null) startEpisode();
            }
            log.warn("shared pool degraded ({}): each bucket admits locally against 1/{} of its limits", why, shareOf);
        } else {
            degraded = null;
            try {
                replay(false); // what was counted locally between the replay and now
            } catch (RuntimeException e) {
                trouble(e);
            }
            notifyListeners(null, null);
        }
    }

    @Override
    public void resumed(boolean emptied) {
        resuming = true;
        try {
            replay(emptied);
        } finally {
            resuming = false;
        }
    }

    private void replay(boolean emptied) {
        if (emptied) {
            reseed();
            return;
        }
        int n = 0;
        for (Delta d; (d = deltas.poll()) != null; n++) {
            deltaCount.decrementAndGet();
            windows.record(d.bucket().ref(), d.at(), d.requests(), d.tokens());
        }
        int p = 0;
        for (Pending x; (x = pending.poll()) != null; p++) {
            if (x.expire()) windows.expire(x.id());
            else windows.settle(x.bucket().ref(), x.id(), x.counted(), x.actual(), null);
        }
        if (n + p > 0) log.info("replayed {} local usage record(s) and {} settlement(s) into Redis", n, p);
        pushHolds(clock.millis()); // holds learned while degraded (never shortening: safe to send again)
    }

    private void pushHolds(long now) {
        for (RedisBucket b : buckets.values()) {
            SharedHold h = b.sharedHold();
            if (h.coolingUntil() > now) writeBucketHold(b, "cu", h.coolingUntil(), h.coolingReason());
            if (h.parkedUntil() > now) writeBucketHold(b, "pu", h.parkedUntil(), h.parkedReason());
        }
        scopes.forEach((key, h) -> {
            String provider = key.substring(windows.prefix().length() + 4, key.indexOf(':', windows.prefix().length() + 4));
            if (h.coolingUntil() > now) writeHold(key, "scope", provider, "cu", h.coolingUntil(), h.coolingReason());
            if (h.parkedUntil() > now) writeHold(key, "scope", provider, "pu", h.parkedUntil(), h.parkedReason());
        });
    }

    /** Redis lost its data: put back this instance's usage of the last day, its holds and its flags. */
    private void reseed() {
        long now = clock.millis();
        own.prune(now);
        deltas.clear();
        deltaCount.set(0);
        pending.clear();
        reseededAt = now;
        int slots = 0;
        for (OwnUsage.Slot s : own.slots(now)) {
            RedisBucket b = bucketsByKey.get(s.bucket().key());
            windows.record(b == null ? s.bucket() : b.ref(), s.end(), s.requests(), s.tokens());
            slots++;
        }
        pushHolds(now);
        for (RedisBucket b : buckets.values()) {
            for (LearnedLimit l : b.learned().values()) writeLearned(b, l);
        }
        keys.forEach((k, f) -> {
            if (f.disabled()) {
                String[] pf = k.split("\u0000", 2);
                writeKey(pf[0], pf[1], f.disabledReason(), f.disabledAt());
            }
        });
        models.forEach((k, f) -> {
            if (f.recheckAt() > now || f.backoffUntil() > now) {
                String[] pm = k.split("\u0000", 2);
                writeModel(pm[0], pm[1], f.recheckAt(), f.backoffUntil(), f.unavailableReason());
            }
        });
        log.warn("Redis had lost the shared pool's data: re-seeded it with this instance's usage ({} slot(s)), holds and flags", slots);
    }

    /** Housekeeping with each heartbeat: old own-usage slots are folded or dropped. */
    @Override
    public void beat() { own.prune(clock.millis()); }

    // ------------------------------------------------------------------ the fleet's channel

    private void onMessage(String[] m) {
        if (m.length < 3) return;
        String provider = m[1];
        switch (m[0]) {
            case "freed" -> {
                String model = m.length > 2 ? m[2] : "*";
                for (RedisBucket b : buckets.values()) {
                    if ((provider.equals("*") || b.id().provider().equals(provider)) && (model.equals("*") || b.id().model().equals(model))) b.clearHint();
                }
                notifyListeners(provider.equals("*") ? null : provider, model.equals("*") ? null : model);
            }
            case "hold" -> {
                if (m.length < 6) return;
                String key = m[2];
                SharedHold h;
                String model = null;
                RedisBucket b = bucketsByKey.get(key);
                if (b != null) {
                    h = b.sharedHold();
                    model = b.id().model();
                } else {
                    h = scopes.get(key);
                }
                if (h == null) return;
                if (m[3].equals("clear")) h.clearCached();
                else h.cached(m[3].equals("cu"), windows.toLocal(parse(m[4]), 0), m.length > 5 ? m[5] : "");
                notifyListeners(provider, model == null || model.equals("*") ? null : model);
            }
            case "key" -> {
                SharedKeyFlag f = keys.get(provider + "\u0000" + m[2]);
                if (f != null && m.length >= 6) f.cached(m[3].equals("1"), m[5], windows.toLocal(parse(m[4]), 0));
                notifyListeners(provider, null);
            }
            case "model" -> {
                SharedModelFlag f = models.get(provider + "\u0000" + m[2]);
                if (f != null && m.length >= 6) applyModel(f, new String[]{m[3], m[4], m[5]});
                notifyListeners(provider, m[2]);
            }
            case "learn" -> {
                RedisBucket b = bucketsByKey.get(m[2]);
                if (b != null && m.length >= 7) applyLearned(b, new String[]{m[3], m[4], m[5], m[6]});
                notifyListeners(provider, b == null ? null : b.id().model());
            }
            default -> { }
        }
    }

    private void applyModel(SharedModelFlag f, String[] v) {
        long recheck = parse(v[0]), backoff = parse(v[1]);
        f.apply(recheck > 0 ? windows.toLocal(recheck, 0) : 0, backoff > 0 ? windows.toLocal(backoff, 0) : 0, v.length > 2 ? v[2] : "");
    }

    private static void applyLearned(RedisBucket b, String[] v) {
        if (v.length < 4) return;
        try {
            b.adopt(new LearnedLimit(Limits.Metric.parse(v[0]), Long.parseLong(v[1]), v[3], Instant.ofEpochMilli(Long.parseLong(v[2]))));
        } catch (RuntimeException ignored) {
            // a malformed entry is skipped
        }
    }

    private void notifyListeners(String provider, String model) {
        if (provider == null) {
            // every provider this process has pools for
            java.util.Set<String> providers = new java.util.HashSet<>();
            for (BucketId id : buckets.keySet()) providers.add(id.provider());
            for (String p : providers) notifyListeners(p, model);
            return;
        }
        for (Listener l : listeners) {
            try {
                l.changedElsewhere(provider, model);
            } catch (RuntimeException e) {
                log.warn("state listener failed: {}", e.toString());
            }
        }
    }

    private static long parse(String s) {
        try {
            return s == null || s.isEmpty() ? 0 : Long.parseLong(s);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    @Override public String toString() { return "RedisStateStore[" + cluster.location() + ", " + buckets.size() + " buckets]"; }
}
