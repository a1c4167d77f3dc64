package io.keycycle.core.pool;

import io.keycycle.core.DailyReset;
import io.keycycle.core.EngineTime;
import io.keycycle.core.Limits;
import io.keycycle.core.Limits.Span;

import java.util.EnumMap;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * The counters of one quota scope (+ model for PER_MODEL providers): requests and tokens in the
 * minute, hour and day windows, plus the bucket's cooldown and day parking.
 *
 * <p>Each window is a ring of {@value #SLOTS} + 1 sub-buckets of width span/{@value #SLOTS} with a
 * running sum, so admission is O(1) and memory constant (one flat {@code int[]}). The ring keeps
 * the sub-bucket that straddles the window's start, so the sum always covers a superset of the
 * exact sliding window: the bucket may refuse slightly early (at most one sub-bucket width), never
 * admit past a limit. Where the provider resets its day at a calendar instant, the day window is a
 * plain counter reset at that instant.
 *
 * <p>A reservation is not in the rings: it is <em>in flight</em>, counted in every window until it
 * is settled, released or expires, however long the call takes. A settled request then enters the
 * rings at the settlement instant. (Placing it in the ring at admission would let a call longer
 * than a window drop out of that window while the provider still has it to count, and its
 * settlement would then push the window past its limit.)
 *
 * <p>The in-process {@link PoolStateStore.Bucket}. Window methods run under the bucket's monitor
 * (they are {@code synchronized}); the hold and the hint are read without it.
 */
final class QuotaBucket implements PoolStateStore.Bucket {

    static final int SLOTS = PoolStateStore.SLOTS;
    private static final int RING = SLOTS + 1;
    private static final int SPANS = 3;

    /** [span][metric(0=req,1=tok)][ring] flattened. */
    private final int[] slots = new int[SPANS * 2 * RING];
    /** Latest sub-bucket index per span. */
    private final long[] head = new long[SPANS];
    /** Running sums per span and metric: [span*2 + metric]. */
    private final long[] sums = new long[SPANS * 2];
    /** Reservations in flight (admitted, not yet settled, released or expired): counted in every window. */
    private long flightRequests;
    private long flightTokens;
    /** Sub-bucket width per span: 2.5 s, 2.5 min, 1 h. */
    private static final long[] WIDTH = {Span.MINUTE.millis() / SLOTS, Span.HOUR.millis() / SLOTS, Span.DAY.millis() / SLOTS};

    static final long REFUSED = PoolStateStore.REFUSED;

    /** The latest instant this bucket has been advanced to. */
    private long latest;
    private final DailyReset dailyReset;
    /**
     * Calendar days follow the wall clock (the provider resets at its midnight): the current day's
     * start and the next reset as wall-clock readings, the engine instant the day started at (counts
     * before it belong to the previous day, whatever the wall clock does afterwards), and the engine
     * instant the next reset is expected at. The wall clock is read only once engine time reaches
     * that instant, so a day never resets early; after a forward step of the wall clock it resets
     * late by at most the step (refusing more, never admitting more).
     */
    private final EngineTime time;
    private long dayStartWall = Long.MIN_VALUE;
    private long dayStart = Long.MIN_VALUE;
    private long nextDayResetWall = Long.MIN_VALUE;
    private long nextDayReset = Long.MIN_VALUE;

    private final PoolStateStore.BucketId id;
    final String scope;
    final String model;
    /** The table's limits (tightened to the minimum over the keys of the scope). */
    private Limits table;
    /** In force: the table's with learned limits applied. */
    private volatile Limits limits;
    /** Limits learned from the provider; null until the first one (most buckets never learn any). */
    private EnumMap<Limits.Metric, PoolStateStore.LearnedLimit> learned;

    /** Rate-limit cooldown and day-park (never shortened). */
    private final LocalHold hold = new LocalHold();
    /** Volatile hint: nothing will be admissible before this instant (state or request windows). */
    private volatile long blockedHint;

    QuotaBucket(PoolStateStore.BucketId id, Limits limits, DailyReset dailyReset, EngineTime time) {
        this.time = time;
        this.id = id;
        this.scope = id.scope();
        this.model = id.model();
        this.table = limits;
        this.limits = limits;
        this.dailyReset = dailyReset;
    }

    @Override public PoolStateStore.BucketId id() { return id; }

    @Override public Limits limits() { return limits; }

    @Override public PoolStateStore.Hold hold() { return hold; }

    @Override public long blockedHint() { return blockedHint; }

    @Override
    public void hintBlockedUntil(long until) {
        if (until == 0) blockedHint = 0;
        else if (until > blockedHint) blockedHint = until;
    }

    /** Tightens the table's limits to the minimum with {@code other}; {@code intern} shares equal values. */
    synchronized void tighten(Limits other, UnaryOperator<Limits> intern) {
        if (table.equals(other)) return;
        Limits t = intern.apply(table.min(other));
        if (t.equals(table)) return;
        table = t;
        limits = applyLearned(t);
    }

    @Override
    public synchronized void learn(PoolStateStore.LearnedLimit l) {
        if (learned == null) learned = new EnumMap<>(Limits.Metric.class);
        learned.put(l.metric(), l);
        limits = applyLearned(table);
        blockedHint = 0;
    }

    @Override
    public synchronized Map<Limits.Metric, PoolStateStore.LearnedLimit> learned() { return learned == null ? Map.of() : Map.copyOf(learned); }

    private Limits applyLearned(Limits t) {
        Limits l = t;
        if (learned == null) return l;
        for (PoolStateStore.LearnedLimit x : learned.values()) l = l.with(x.metric(), x.value());
        return l;
    }

    private boolean calendarDay() { return dailyReset.isCalendar(); }

    private static int idx(int span, int metric, long slot) {
        return (span * 2 + metric) * RING + (int) Math.floorMod(slot, (long) RING);
    }

    /** Rolls every ring forward to {@code now}, dropping sub-buckets that left the window. */
    private void advance(long now) {
        if (now > latest) latest = now;
        for (int s = 0; s < SPANS; s++) {
            if (s == Span.DAY.ordinal() && calendarDay()) {
                if (now >= nextDayReset) {
                    long wall = time.toWall(now);
                    if (wall >= nextDayResetWall) {
                        long start = dailyReset.dayStartMillis(wall);
                        if (start != dayStartWall) {
                            dayStartWall = start;
                            dayStart = Math.min(now, time.fromWall(start));
                            sums[s * 2] = 0;
                            sums[s * 2 + 1] = 0;
                        }
                        nextDayResetWall = dailyReset.nextReset(java.time.Instant.ofEpochMilli(wall)).toEpochMilli();
                    }
                    nextDayReset = Math.max(now + 1, time.fromWall(nextDayResetWall));
                }
                continue;
            }
            long cur = Math.floorDiv(now, WIDTH[s]);
            long h = head[s];
            if (cur <= h) continue;
            long steps = Math.min(cur - h, RING);
            for (long k = 1; k <= steps; k++) {
                long slot = cur - steps + k; // a new slot: its ring cell is reused
                int ri = idx(s, 0, slot), ti = idx(s, 1, slot);
                sums[s * 2] -= slots[ri];
                sums[s * 2 + 1] -= slots[ti];
                slots[ri] = 0;
                slots[ti] = 0;
            }
            head[s] = cur;
        }
    }

    /**
     * Adds (or with negative values removes) requests and tokens at instant {@code at} (≤ now).
     * Counts at an instant that already left a window are ignored for that window.
     */
    private void add(long now, long at, long requests, long tokens) {
        for (int s = 0; s < SPANS; s++) {
            if (s == Span.DAY.ordinal() && calendarDay()) {
                if (at >= dayStart) {
                    sums[s * 2] = Math.max(0, sums[s * 2] + requests);
                    sums[s * 2 + 1] = Math.max(0, sums[s * 2 + 1] + tokens);
                }
                continue;
            }
            long slot = Math.floorDiv(at, WIDTH[s]);
            if (slot <= head[s] - RING || slot > head[s]) continue;
            int ri = idx(s, 0, slot), ti = idx(s, 1, slot);
            long nr = Math.max(0, Math.min(Integer.MAX_VALUE, (long) slots[ri] + requests));
            long nt = Math.max(0, Math.min(Integer.MAX_VALUE, (long) slots[ti] + tokens));
            sums[s * 2] += nr - slots[ri];
            sums[s * 2 + 1] += nt - slots[ti];
            slots[ri] = (int) nr;
            slots[ti] = (int) nt;
        }
    }

    /** True if one more request with {@code tokens} fits every window (state not considered). */
    private boolean fits(long tokens) {
        Limits limits = this.limits;
        for (Span sp : Span.values()) {
            int s = sp.ordinal();
            long lr = limits.requests(sp), lt = limits.tokens(sp);
            if (lr != Limits.NONE && sums[s * 2] + flightRequests + 1 > lr) return false;
            if (lt != Limits.NONE && sums[s * 2 + 1] + flightTokens + tokens > lt) return false;
        }
        return true;
    }

    /**
     * Tries to reserve one request and {@code tokens} at {@code now}. Returns the instant the
     * reservation was counted at, or {@link #REFUSED}. A thread that read the clock before another
     * thread moved this bucket forward is counted at the bucket's latest instant: the windows were
     * checked as of then, so that is the instant the admission is true for.
     */
    @Override
    public long tryReserve(long now, long tokens, long leaseId, long expiresAt) {
        return tryReserve(now, tokens, leaseId, expiresAt, Long.MAX_VALUE);
    }

    /** As {@link #tryReserve(long, long, long, long)}: this bucket never waits, so {@code deadline} does not matter. */
    @Override
    public synchronized long tryReserve(long now, long tokens, long leaseId, long expiresAt, long deadline) {
        long t = Math.max(now, latest);
        if (t < hold.blockedUntil()) return REFUSED;
        advance(t);
        if (!fits(tokens)) return REFUSED;
        flightRequests++;
        flightTokens += tokens;
        return t;
    }

    /**
     * Settles a reservation made at {@code at}. The provider counted the request somewhere between
     * admission and now (when it arrived, or when it finished), so a counted request is moved to
     * now, the latest instant it can have been counted at: our window then never frees it before
     * the provider's does. The reservation is replaced by {@code actualTokens}; a request the
     * provider did not count is removed.
     */
    @Override
    public synchronized long settle(long now, long leaseId, long at, long reservedTokens, boolean counted, long actualTokens) {
        long t = Math.max(now, latest);
        advance(t);
        land(reservedTokens);
        if (counted || actualTokens > 0) add(t, t, counted ? 1 : 0, actualTokens);
        if (!counted || actualTokens < reservedTokens) blockedHint = 0; // capacity came back
        return t;
    }

    /**
     * Gives back the tokens of a reservation made at {@code at} (an expired lease); the request
     * stays, counted at the expiry instant (it was in flight until then).
     */
    @Override
    public synchronized void expire(long now, long leaseId, long at, long reservedTokens) {
        long t = Math.max(now, latest);
        advance(t);
        land(reservedTokens);
        add(t, t, 1, 0);
        blockedHint = 0;
    }

    /** A reservation leaves the in-flight counts (never below zero). */
    private void land(long reservedTokens) {
        flightRequests = Math.max(0, flightRequests - 1);
        flightTokens = Math.max(0, flightTokens - reservedTokens);
    }

    /** Replays a persisted usage record (hydration) or a correction learned from headers. */
    @Override
    public synchronized void record(long now, long at, long requests, long tokens) {
        advance(Math.max(now, at));
        add(now, at, requests, tokens);
    }

    /**
     * Adds {@code delta} to one metric's window only (a correction learned from the provider's
     * rate-limit headers: its count is ahead of ours).
     */
    @Override
    public synchronized void correct(long now, Limits.Metric m, long delta) {
        advance(now);
        int s = m.span().ordinal(), metric = m.tokens() ? 1 : 0;
        if (s == Span.DAY.ordinal() && calendarDay()) {
            sums[s * 2 + metric] += delta;
            return;
        }
        int i = idx(s, metric, head[s]);
        long v = Math.min(Integer.MAX_VALUE, (long) slots[i] + delta);
        sums[s * 2 + metric] += v - slots[i];
        slots[i] = (int) v;
    }

    /**
     * The earliest instant ≥ now at which one request with {@code tokens} would be admissible, or
     * {@link Long#MAX_VALUE} if never (the estimate exceeds a limit, or a zero limit).
     */
    @Override
    public synchronized long admissibleAt(long now, long tokens) {
        advance(now);
        long at = Math.max(now, hold.blockedUntil());
        Limits limits = this.limits;
        for (Span sp : Span.values()) {
            int s = sp.ordinal();
            long lr = limits.requests(sp), lt = limits.tokens(sp);
            boolean reqOver = lr != Limits.NONE && sums[s * 2] + flightRequests + 1 > lr;
            boolean tokOver = lt != Limits.NONE && sums[s * 2 + 1] + flightTokens + tokens > lt;
            if (!reqOver && !tokOver) continue;
            if ((lr != Limits.NONE && lr < 1) || (lt != Limits.NONE && tokens > lt)) return Long.MAX_VALUE;
            if (s == Span.DAY.ordinal() && calendarDay()) {
                at = Math.max(at, nextDayReset);
                continue;
            }
            long needReq = reqOver ? sums[s * 2] + flightRequests + 1 - lr : 0;
            long needTok = tokOver ? sums[s * 2 + 1] + flightTokens + tokens - lt : 0;
            long freedReq = 0, freedTok = 0;
            long h = head[s];
            long when = Long.MAX_VALUE;
            for (long slot = h - SLOTS; slot <= h; slot++) {
                freedReq += slots[idx(s, 0, slot)];
                freedTok += slots[idx(s, 1, slot)];
                // calls in flight are taken as landing now (the earliest they can; a release wakes
                // waiters sooner): they leave the window with the head sub-bucket
                if (slot == h) {
                    freedReq += flightRequests;
                    freedTok += flightTokens;
                }
                if (freedReq >= needReq && freedTok >= needTok) {
                    // the slot leaves the ring when the head reaches slot + RING
                    when = (slot + RING) * WIDTH[s];
                    break;
                }
            }
            at = Math.max(at, when);
        }
        return at;
    }

    /** Usage of one metric in its window as of the last advance (for snapshots). */
    @Override
    public synchronized long used(long now, Limits.Metric m) {
        advance(now);
        return sums[m.span().ordinal() * 2 + (m.tokens() ? 1 : 0)] + (m.tokens() ? flightTokens : flightRequests);
    }

    /**
     * Smallest remaining fraction over the limited metrics (1.0 = empty, 0 = full) as of
     * {@code now}; used by the headroom policy. The windows are rolled forward first: a bucket that
     * was not picked for a while must not look fuller than it is.
     */
    @Override
    public synchronized double headroom(long now, long tokens) {
        advance(Math.max(now, latest));
        double h = 1.0;
        Limits limits = this.limits;
        for (Span sp : Span.values()) {
            int s = sp.ordinal();
            long lr = limits.requests(sp), lt = limits.tokens(sp);
            if (lr > 0) h = Math.min(h, (lr - sums[s * 2] - flightRequests - 1) / (double) lr);
            if (lt > 0) h = Math.min(h, (lt - sums[s * 2 + 1] - flightTokens - tokens) / (double) lt);
        }
        return h;
    }
}
