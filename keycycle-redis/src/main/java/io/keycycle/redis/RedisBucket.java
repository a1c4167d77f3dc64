package io.keycycle.redis;

import io.keycycle.core.DailyReset;
import io.keycycle.core.EngineTime;
import io.keycycle.core.Limits;
import io.keycycle.core.pool.PoolStateStore;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One bucket of the shared pool: its windows and reservations live in Redis ({@link SharedWindows}
 * does one script call per operation); this object keeps the limits in force, the hold cache, the
 * last usage Redis reported (for the headroom policy, without a round trip), the block of capacity
 * it admits from while calls come fast ({@link Block}) and, while the instance is degraded, the
 * local bucket that admits against this instance's share.
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
    /**
     * The last refusal: at which instant, and when a request of no tokens fits, as the reservation
     * call answered (the pool asks exactly that right after a refusal at the same instant: this
     * saves a round trip per key). When the refused request itself fits is kept as a look, in
     * {@link #peeked}.
     */
    private record Refusal(long at, long bare) { }

    private static final Refusal NONE = new Refusal(Long.MIN_VALUE, 0);
    private volatile Refusal refused = NONE;

    /**
     * The last answer to "when does a request of {@code tokens} fit" that needed a round trip (a
     * peek, or the refusal of a reservation, which carries the same answer), reused for
     * {@value #PEEK_REUSE_MILLIS} ms: while keys are full, every refused call asks this
     * of every key to compute its retry instant, and a storm of refusals would otherwise send one
     * peek per key per refusal to Redis. Dropped as soon as capacity may have come back: a
     * settlement or release here, a change announced by another instance, a hold, a learned limit.
     * It only feeds retry instants; admission always asks Redis.
     */
    private record Peeked(long at, long tokens, long admissible) { }

    static final long PEEK_REUSE_MILLIS = 100;
    private static final Peeked NOT_PEEKED = new Peeked(Long.MIN_VALUE, -1, 0);
    private volatile Peeked peeked = NOT_PEEKED;

    /** Remembers what a round trip (a peek or a refusal) said of {@code tokens} at {@code now}; returns it, never before {@code now}. */
    private long looked(long now, long tokens, long admissible) {
        long at = admissible == Long.MAX_VALUE ? Long.MAX_VALUE : Math.max(now, admissible);
        peeked = new Peeked(now, tokens, at);
        return at;
    }

    /** Forgets what this bucket's last refusal and peek said (capacity may have come back). */
    void forgetRetryInstants() {
        refused = NONE;
        peeked = NOT_PEEKED;
    }
    // ------------------------------------------------------------------ blocks

    /** How long a block admits calls (engine milliseconds); then what it did not use goes back. */
    private final long blockMillis;
    /** Most requests a block holds; 1 turns blocks off (every call its own reservation). */
    private final int maxBlock;

    /** The block admitting now, or null. */
    private final java.util.concurrent.atomic.AtomicReference<Block> block = new java.util.concurrent.atomic.AtomicReference<>();
    /**
     * The next block, reserved ahead (without waiting) when half of the current one is taken, so
     * that a bucket under steady load rarely makes a caller wait for Redis; or null.
     */
    private final java.util.concurrent.atomic.AtomicReference<Block> next = new java.util.concurrent.atomic.AtomicReference<>();
    /** Blocks that no longer admit and still have calls open (their settlements are tallied here until the last one). */
    private final java.util.Set<Block> settling = ConcurrentHashMap.newKeySet();
    /** Calls admitted from blocks (single reservations included) and not yet settled, by lease id. */
    private final Map<Long, Block> inBlock = new ConcurrentHashMap<>();
    /** Calls asked of this bucket in the current and the previous tick of {@link #blockMillis} (demand). */
    private final Object demandLock = new Object();
    private long demandTick = Long.MIN_VALUE;
    private int askedNow;
    private int askedBefore;

    /** Counts one call asked here; answers the block size to ask for: the calls asked over the last tick or so. */
    private int demand(long now) {
        if (maxBlock <= 1) return 1;
        synchronized (demandLock) {
            long t = Math.floorDiv(now, blockMillis);
            if (t != demandTick) {
                askedBefore = t == demandTick + 1 ? askedNow : 0;
                askedNow = 0;
                demandTick = t;
            }
            askedNow++;
            return Math.max(1, Math.min(maxBlock, Math.max(askedBefore, askedNow) - 1));
        }
    }

    /** Stops the current block (a hold, a learned limit, the sweep, an outage): what it did not use goes back. */
    void stopBlock() {
        Block n = next.getAndSet(null);
        if (n != null) stop(n);
        Block b = block.get();
        if (b == null) return;
        block.compareAndSet(b, null);
        stop(b);
    }

    /** The reservation ahead while Redis has not answered it (then done). */
    private volatile java.util.concurrent.CompletableFuture<?> aheadCall = java.util.concurrent.CompletableFuture.completedFuture(null);

    /**
     * Before a read of the windows: waits for a reservation ahead still on the wire (its answer is at
     * most a round trip away; Redis trouble ends it at the command timeout), then gives back the
     * blocks past their time, so that what is read does not count room this instance holds unused.
     */
    private void settleBlocksBeforeReading(long now) {
        awaitAhead();
        sweepBlock(now);
    }

    /** Waits for a reservation ahead still on the wire (at most a round trip; Redis trouble ends it at the command timeout). */
    private void awaitAhead() {
        java.util.concurrent.CompletableFuture<?> f = aheadCall;
        if (f.isDone()) return;
        try {
            f.join();
        } catch (RuntimeException e) {
            // Redis trouble: reported where the call failed
        }
    }

    /** Reserves the next block without waiting; it waits in {@link #next} for the current one to end. */
    private void reserveAhead(long now, long tokens, int want) {
        String id = store.windows().blockId();
        int share = 2 * store.liveInstances();
        aheadCall = store.windows().reserveBlockAsync(now, id, ref, null, tokens, null, want, share).whenComplete((r, e) -> {
            if (e != null) {
                store.uncertain(this, id); // it may have been made: given back when Redis answers
                store.trouble(e);
                return;
            }
            if (!r.admitted()) return;
            Block b = new Block(id, r.admittedAt(), now, blockMillis, r.granted(), tokens * r.granted(), -1);
            if (store.degraded() || !next.compareAndSet(null, b)) {
                stop(b); // not needed after all: given back whole
                return;
            }
            store.blockOpened(this);
        });
    }

    /*
     * A block's settlements are computed and handed to the link under the block's monitor: Redis
     * gets them in the order they were computed (the link keeps the order it was given), so a
     * partial settlement never arrives after the final one it precedes (which would drop it).
     */

    private void stop(Block b) {
        synchronized (b) {
            Block.Flush f = b.stop();
            if (f != null) {
                store.settleBlock(this, f, store.windows().localNow());
                if (f.returns()) givenBack.incrementAndGet();
            }
        }
        if (!b.finished()) settling.add(b);
    }

    /** Stops that gave room back to Redis so far (handed to the link; the link keeps their order). */
    private final java.util.concurrent.atomic.AtomicLong givenBack = new java.util.concurrent.atomic.AtomicLong();

    /**
     * After a refusal: waits for a reservation ahead still on the wire, which Redis may have granted
     * before the refused call, and gives back the block it brought; true when a block was given
     * back. A caller with a deadline does not wait: only a reservation ahead already answered is
     * given back.
     */
    private boolean giveBackAhead(long deadline) {
        if (deadline == Long.MAX_VALUE) awaitAhead();
        Block n = next.getAndSet(null);
        if (n == null) return false;
        stop(n);
        return true;
    }

    /**
     * Sends what the blocks that stopped admitting have tallied (settled calls, room they no longer
     * use), so that Redis counts exactly what is open; true when something was sent. Asked before
     * a refusal is final: deferred settlements must not refuse a call the windows have room for.
     */
    private boolean sendTallies(long now) {
        boolean sent = false;
        for (Block b : settling) {
            synchronized (b) {
                Block.Flush f = b.tally();
                if (f != null) {
                    store.settleBlock(this, f, now);
                    sent = true;
                }
            }
            if (b.finished()) settling.remove(b);
        }
        return sent;
    }

    /** Stops the current block when it is {@link #blockMillis} old at {@code now}; true when none is left. */
    boolean sweepBlock(long now) {
        Block n = next.get();
        if (n != null && (now - n.born >= blockMillis || store.degraded()) && next.compareAndSet(n, null)) stop(n);
        Block b = block.get();
        if (b != null && (now - b.born >= blockMillis || store.degraded()) && block.compareAndSet(b, null)) stop(b);
        return block.get() == null && next.get() == null;
    }

    /** Leases admitted locally while degraded, with the local bucket that holds them. */
    private final Map<Long, PoolStateStore.Bucket> localLeases = new ConcurrentHashMap<>();

    RedisBucket(RedisStateStore store, PoolStateStore.BucketId id, Limits limits, DailyReset reset, EngineTime time) {
        this.store = store;
        this.id = id;
        this.blockMillis = store.blockMillis();
        this.maxBlock = store.blockSize();
        this.reset = reset;
        this.table = limits;
        this.time = time;
        this.ref = store.windows().bucket(id.provider(), id.scope(), id.model(), limits, reset, time);
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
            int want = demand(now);
            Block current = block.get();
            if (current != null) {
                if (now >= hold.blockedUntil() && current.take(now, tokens)) return admitFrom(current, now, tokens, leaseId, want);
                if (block.compareAndSet(current, null)) stop(current);
            }
            Block ahead = next.getAndSet(null);
            if (ahead != null) {
                if (now >= hold.blockedUntil() && ahead.take(now, tokens)) {
                    Block before = block.getAndSet(ahead);
                    if (before != null) stop(before);
                    return admitFrom(ahead, now, tokens, leaseId, want);
                }
                stop(ahead);
            }
            try {
                String id = store.windows().reservationId(leaseId);
                int share = 2 * store.liveInstances();
                long returnsBefore = givenBack.get();
                SharedWindows.Reservation r = reserve(now, id, tokens, deadline, want, share);
                if (!r.admitted()) {
                    // Before a refusal is final, this instance gives back what it holds unused (deferred
                    // settlements, a block reserved ahead that Redis granted before this call, a block
                    // another thread stopped meanwhile) and asks once more: its own unused room must
                    // not refuse a call the windows have room for.
                    boolean sent = sendTallies(now);
                    sent |= giveBackAhead(deadline);
                    if (sent || givenBack.get() != returnsBefore) r = reserve(now, id, tokens, deadline, want, share);
                }
                seen(r.used(), now);
                if (r.coolingUntil() > now) hold.cached(true, r.coolingUntil(), reasonOr(hold.coolingReason()));
                if (r.parkedUntil() > now) hold.cached(false, r.parkedUntil(), reasonOr(hold.parkedReason()));
                if (!r.admitted()) {
                    refused = new Refusal(now, r.bareRetryAt());
                    looked(now, tokens, r.retryAt()); // the refusal said when this request fits: a look, reused like a peek's
                    return PoolStateStore.REFUSED;
                }
                Block b = new Block(id, r.admittedAt(), now, blockMillis, r.granted(), tokens * r.granted(), tokens);
                inBlock.put(leaseId, b);
                if (b.admitting) {
                    Block before = block.getAndSet(b);
                    if (before != null) stop(before);
                    store.blockOpened(this);
                }
                store.admitted(this, r.admittedAt(), tokens);
                return r.admittedAt();
            } catch (PoolStateStore.Unanswered u) {
                throw u; // the caller's deadline, not Redis trouble: the instance stays shared
            } catch (RuntimeException e) {
                // the reservation may still happen once Redis gets to it: take it back when it answers
                store.uncertain(this, store.windows().reservationId(leaseId));
                store.trouble(e);
            }
        }
        PoolStateStore.Bucket local = store.degradedBucket(this);
        // the local bucket has no holds of its own: a cooldown or park known here (set while shared,
        // or by another instance before the outage) still applies
        long from = Math.max(store.localAdmissionFrom(), hold.blockedUntil());
        if (now < from) { // held, or the other instances have not set this one's share aside yet
            refused = new Refusal(now, from);
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

    /** A call taken from block {@code b}: counted here; the next block is reserved ahead when half of this one is taken. */
    private long admitFrom(Block b, long now, long tokens, long leaseId, int want) {
        if (b.exhausted()) {
            block.compareAndSet(b, null);
            settling.add(b);
        }
        inBlock.put(leaseId, b);
        if (b.wantsNext() && !store.degraded()) reserveAhead(now, tokens, want);
        long at = Math.max(now, b.at);
        store.admitted(this, at, tokens);
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
        java.util.concurrent.CompletableFuture<SharedWindows.Reservation> f =
                store.windows().reserveBlockAsync(now, id, ref, null, tokens, null, want, share);
        long left = Math.max(0, deadline - now);
        try {
            return f.get(left, java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof RuntimeException re ? re : new io.lettuce.core.RedisException(e.getCause());
        } catch (java.util.concurrent.TimeoutException late) {
            abandon(f, id);
            throw new PoolStateStore.Unanswered("Redis did not answer the reservation within the " + left + " ms left before the call's deadline");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            abandon(f, id);
            throw new PoolStateStore.Unanswered("interrupted while waiting for Redis");
        }
    }

    /** Nobody waits for {@code f} any more: a reservation it makes is given back; its failure is Redis trouble as usual. */
    private void abandon(java.util.concurrent.CompletableFuture<SharedWindows.Reservation> f, String id) {
        f.whenComplete((r, e) -> {
            if (e != null) store.trouble(e);
            else if (r.admitted()) store.giveBack(this, id);
        });
    }

    @Override
    public long settle(long now, long leaseId, long admittedAt, long reservedTokens, boolean counted, long actualTokens) {
        store.settled(this, now, admittedAt, reservedTokens, counted, actualTokens);
        peeked = NOT_PEEKED;
        if (!counted || actualTokens < reservedTokens) hint = 0;
        PoolStateStore.Bucket local = localLeases.remove(leaseId);
        if (local != null) {
            long t = local.settle(now, leaseId, admittedAt, reservedTokens, counted, actualTokens);
            store.delta(this, admittedAt, -1, -reservedTokens);
            store.delta(this, t, counted ? 1 : 0, actualTokens);
            return t;
        }
        settleInBlock(leaseId, now, admittedAt, reservedTokens, counted, actualTokens);
        return now;
    }

    /** A call admitted from a block (or its own reservation) settled or expired. */
    private void settleInBlock(long leaseId, long now, long admittedAt, long reservedTokens, boolean counted, long actualTokens) {
        Block b = inBlock.remove(leaseId);
        if (b == null) return; // settled before (a settle and an expiry racing): nothing changes twice
        if (b.at < store.reseededAt()) {
            // Redis lost its data after this reservation: it was re-seeded with this call as usage
            // at its admission; the block's record is gone, so move the call to where it settled
            b.settled(now, counted, actualTokens, reservedTokens); // nothing to send: its record is gone
            if (b.finished()) settling.remove(b);
            store.correctAfterReseedLater(this, admittedAt, reservedTokens, counted, actualTokens, now);
            return;
        }
        synchronized (b) {
            for (Block.Flush f : b.settled(now, counted, actualTokens, reservedTokens)) store.settleBlock(this, f, now);
        }
        if (b.finished()) settling.remove(b);
    }

    @Override
    public void expire(long now, long leaseId, long admittedAt, long reservedTokens) {
        store.settled(this, now, admittedAt, reservedTokens, true, 0);
        peeked = NOT_PEEKED;
        hint = 0;
        PoolStateStore.Bucket local = localLeases.remove(leaseId);
        if (local != null) {
            local.expire(now, leaseId, admittedAt, reservedTokens);
            store.delta(this, admittedAt, 0, -reservedTokens);
            return;
        }
        // an expired call stays counted, with no tokens: settled as such into its block
        settleInBlock(leaseId, now, admittedAt, reservedTokens, true, 0);
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

    @Override
    public long admissibleAt(long now, long tokens) {
        settleBlocksBeforeReading(now);
        Refusal last = refused;
        if (tokens == 0 && now == last.at()) return last.bare();
        if (!store.degraded()) {
            Peeked before = peeked;
            if (tokens == before.tokens() && now >= before.at() && now - before.at() < PEEK_REUSE_MILLIS) {
                return before.admissible() == Long.MAX_VALUE ? Long.MAX_VALUE : Math.max(now, before.admissible());
            }
            try {
                SharedWindows.Peek p = store.windows().peek(now, ref, tokens);
                seen(p.used(), now);
                return looked(now, tokens, p.admissibleAt());
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
        settleBlocksBeforeReading(now); // a block past its time gives back what it holds before anyone reads the windows
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
