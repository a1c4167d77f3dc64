package io.keycycle.core.pool;

import io.keycycle.core.DailyReset;
import io.keycycle.core.EngineTime;
import io.keycycle.core.Limits;

import java.time.Instant;
import java.util.Map;

/**
 * Where a pool keeps the state that several processes holding the same keys must share: the six
 * windows and the open reservations of each bucket (a scope and model, or a scope and "*" for
 * providers whose limits cover every model), the cooldown and day-park of each bucket and of each
 * scope, disabled keys, model availability and limits learned from the provider.
 *
 * <p>{@link #local()} keeps it in this process (sub-bucketed rings, one monitor per bucket); it is
 * the default. A shared implementation (Redis, say) keeps it where every process sees it and must
 * guarantee what the local one does:
 * <ul>
 *   <li>{@link Bucket#tryReserve} checks every window of the bucket and its hold and reserves in one
 *       atomic step — one round trip, which is why every argument it needs is passed: the bucket id,
 *       the limits ({@link Bucket#limits()}), the sub-bucket geometry ({@link #SLOTS} per span, the
 *       provider's {@link DailyReset} given at creation), the estimate, now, the lease id and expiry.
 *       It never admits past a limit; it may refuse up to one sub-bucket early. An open reservation
 *       counts in every window, however long its call takes, until it is settled, released or
 *       expires: a call longer than a window must not leave that window while the provider still
 *       has it to count.</li>
 *   <li>{@link Bucket#settle} replaces the estimate with the actual tokens and counts the request
 *       at the settlement instant (or removes it when the provider did not count it); a settle of a
 *       reservation that already expired or was settled changes nothing; no window goes negative.
 *       {@link Bucket#expire} gives back the tokens of a reservation never settled (the request
 *       stays), at most once.</li>
 *   <li>Holds, key flags and model flags never move backwards by accident: a cooldown or park is
 *       never shortened by {@code cool}/{@code park}; only {@code clear}/{@code enable} do that.</li>
 *   <li>A change made by another process is told to {@link Listener}s (so the pool wakes its
 *       waiters), and is visible to the next admission here.</li>
 * </ul>
 *
 * <p>Handles ({@link Bucket}, {@link Hold}, {@link KeyFlag}, {@link ModelFlag}) are obtained once
 * and kept by the pool; admission only calls methods on them, so a local implementation costs no
 * map lookup per call. All instants are engine time ({@link EngineTime}: milliseconds on the wall
 * clock's scale that never step); a shared store used by several processes must agree on one
 * timeline (its own clock, or engine times that are wall-clock aligned within a stated skew).
 */
public interface PoolStateStore {

    /** {@link Bucket#tryReserve} refused. */
    long REFUSED = Long.MIN_VALUE;

    /** Sub-buckets per window span: a window is a ring of {@code SLOTS + 1} sub-buckets of span/SLOTS each. */
    int SLOTS = 24;

    /** Identity of a bucket: provider, scope, and the model ({@code "*"} for a GLOBAL provider). */
    record BucketId(String provider, String scope, String model) { }

    /** A limit the provider reported, replacing the table's value for one metric of a bucket. */
    record LearnedLimit(Limits.Metric metric, long value, String source, Instant at) { }

    /**
     * The bucket {@code id}, created on first use with {@code limits} and {@code dailyReset}. A later
     * call with other limits tightens the bucket to the minimum of both (keys of one scope may
     * resolve to different table rows). {@code time} converts the engine instants the bucket is
     * given into wall-clock readings, for the calendar day only (a provider's midnight is a wall-clock
     * fact; every window and duration runs on engine time).
     *
     * <p>{@code keepsReservation}: the provider keeps what it reserved when a call arrived
     * (Cerebras: prompt + the completion ceiling), whatever the call used. A reservation nobody
     * settles (its lease expired, its process died) then stays charged with its tokens, not only its
     * request. The pool's own leases settle such a reservation themselves; a store that expires the
     * reservations of a process that is gone (the shared store's sweep) needs to be told.
     */
    Bucket bucket(BucketId id, Limits limits, DailyReset dailyReset, EngineTime time, boolean keepsReservation);

    /** The hold of a whole scope (every model): account-wide daily budgets, an organisation out of credits. */
    Hold scope(String provider, String scope);

    /** The disabled flag of one key. */
    KeyFlag key(String provider, String fingerprint);

    /** The provider-wide availability and overload backoff of one model. */
    ModelFlag model(String provider, String model);

    /**
     * Where the non-blocking call API ({@code KeyPool.callAsync}) runs the pool's steps (admission,
     * and the settlement of a failure with what it changes) when this store's operations wait for
     * the network, so that the caller's thread — an event loop, the pool's timer — never waits for
     * a round trip; null (the default, and the local store) when they only compute, and run on the
     * caller's thread. The executor belongs to the store, which shuts it down when it closes.
     *
     * <p>A store that names one must still never wait in what settling a success does —
     * {@link Bucket#settle}, {@link Bucket#expire}, {@link ModelFlag#succeeded()},
     * {@link Bucket#learn}, {@link Bucket#catchUp}, {@link Bucket#record} of a late usage report,
     * {@link Hold#cool}/{@link Hold#park} (headers that say a window is used up) — since a success
     * is settled on the thread that completed the call
     * (sending without waiting for the answer is fine: the store's next operation comes after it).
     */
    default java.util.concurrent.Executor blockingExecutor() { return null; }

    /** Tells {@code l} about changes made by other processes (a local store has none). */
    void addListener(Listener l);

    void removeListener(Listener l);

    /**
     * The caller's deadline passed while the store had not answered (a store that waits for the
     * network: see {@link Bucket#tryReserve(long, long, long, long, long)}). Nothing stays
     * reserved: what the store reserves after all, it gives back.
     */
    final class Unanswered extends RuntimeException {
        public Unanswered(String message) { super(message, null, false, false); }
    }

    /** The in-process store (the default). */
    static PoolStateStore local() { return new LocalStateStore(); }

    /** Told when another process changed the state of {@code provider} ({@code model} null: any model). */
    @FunctionalInterface
    interface Listener {
        void changedElsewhere(String provider, String model);
    }

    /** The windows, reservations, hold and learned limits of one bucket. */
    interface Bucket {
        BucketId id();

        /** The limits in force: the table's (tightened by {@link PoolStateStore#bucket}) with learned ones applied. */
        Limits limits();

        /** The bucket's own cooldown and day-park. */
        Hold hold();

        /**
         * Reserves one request and {@code tokens} at {@code now} if every window has room and the
         * hold allows it. Returns the instant the reservation was counted at (≥ now; later when
         * another process or thread already moved the bucket forward), or {@link #REFUSED}.
         */
        long tryReserve(long now, long tokens, long leaseId, long expiresAt);

        /**
         * {@link #tryReserve(long, long, long, long)} that gives up at {@code deadline} (engine
         * time; {@link Long#MAX_VALUE}: none) when this store waits for the network: it then throws
         * {@link Unanswered}, and gives back whatever it reserves after all. A store that only
         * computes never waits and need not override this.
         */
        default long tryReserve(long now, long tokens, long leaseId, long expiresAt, long deadline) {
            return tryReserve(now, tokens, leaseId, expiresAt);
        }

        /**
         * Settles reservation {@code leaseId} made at {@code admittedAt}: removes it, then counts the
         * request at the settlement instant when {@code counted}, and {@code actualTokens} there.
         * Returns the instant it was counted at.
         */
        long settle(long now, long leaseId, long admittedAt, long reservedTokens, boolean counted, long actualTokens);

        /** Gives back the tokens of reservation {@code leaseId}, never settled; the request stays counted (at the expiry instant). */
        void expire(long now, long leaseId, long admittedAt, long reservedTokens);

        /** Adds (or, negative, removes) usage counted at {@code at} ≤ now: hydration, a late usage report. */
        void record(long now, long at, long requests, long tokens);

        /** Adds {@code delta} to one metric only: the provider's count is ahead of ours. */
        void correct(long now, Limits.Metric metric, long delta);

        /**
         * The provider's headers say {@code providerUsed} of one metric's window is used: the window
         * (what is in flight included) is raised to that when it counts less. Called when a success
         * settles, so a store that waits for the network sends it without waiting.
         */
        default void catchUp(long now, Limits.Metric metric, long providerUsed) {
            long used = used(now, metric);
            if (providerUsed > used) correct(now, metric, providerUsed - used);
        }

        /** The earliest instant ≥ now at which one request with {@code tokens} is admissible; {@link Long#MAX_VALUE}: never. */
        long admissibleAt(long now, long tokens);

        /** Usage of one metric in its window at {@code now}. */
        long used(long now, Limits.Metric metric);

        /** Smallest remaining fraction over the limited metrics (1 = empty, negative = does not fit). */
        double headroom(long now, long tokens);

        /** A local hint: nothing is admissible before this instant (0 when unknown). Cheap to read. */
        long blockedHint();

        /** Raises the hint to {@code until} ({@code 0} resets it: capacity came back). */
        void hintBlockedUntil(long until);

        /** Adopts a limit the provider reported for one metric; it replaces the table's value until replaced again. */
        void learn(LearnedLimit limit);

        /** The limits learned so far, by metric. */
        Map<Limits.Metric, LearnedLimit> learned();
    }

    /** A cooldown and a day-park, each with its reason. Never shortened except by {@link #clear()}. */
    interface Hold {
        /** Cools until {@code until}; false when already cooling at least that long. */
        boolean cool(long until, String why);

        /** Parks until {@code until} (the provider's daily reset); false when already parked at least that long. */
        boolean park(long until, String why);

        long coolingUntil();

        String coolingReason();

        long parkedUntil();

        String parkedReason();

        default long blockedUntil() { return Math.max(coolingUntil(), parkedUntil()); }

        void clear();
    }

    /** Whether a key is disabled, since when and why. */
    interface KeyFlag {
        boolean disabled();

        String disabledReason();

        long disabledAt();

        /** False when it was disabled already. */
        boolean disable(String why, long at);

        /** False when it was not disabled. */
        boolean enable();
    }

    /** Provider-wide state of one model: unavailable until a re-check, overload backoff. */
    interface ModelFlag {
        /** True while the model must not be admitted because the provider said it is gone. */
        boolean unavailableAt(long now);

        String unavailableReason();

        /** When an unavailable model is tried again (0 when available). */
        long recheckAt();

        /** Marks the model gone; returns the re-check instant (base, doubling per repeat, at most max). */
        long markUnavailable(long now, String why, long baseMillis, long maxMillis);

        /** Restores a persisted "gone until" (hydration). */
        void restoreUnavailable(long until, String why);

        /** Clears the unavailable state; false when it was not set. */
        boolean clearUnavailable();

        long backoffUntil();

        /** One more overload in a row: backs off (base doubling to max, plus jitter); returns the backoff end. */
        long overloaded(long now, long baseMillis, long maxMillis, double jitter);

        /** Extends the backoff to {@code until} if later. */
        void backOffUntil(long until);

        /** A success: overloads are over; true when the model had been unavailable (it is back). */
        boolean succeeded();
    }
}
