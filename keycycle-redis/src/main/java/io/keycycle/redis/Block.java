package io.keycycle.redis;

import io.keycycle.core.Limits;
import io.keycycle.core.pool.PoolStateStore;

import java.util.List;

/**
 * Capacity reserved in Redis in one reservation and admitted here call by call. Guarded by its
 * own monitor. {@code held}/{@code heldTokens}: what the reservation holds in Redis now;
 * {@code taken}/{@code takenTokens}: admitted from that (open, or settled since the last
 * settlement sent); {@code counted}/{@code actual}: what those settled calls used, counted at
 * {@code tallyAt}, the latest of their settlement instants — all within one sub-bucket, so
 * counting them there changes no window against counting each at its own instant (a settlement
 * in another sub-bucket first sends what is tallied).
 */
final class Block {

    /** Width of the finest sub-bucket (a minute window's): settlements counted at any instant of one of these count alike. */
    private static final long SLOT_MILLIS = Limits.Span.MINUTE.millis() / PoolStateStore.SLOTS;

    final String id;
    final long at;
    final long born;
    final boolean single;
    final long lifetime;
    int held;
    long heldTokens;
    int taken;
    long takenTokens;
    int open;
    long openTokens;
    long counted;
    long actual;
    long tallyAt = -1;
    boolean admitting;
    boolean done;
    boolean askedNext;

    /** A block reserved for a call ({@code firstTokens}: that call is its first), or ahead of calls ({@code firstTokens} -1). */
    Block(String id, long at, long born, long lifetime, int held, long heldTokens, long firstTokens) {
        this.id = id;
        this.at = at;
        this.born = born;
        this.lifetime = lifetime;
        this.single = held == 1;
        this.held = held;
        this.heldTokens = heldTokens;
        if (firstTokens >= 0) {
            this.taken = 1;
            this.takenTokens = firstTokens;
            this.open = 1;
            this.openTokens = firstTokens;
        }
        this.admitting = held > taken;
    }

    /** True once, when half of a block of four or more is taken: time to reserve the next one ahead. */
    synchronized boolean wantsNext() {
        if (askedNext || held < 4 || 2 * taken < held) return false;
        askedNext = true;
        return true;
    }

    /** Takes one call of {@code tokens} when the block still admits and has room. */
    synchronized boolean take(long now, long tokens) {
        if (!admitting) return false;
        if (now - born >= lifetime || taken >= held || takenTokens + tokens > heldTokens) return false;
        taken++;
        takenTokens += tokens;
        open++;
        openTokens += tokens;
        if (taken == held) admitting = false; // used up: settled whole when its last call settles
        return true;
    }

    /**
     * One call of the block settled at {@code now} (an expiry is a counted call of no tokens):
     * the settlements Redis must get now (none, one, or two when the call settled in another
     * sub-bucket than those tallied).
     */
    synchronized List<Flush> settled(long now, boolean wasCounted, long actualTokens, long reservedTokens) {
        Flush before = null;
        if (tallyAt >= 0 && Math.floorDiv(now, SLOT_MILLIS) != Math.floorDiv(tallyAt, SLOT_MILLIS)) before = flush(true);
        open--;
        openTokens -= reservedTokens;
        if (wasCounted) counted++;
        actual += actualTokens;
        tallyAt = Math.max(tallyAt, now);
        Flush last = !admitting && open == 0 && !done ? flush(false) : null;
        if (before == null) return last == null ? List.of() : List.of(last);
        return last == null ? List.of(before) : List.of(before, last);
    }

    /**
     * A block that no longer admits, with calls still open: what its settled calls used and
     * the room they did not use, sent now (the calls still open stay reserved), or null when
     * Redis holds nothing more than the open calls.
     */
    synchronized Flush tally() {
        if (admitting || done) return null;
        if (counted == 0 && actual == 0 && held == open && heldTokens == openTokens) return null;
        return flush(false);
    }

    synchronized boolean finished() { return done; }

    synchronized boolean exhausted() { return !admitting; }

    /** Stops admitting: what it did not use goes back (with what it settled), or null when nothing is to send. */
    synchronized Flush stop() {
        if (!admitting) return null;
        admitting = false;
        return flush(false);
    }

    /**
     * Sends what the settled calls used and keeps what is open; {@code keepUnused}: the room not
     * taken yet stays too (the block goes on admitting), else it goes back.
     */
    private Flush flush(boolean keepUnused) {
        int settledCalls = taken - open;
        long settledTokens = takenTokens - openTokens;
        int keep = keepUnused ? held - settledCalls : open;
        long keepTokens = keepUnused ? heldTokens - settledTokens : openTokens;
        Flush f = new Flush(this, counted, actual, keep, keepTokens, tallyAt, counted + keep < held, heldTokens);
        held = keep;
        heldTokens = keepTokens;
        taken = open;
        takenTokens = openTokens;
        counted = 0;
        actual = 0;
        tallyAt = -1;
        if (keep == 0) done = true;
        return f;
    }

    /** A settlement of (part of) a block: counted requests and actual tokens (at {@code countedAt}), what stays reserved, whether capacity comes back. */
    record Flush(Block block, long counted, long actual, long keep, long keepTokens, long countedAt, boolean returns, long heldTokens) {
        String id() { return block.id; }

        long at() { return block.at; }

        /** A reservation of one request settled whole: settled the plain way (its tokens are known, no read). */
        boolean single() { return block.single && keep == 0; }
    }
}
