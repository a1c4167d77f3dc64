package io.keycycle.redis;

import io.keycycle.core.EngineClock;
import io.keycycle.core.Limits;
import io.keycycle.core.pool.PoolStateStore;
import io.keycycle.core.pool.PoolStateStore.Bucket;
import io.keycycle.core.pool.PoolStateStore.LearnedLimit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * While Redis does not answer, and when it answers again: the local buckets that admit this
 * instance's share of each limit (seeded with its share of what the fleet had used), the usage and
 * settlements kept to replay, and the re-seeding of a Redis that lost its data (see
 * {@code docs/cluster.md}).
 */
final class Outage {

    private static final Logger log = LoggerFactory.getLogger(Outage.class);
    private static final int MAX_BUFFER = 200_000;

    private final RedisStateStore store;
    private final RedisCluster cluster;
    private final SharedWindows windows;
    private final EngineClock clock;
    /** Usage counted locally while degraded, to replay into Redis. */
    private final Queue<Delta> deltas = new ConcurrentLinkedQueue<>();
    private final AtomicInteger deltaCount = new AtomicInteger();
    /** Settlements, expiries and releases Redis did not take, to send when it answers. */
    private final Queue<Pending> pending = new ConcurrentLinkedQueue<>();
    private volatile PoolStateStore degraded;
    private volatile int shareOf = 1;
    private volatile long reseededAt;
    /** Redis answers again and this instance is sending what it kept meanwhile (writes go through although still degraded). */
    private volatile boolean resuming;

    private record Delta(RedisBucket bucket, long at, long requests, long tokens) { }

    /**
     * A settlement Redis did not take: a lease's ({@code block} false) or part of a block's
     * ({@link RedisBucket}: {@code blockCounted} requests counted, {@code keep} requests and
     * {@code keepTokens} still in flight).
     */
    record Pending(RedisBucket bucket, String id, boolean expire, boolean counted, long actual, long admittedAt, long reserved,
                   boolean block, long blockCounted, long keep, long keepTokens, long countedAt, boolean unsent) {
        Pending(RedisBucket bucket, String id, boolean expire, boolean counted, long actual, long admittedAt, long reserved) {
            this(bucket, id, expire, counted, actual, admittedAt, reserved, false, 0, 0, 0, -1, false);
        }

        /** Kept while degraded, never sent (one kept after a failed send may have run in Redis after all). */
        Pending unsentYet() {
            return new Pending(bucket, id, expire, counted, actual, admittedAt, reserved, block, blockCounted, keep, keepTokens, countedAt, true);
        }
    }

    Outage(RedisStateStore store, RedisCluster cluster, EngineClock clock) {
        this.store = store;
        this.cluster = cluster;
        this.windows = cluster.windows();
        this.clock = clock;
    }

    boolean degraded() { return degraded != null; }

    /** Writes of shared state are skipped while degraded, except while resuming. */
    boolean writesBlocked() { return degraded != null && !resuming; }

    long reseededAt() { return reseededAt; }

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

    void queue(Pending p) {
        if (pending.size() < MAX_BUFFER) pending.add(p);
    }

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
        Bucket local = d.bucket(b.id(), share, b.reset(), b.time(), b.ref().keepsReservation());
        return local;
    }

    /**
     * The first instant at which the degraded bucket may admit: with other instances in the fleet,
     * not before each of them has set this instance's share aside ({@link Fleet#localAdmissionFrom}).
     */
    long localAdmissionFrom() {
        if (degraded == null) return Long.MIN_VALUE;
        return cluster.fleet().localAdmissionFrom(shareOf);
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
        for (RedisBucket b : store.allBuckets()) {
            long[] u = b.lastUsed();
            long seen = b.seenAt();
            if (seen == 0) continue;
            Bucket local = d.bucket(b.id(), share(b.limits(), n), b.reset(), b.time(), b.ref().keepsReservation());
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

    void modeChanged(ClusterMode mode, String why) {
        // hints computed in the other mode (a local share, or the shared windows) no longer hold
        for (RedisBucket b : store.allBuckets()) b.clearHint();
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
                store.trouble(e);
            }
            store.notifyListeners(null, null);
        }
    }

    void resumed(boolean emptied) {
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
            boolean found;
            if (x.expire()) found = windows.expire(x.id());
            else if (x.block()) found = windows.settleBlock(clock.millis(), x.bucket().ref(), x.id(), x.blockCounted(), x.actual(), x.keep(),
                    x.keepTokens(), x.countedAt(), true).join().at() >= 0;
            else found = windows.settle(x.bucket().ref(), x.id(), x.counted(), x.actual(), null);
            if (!found && x.unsent() && x.actual() > 0) {
                // never sent, and its reservation is gone: the other instances swept this one as dead
                // (cut off for longer than the instance TTL), which counted its requests and gave its
                // tokens back. The tokens the calls used still count. Until 2026-12-04 they were lost:
                // Redis showed room the provider no longer had.
                windows.record(x.bucket().ref(), x.block() && x.countedAt() >= 0 ? x.countedAt() : clock.millis(), 0, x.actual());
            }
        }
        if (n + p > 0) log.info("replayed {} local usage record(s) and {} settlement(s) into Redis", n, p);
        pushHolds(clock.millis()); // holds learned while degraded (never shortening: safe to send again)
        store.pushLearnedMeanwhile();
        store.pushKeysDisabledMeanwhile();
    }

    private void pushHolds(long now) {
        for (RedisBucket b : store.allBuckets()) {
            SharedHold h = b.sharedHold();
            if (h.coolingUntil() > now) store.writeBucketHold(b, "cu", h.coolingUntil(), h.coolingReason());
            if (h.parkedUntil() > now) store.writeBucketHold(b, "pu", h.parkedUntil(), h.parkedReason());
        }
        store.scopes().forEach((key, h) -> {
            String provider = key.substring(windows.prefix().length() + 4, key.indexOf(':', windows.prefix().length() + 4));
            if (h.coolingUntil() > now) store.writeHold(key, "scope", provider, "cu", h.coolingUntil(), h.coolingReason());
            if (h.parkedUntil() > now) store.writeHold(key, "scope", provider, "pu", h.parkedUntil(), h.parkedReason());
        });
    }

    /** Redis lost its data: put back this instance's usage of the last day, its holds and its flags. */
    private void reseed() {
        long now = clock.millis();
        store.own().prune(now);
        deltas.clear();
        deltaCount.set(0);
        pending.clear();
        reseededAt = now;
        giveBackReservationsOfTheNewDataset();
        int slots = 0;
        store.hydrated().prune(now);
        // what this instance's store held at start goes back only from the instance that starts the
        // new dataset, as at start-up: on one database every instance hydrated the same usage, and
        // until 2026-12-04 each put it back (N instances: N times the fleet's usage of the day)
        List<OwnUsage.Slot> replayed = new ArrayList<>(store.own().slots(now));
        if (cluster.fleet().startedDataset()) replayed.addAll(store.hydrated().slots(now));
        for (OwnUsage.Slot s : replayed) {
            RedisBucket b = store.bucketByKey(s.bucket().key());
            windows.record(b == null ? s.bucket() : b.ref(), s.end(), s.requests(), s.tokens());
            slots++;
        }
        pushHolds(now);
        store.forgetLearnedMeanwhile();
        for (RedisBucket b : store.allBuckets()) {
            for (LearnedLimit l : b.learned().values()) store.writeLearned(b, l);
        }
        store.forgetKeysDisabledMeanwhile();
        store.keyFlags().forEach((k, f) -> {
            if (f.disabled()) {
                String[] pf = k.split("\u0000", 2);
                store.writeKey(pf[0], pf[1], f.disabledReason(), f.disabledAt());
            }
        });
        store.modelFlags().forEach((k, f) -> {
            if (f.recheckAt() > now || f.backoffUntil() > now) {
                String[] pm = k.split("\u0000", 2);
                store.writeModel(pm[0], pm[1], f.recheckAt(), f.backoffUntil(), f.unavailableReason());
            }
        });
        log.warn("Redis had lost the shared pool's data: re-seeded it with this instance's usage ({} slot(s)), holds and flags", slots);
    }

    /**
     * Redis lost its data while this instance still reached it (a flush, a restart faster than a
     * heartbeat): reservations it made in the new dataset before noticing are still there, and
     * their calls are in its own usage, which the re-seed replays. They are given back (their calls
     * then settle as every call admitted before the re-seed does: moved from the replayed usage to
     * where they settled), and blocks stop admitting. Until 2026-12-04 such a reservation stayed in
     * flight in Redis for as long as the instance lived: its call was settled as a re-seeded one,
     * which sends nothing.
     */
    private void giveBackReservationsOfTheNewDataset() {
        Map<String, String> open = cluster.link().connection().sync().hgetall(windows.prefix() + ":ri:" + windows.instanceId());
        for (Map.Entry<String, String> e : open.entrySet()) {
            String rec = e.getValue();
            int end = rec.length();
            for (int i = 0; i < 6 && end > 0; i++) end = rec.lastIndexOf('|', end - 1);
            RedisBucket b = end > 0 ? store.bucketByKey(rec.substring(0, end)) : null;
            if (b != null) windows.settle(b.ref(), e.getKey(), false, 0, null);
        }
        // what the blocks tallied is in the replayed usage: their settlements find no record and change nothing
        for (RedisBucket b : store.allBuckets()) b.stopBlock();
    }

    /** Housekeeping with each heartbeat: old own-usage slots are folded or dropped. */
}
