package io.keycycle.redis;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The blocks of one {@link RedisBucket} (what a block is: the bucket's javadoc): the one admitting
 * now, the next one reserved ahead, the ones stopped with calls still open, which block each open
 * call came from, and the demand that sizes the next request for one.
 *
 * <p>A block's settlements are computed and handed to the link under the block's monitor: Redis
 * gets them in the order they were computed (the link keeps the order it was given), so a partial
 * settlement never arrives after the final one it precedes (which would drop it).
 */
final class BucketBlocks {

    /** {@link #take} found no block with room. */
    static final long NO_ROOM = Long.MIN_VALUE;

    private final RedisBucket bucket;
    private final RedisStateStore store;
    /** How long a block admits calls (engine milliseconds); then what it did not use goes back. */
    private final long blockMillis;
    /** Most requests a block holds; 1 turns blocks off (every call its own reservation). */
    private final int maxBlock;

    /** The block admitting now, or null. */
    private final AtomicReference<Block> block = new AtomicReference<>();
    /**
     * The next block, reserved ahead (without waiting) when half of the current one is taken, so
     * that a bucket under steady load rarely makes a caller wait for Redis; or null.
     */
    private final AtomicReference<Block> next = new AtomicReference<>();
    /** Blocks that no longer admit and still have calls open (their settlements are tallied here until the last one). */
    private final Set<Block> settling = ConcurrentHashMap.newKeySet();
    /** Calls admitted from blocks (single reservations included) and not yet settled, by lease id. */
    private final Map<Long, Block> inBlock = new ConcurrentHashMap<>();
    /** Stops that gave room back to Redis so far (handed to the link; the link keeps their order). */
    private final AtomicLong givenBack = new AtomicLong();
    /** The reservation ahead while Redis has not answered it (then done). */
    private volatile CompletableFuture<?> aheadCall = CompletableFuture.completedFuture(null);

    /** Calls asked of this bucket in the current and the previous tick of {@link #blockMillis} (demand). */
    private final Object demandLock = new Object();
    private long demandTick = Long.MIN_VALUE;
    private int askedNow;
    private int askedBefore;

    BucketBlocks(RedisBucket bucket, RedisStateStore store) {
        this.bucket = bucket;
        this.store = store;
        this.blockMillis = store.blockMillis();
        this.maxBlock = store.blockSize();
    }

    /** Counts one call asked here; answers the block size to ask for: the calls asked over the last tick or so. */
    int demand(long now) {
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

    /**
     * Admits a call from the current block or, when that has no room, from the one reserved ahead
     * (which then becomes current); a block without room for it stops. Before {@code heldUntil}
     * (a cooldown or park known here) nothing is taken and both blocks stop. Answers the admission
     * instant, or {@link #NO_ROOM}: then the call needs a reservation of its own.
     */
    long take(long now, long tokens, long leaseId, int want, long heldUntil) {
        Block current = block.get();
        if (current != null) {
            if (now >= heldUntil && current.take(now, tokens)) return admitFrom(current, now, tokens, leaseId, want);
            if (block.compareAndSet(current, null)) stop(current);
        }
        Block ahead = next.getAndSet(null);
        if (ahead != null) {
            if (now >= heldUntil && ahead.take(now, tokens)) {
                Block before = block.getAndSet(ahead);
                if (before != null) stop(before);
                return admitFrom(ahead, now, tokens, leaseId, want);
            }
            stop(ahead);
        }
        return NO_ROOM;
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
        store.admitted(bucket, at, tokens);
        return at;
    }

    /**
     * A call Redis admitted with a reservation of its own, {@code id}, which granted room for
     * {@code r.granted()} such calls: the rest admits the next calls as the current block.
     */
    void reserved(String id, SharedWindows.Reservation r, long now, long tokens, long leaseId) {
        Block b = new Block(id, r.admittedAt(), now, blockMillis, r.granted(), tokens * r.granted(), tokens);
        inBlock.put(leaseId, b);
        if (b.admitting) {
            Block before = block.getAndSet(b);
            if (before != null) stop(before);
            store.blockOpened(bucket);
        }
    }

    /** Reserves the next block without waiting; it waits in {@link #next} for the current one to end. */
    private void reserveAhead(long now, long tokens, int want) {
        String id = store.windows().blockId();
        int share = 2 * store.liveInstances();
        aheadCall = store.windows().reserveBlockAsync(now, id, bucket.ref(), null, tokens, null, want, share).whenComplete((r, e) -> {
            if (e != null) {
                store.uncertain(bucket, id); // it may have been made: given back when Redis answers
                store.trouble(e);
                return;
            }
            if (!r.admitted()) return;
            Block b = new Block(id, r.admittedAt(), now, blockMillis, r.granted(), tokens * r.granted(), -1);
            if (store.degraded() || !next.compareAndSet(null, b)) {
                stop(b); // not needed after all: given back whole
                return;
            }
            store.blockOpened(bucket);
        });
    }

    /** Stops that gave room back so far: compare before and after a reservation with {@link #giveBackUnused}. */
    long returns() { return givenBack.get(); }

    /**
     * Before a refusal is final: sends what the stopped blocks have tallied (deferred settlements)
     * and gives back a block reserved ahead that Redis granted before the refused call. True when
     * something went back since {@code returnsBefore} (from {@link #returns()}; a block another
     * thread stopped meanwhile counts): then the refused call is worth asking once more.
     */
    boolean giveBackUnused(long now, long deadline, long returnsBefore) {
        boolean sent = sendTallies(now);
        sent |= giveBackAhead(deadline);
        return sent || givenBack.get() != returnsBefore;
    }

    /**
     * Sends what the blocks that stopped admitting have tallied (settled calls, room they no longer
     * use), so that Redis counts exactly what is open; true when something was sent.
     */
    private boolean sendTallies(long now) {
        boolean sent = false;
        for (Block b : settling) {
            synchronized (b) {
                Block.Flush f = b.tally();
                if (f != null) {
                    store.settleBlock(bucket, f, now);
                    sent = true;
                }
            }
            if (b.finished()) settling.remove(b);
        }
        return sent;
    }

    /**
     * Waits for a reservation ahead still on the wire, which Redis may have granted before the
     * refused call, and gives back the block it brought; true when a block was given back. A
     * caller with a deadline does not wait: only a reservation ahead already answered is given back.
     */
    private boolean giveBackAhead(long deadline) {
        if (deadline == Long.MAX_VALUE) awaitAhead();
        Block n = next.getAndSet(null);
        if (n == null) return false;
        stop(n);
        return true;
    }

    /**
     * Before a read of the windows: waits for a reservation ahead still on the wire, then gives back
     * the blocks past their time, so that what is read does not count room this instance holds unused.
     */
    void beforeReading(long now) {
        awaitAhead();
        sweep(now);
    }

    /** Waits for a reservation ahead still on the wire (at most a round trip; Redis trouble ends it at the command timeout). */
    private void awaitAhead() {
        CompletableFuture<?> f = aheadCall;
        if (f.isDone()) return;
        try {
            f.join();
        } catch (RuntimeException e) {
            // Redis trouble: reported where the call failed
        }
    }

    /** Stops the blocks that are {@link #blockMillis} old at {@code now} (all of them while degraded); true when none is left. */
    boolean sweep(long now) {
        Block n = next.get();
        if (n != null && (now - n.born >= blockMillis || store.degraded()) && next.compareAndSet(n, null)) stop(n);
        Block b = block.get();
        if (b != null && (now - b.born >= blockMillis || store.degraded()) && block.compareAndSet(b, null)) stop(b);
        return block.get() == null && next.get() == null;
    }

    /** Stops the current block and the one ahead (a hold, a learned limit, an outage): what they did not use goes back. */
    void stopAll() {
        Block n = next.getAndSet(null);
        if (n != null) stop(n);
        Block b = block.get();
        if (b == null) return;
        block.compareAndSet(b, null);
        stop(b);
    }

    private void stop(Block b) {
        synchronized (b) {
            Block.Flush f = b.stop();
            if (f != null) {
                store.settleBlock(bucket, f, store.windows().localNow());
                if (f.returns()) givenBack.incrementAndGet();
            }
        }
        if (!b.finished()) settling.add(b);
    }

    /** A call admitted from a block (or its own reservation) settled or expired; a second settlement of it changes nothing. */
    void settle(long leaseId, long now, long admittedAt, long reservedTokens, boolean counted, long actualTokens) {
        Block b = inBlock.remove(leaseId);
        if (b == null) return; // settled before (a settle and an expiry racing): nothing changes twice
        if (b.at < store.reseededAt()) {
            // Redis lost its data after this reservation: it was re-seeded with this call as usage
            // at its admission; the block's record is gone, so move the call to where it settled
            b.settled(now, counted, actualTokens, reservedTokens); // nothing to send: its record is gone
            if (b.finished()) settling.remove(b);
            store.correctAfterReseedLater(bucket, admittedAt, reservedTokens, counted, actualTokens, now);
            return;
        }
        synchronized (b) {
            for (Block.Flush f : b.settled(now, counted, actualTokens, reservedTokens)) store.settleBlock(bucket, f, now);
        }
        if (b.finished()) settling.remove(b);
    }
}
