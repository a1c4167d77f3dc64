package io.keycycle.redis;

import io.keycycle.core.DailyReset;
import io.keycycle.core.EngineTime;
import io.keycycle.core.Limits;
import io.keycycle.core.pool.PoolStateStore;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One bucket of the shared pool: its windows and reservations live in Redis ({@link SharedWindows}
 * does one script call per operation); this object keeps the limits in force, the hold cache, the
 * last usage Redis reported (for the headroom policy, without a round trip), the blocks of capacity
 * it admits from while calls come fast ({@link BucketBlocks}), what its last refusal and peek said
 * of when a request fits ({@link RetryInstants}) and, while the instance is degraded, the local
 * bucket that admits against this instance's share.
 *
 * <p><b>Blocks.</b> A call reserves in Redis; when this bucket was asked three times or more in a
 * tick of the block time ({@code cluster.block-time}, 100 ms by default; this tick or the one
 * before), the reservation asks for a block: one request fewer than were asked here in the busier
 * tick (each with the call's token estimate), at most {@code cluster.block-size} (64), and at
 * most half of this instance's share of what every window has left (Redis decides, atomically, in
 * the same script). The next calls are admitted from the block without a round trip while it is
 * younger than the block time and has room. A block counts in Redis as that many requests in
 * flight, in every window, like single reservations; when it stops admitting, what it did not use
 * goes back, the requests it settled are counted at that instant and the calls still open stay
 * reserved; the last one to settle settles the rest. A crashed instance's block expires with its
 * reservations, counted whole.
 */
final class RedisBucket implements PoolStateStore.Bucket {

    private final RedisStateStore store;
    private final PoolStateStore.BucketId id;
    private final DailyReset reset;
    private final EngineTime time;
    private final SharedHold hold;
    private volatile Limits table;
    private final EnumMap<Limits.Metric, PoolStateStore.LearnedLimit> learned = new EnumMap<>(Limits.Metric.class);
    private volatile BucketRef ref;
    /** Usage per metric as Redis last reported it, and when (local clock). */
    private volatile long[] used = new long[6];
    private volatile long seenAt;
    private volatile long hint;
    /** What the last refusal and the last look said of when a request fits (reused instead of a round trip). */
    private final RetryInstants retry = new RetryInstants();
    /** The blocks this bucket admits from while calls come fast. */
    private final BucketBlocks blocks;

    /** Forgets what this bucket's last refusal and peek said (capacity may have come back). */
    void forgetRetryInstants() { retry.forget(); }

    /** Stops the current block and the one reserved ahead (a hold, a learned limit, an outage): what they did not use goes back. */
    void stopBlock() { blocks.stopAll(); }

    /** Stops the blocks that are a block time old at {@code now} (all while degraded); true when none is left. */
    boolean sweepBlock(long now) { return blocks.sweep(now); }

    /** Leases admitted locally while degraded, with the local bucket that holds them. */
    private final Map<Long, PoolStateStore.Bucket> localLeases = new ConcurrentHashMap<>();

    RedisBucket(RedisStateStore store, PoolStateStore.BucketId id, Limits limits, DailyReset reset, EngineTime time,
                boolean keepsReservation) {
        this.store = store;
        this.id = id;
        this.reset = reset;
        this.table = limits;
        this.time = time;
        this.ref = store.windows().bucket(id.provider(), id.scope(), id.model(), limits, reset, time).withKeptReservations(keepsReservation);
        this.blocks = new BucketBlocks(this, store);
        this.hold = new SharedHold((field, until, why) -> {
            forgetRetryInstants(); // they predate this hold
            stopBlock();
            store.writeBucketHold(this, field, until, why);
        });
    }

    BucketRef ref() { return ref; }

    DailyReset reset() { return reset; }

    EngineTime time() { return time; }

    synchronized void tighten(Limits l) {
        if (l.equals(table)) return;
        table = table.min(l);
        applyLearned();
        stopBlock(); // sized under the old limits
    }

    private synchronized void applyLearned() {
        Limits l = table;
        for (PoolStateStore.LearnedLimit x : learned.values()) l = l.with(x.metric(), x.value());
        ref = ref.withLimits(l);
    }

    @Override public PoolStateStore.BucketId id() { return id; }

    @Override public Limits limits() { return ref.limits(); }

    @Override public PoolStateStore.Hold hold() { return hold; }

    SharedHold sharedHold() { return hold; }

    // ------------------------------------------------------------------ windows

    @Override
    public long tryReserve(long now, long tokens, long leaseId, long expiresAt) {
        return tryReserve(now, tokens, leaseId, expiresAt, Long.MAX_VALUE);
    }

    /**
     * With a {@code deadline} closer than the command timeout, waits for Redis only until then:
     * past it the caller gets {@link PoolStateStore.Unanswered} at once, and a reservation Redis
     * makes after all is given back when it answers (a timeout counts as Redis trouble as usual).
     */
    @Override
    public long tryReserve(long now, long tokens, long leaseId, long expiresAt, long deadline) {
        store.admitting();
        if (!store.degraded()) {
            int want = blocks.demand(now);
            long fromBlock = blocks.take(now, tokens, leaseId, want, hold.blockedUntil());
            if (fromBlock != BucketBlocks.NO_ROOM) return fromBlock;
            try {
                String id = store.reservationId(this, leaseId);
                int share = 2 * store.liveInstances();
                long returnsBefore = blocks.returns();
                SharedWindows.Reservation r = reserve(now, id, tokens, deadline, want, share);
                // Before a refusal is final, this instance gives back what it holds unused (deferred
                // settlements, a block reserved ahead that Redis granted before this call, a block
                // another thread stopped meanwhile) and asks once more: its own unused room must
                // not refuse a call the windows have room for.
                if (!r.admitted() && blocks.giveBackUnused(now, deadline, returnsBefore)) r = reserve(now, id, tokens, deadline, want, share);
                seen(r.used(), now);
                if (r.coolingUntil() > now) hold.cached(true, r.coolingUntil(), reasonOr(hold.coolingReason()));
                if (r.parkedUntil() > now) hold.cached(false, r.parkedUntil(), reasonOr(hold.parkedReason()));
                if (!r.admitted()) {
                    retry.refused(now, r.bareRetryAt());
                    retry.looked(now, tokens, r.retryAt()); // the refusal said when this request fits: a look, reused like a peek's
                    return PoolStateStore.REFUSED;
                }
                blocks.reserved(id, r, now, tokens, leaseId);
                store.admitted(this, r.admittedAt(), tokens);
                return r.admittedAt();
            } catch (PoolStateStore.Unanswered u) {
                throw u; // the caller's deadline, not Redis trouble: the instance stays shared
            } catch (RuntimeException e) {
                // the reservation may still happen once Redis gets to it: take it back when it answers
                store.uncertain(this, store.reservationId(this, leaseId));
                store.trouble(e);
            }
        }
        PoolStateStore.Bucket local = store.degradedBucket(this);
        // the local bucket has no holds of its own: a cooldown or park known here (set while shared,
        // or by another instance before the outage) still applies
        long from = Math.max(store.localAdmissionFrom(), hold.blockedUntil());
        if (now < from) { // held, or the other instances have not set this one's share aside yet
            retry.refused(now, from);
            return PoolStateStore.REFUSED;
        }
        long at = local.tryReserve(now, tokens, leaseId, expiresAt);
        if (at != PoolStateStore.REFUSED) {
            localLeases.put(leaseId, local);
            store.delta(this, at, 1, tokens);
            store.admitted(this, at, tokens);
        }
        return at;
    }

    private SharedWindows.Reservation reserve(long now, String id, long tokens, long deadline, int want, int share) {
        return deadline != Long.MAX_VALUE && deadline - now < store.commandTimeoutMillis()
                ? reserveBefore(now, id, tokens, deadline, want, share)
                : store.windows().reserveBlock(now, id, ref, null, tokens, null, want, share);
    }

    private static String reasonOr(String r) { return r != null ? r : "held by another instance"; }

    /** The reservation, waiting for Redis at most until {@code deadline} (engine time, as {@code now}). */
    private SharedWindows.Reservation reserveBefore(long now, String id, long tokens, long deadline, int want, int share) {
        CompletableFuture<SharedWindows.Reservation> f =
                store.windows().reserveBlockAsync(now, id, ref, null, tokens, null, want, share);
        long left = Math.max(0, deadline - now);
        try {
            return f.get(left, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException re ? re : new io.lettuce.core.RedisException(e.getCause());
        } catch (TimeoutException late) {
            abandon(f, id);
            throw new PoolStateStore.Unanswered("Redis did not answer the reservation within the " + left + " ms left before the call's deadline");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            abandon(f, id);
            throw new PoolStateStore.Unanswered("interrupted while waiting for Redis");
        }
    }

    /** Nobody waits for {@code f} any more: a reservation it makes is given back; its failure is Redis trouble as usual. */
    private void abandon(CompletableFuture<SharedWindows.Reservation> f, String id) {
        f.whenComplete((r, e) -> {
            if (e != null) store.trouble(e);
            else if (r.admitted()) store.giveBack(this, id);
        });
    }

    @Override
    public long settle(long now, long leaseId, long admittedAt, long reservedTokens, boolean counted, long actualTokens) {
        store.settled(this, now, admittedAt, reservedTokens, counted, actualTokens);
        retry.forgetLook();
        if (!counted || actualTokens < reservedTokens) hint = 0;
        PoolStateStore.Bucket local = localLeases.remove(leaseId);
        if (local != null) {
            long t = local.settle(now, leaseId, admittedAt, reservedTokens, counted, actualTokens);
            store.delta(this, admittedAt, -1, -reservedTokens);
            store.delta(this, t, counted ? 1 : 0, actualTokens);
            return t;
        }
        blocks.settle(leaseId, now, admittedAt, reservedTokens, counted, actualTokens);
        return now;
    }

    @Override
    public void expire(long now, long leaseId, long admittedAt, long reservedTokens) {
        store.settled(this, now, admittedAt, reservedTokens, true, 0);
        retry.forgetLook();
        hint = 0;
        PoolStateStore.Bucket local = localLeases.remove(leaseId);
        if (local != null) {
            local.expire(now, leaseId, admittedAt, reservedTokens);
            store.delta(this, admittedAt, 0, -reservedTokens);
            return;
        }
        // an expired call stays counted, with no tokens: settled as such into its block
        blocks.settle(leaseId, now, admittedAt, reservedTokens, true, 0);
    }

    @Override
    public void record(long now, long at, long requests, long tokens) {
        store.record(this, now, at, requests, tokens);
        if (requests < 0 || tokens < 0) hint = 0;
    }

    @Override
    public void correct(long now, Limits.Metric metric, long delta) {
        store.correct(this, now, metric, delta);
    }

    /** Sent without waiting (a success settles on the thread that completed the call). */
    @Override
    public void catchUp(long now, Limits.Metric metric, long providerUsed) {
        store.catchUp(this, now, metric, providerUsed);
    }

    @Override
    public long admissibleAt(long now, long tokens) {
        blocks.beforeReading(now);
        long known = retry.known(now, tokens, !store.degraded());
        if (known != RetryInstants.UNKNOWN) return known;
        if (!store.degraded()) {
            try {
                SharedWindows.Peek p = store.windows().peek(now, ref, tokens);
                seen(p.used(), now);
                return retry.looked(now, tokens, p.admissibleAt());
            } catch (RuntimeException e) {
                store.trouble(e);
            }
        }
        PoolStateStore.Bucket local = store.degradedBucket(this);
        long at = local.admissibleAt(now, tokens);
        return at == Long.MAX_VALUE ? at : Math.max(at, Math.max(store.localAdmissionFrom(), hold.blockedUntil()));
    }

    @Override
    public long used(long now, Limits.Metric metric) {
        blocks.beforeReading(now); // a block past its time gives back what it holds before anyone reads the windows
        if (!store.degraded() && now - seenAt > 1000) {
            try {
                seen(store.windows().peek(now, ref, 0).used(), now);
            } catch (RuntimeException e) {
                store.trouble(e);
            }
        }
        return used[metric.ordinal()];
    }

    /** From the last usage Redis reported: a window not heard of for longer than its span counts as empty. */
    @Override
    public double headroom(long now, long tokens) {
        long[] u = used;
        long age = now - seenAt;
        Limits l = ref.limits();
        double h = 1.0;
        for (Limits.Span sp : Limits.Span.values()) {
            boolean stale = age > sp.millis();
            long ur = stale ? 0 : u[Limits.Metric.of(sp, false).ordinal()];
            long ut = stale ? 0 : u[Limits.Metric.of(sp, true).ordinal()];
            long lr = l.requests(sp), lt = l.tokens(sp);
            if (lr > 0) h = Math.min(h, (lr - ur - 1) / (double) lr);
            if (lt > 0) h = Math.min(h, (lt - ut - tokens) / (double) lt);
            if (lr == 0 || lt == 0) h = -1;
        }
        return h;
    }

    void seen(long[] u, long now) {
        if (u == null) return;
        used = u;
        seenAt = now;
    }

    long[] lastUsed() { return used; }

    long seenAt() { return seenAt; }

    @Override public long blockedHint() { return hint; }

    @Override public void hintBlockedUntil(long until) { hint = until == 0 ? 0 : Math.max(hint, until); }

    void clearHint() { hint = 0; }

    // ------------------------------------------------------------------ learned limits

    @Override
    public void learn(PoolStateStore.LearnedLimit l) {
        if (adopt(l)) store.writeLearned(this, l);
    }

    /**
     * Adopts a learned limit (from here or another instance); true when it changed something. The
     * local "nothing fits before …" hint and the cached refusal were computed under the old limit:
     * they go (a raised limit frees capacity at once; a lower one is enforced by the script anyway).
     */
    synchronized boolean adopt(PoolStateStore.LearnedLimit l) {
        PoolStateStore.LearnedLimit old = learned.get(l.metric());
        if (old != null && old.value() == l.value()) return false;
        learned.put(l.metric(), l);
        applyLearned();
        hint = 0;
        forgetRetryInstants();
        stopBlock(); // sized under the old limit
        return true;
    }

    @Override public synchronized Map<Limits.Metric, PoolStateStore.LearnedLimit> learned() { return Map.copyOf(learned); }
}
