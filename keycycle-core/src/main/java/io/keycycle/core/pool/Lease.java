package io.keycycle.core.pool;

import io.keycycle.core.ApiKey;
import io.keycycle.core.Outcome;
import io.keycycle.core.Usage;

import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The right to make one call with one key: one request and the estimated tokens are reserved on
 * the key's scope until the lease is reported, exactly once, with {@link #success(Usage)},
 * {@link #report(Outcome)}, {@link #abandon(String)} or {@link #release()}. A lease never reported
 * expires after the pool's lease timeout (its token reservation is released; the request stays
 * counted).
 *
 * <p>Which one to call when the caller gives up (hang-up, cancellation, interrupt, timeout):
 * {@link #abandon(String)} once any byte of the request may have reached the provider — the
 * provider counts it whatever the caller does — and {@link #release()} only when the call
 * certainly never left.
 */
public final class Lease {
    private final Leases leases;
    final long id;
    final KeyEntry entry;
    final PoolStateStore.Bucket bucket;
    final ModelRing ring;
    final long admittedAt;
    final long estimatedTokens;
    final long expiresAt;
    /**
     * {@link #OPEN}, {@link #ABANDONED} (settled, its estimate charged, one late usage report allowed),
     * {@link #EXPIRED} (not reported within the lease timeout: the request counted, its estimate given
     * back, one late usage report allowed, charged in full when it comes) or {@link #SETTLED}.
     */
    final AtomicInteger state = new AtomicInteger(OPEN);
    static final int OPEN = 0, ABANDONED = 1, SETTLED = 2, EXPIRED = 3;
    /** The instant an abandoned lease's request was counted at (late usage is charged there). */
    volatile long abandonedAt;

    Lease(Leases leases, long id, KeyEntry entry, PoolStateStore.Bucket bucket, ModelRing ring, long admittedAt,
          long estimatedTokens, long expiresAt) {
        this.leases = leases;
        this.id = id;
        this.entry = entry;
        this.bucket = bucket;
        this.ring = ring;
        this.admittedAt = admittedAt;
        this.estimatedTokens = estimatedTokens;
        this.expiresAt = expiresAt;
    }

    /** The key to call with. */
    public ApiKey key() { return entry.key; }

    public String fingerprint() { return entry.key.fingerprint(); }

    public String provider() { return entry.key.provider(); }

    public String model() { return ring.model; }

    /** The bucket the reservation was made in (scope, and model or "*"). */
    public PoolStateStore.BucketId bucket() { return bucket.id(); }

    public long id() { return id; }

    public long estimatedTokens() { return estimatedTokens; }

    public Instant admittedAt() { return leases.wall(admittedAt); }

    /** True once reported, abandoned, released or expired. */
    public boolean isDone() { return state.get() != OPEN; }

    /**
     * Reports success with the provider's usage (replaces the reservation with the actual tokens).
     * On a lease that was {@link #abandon(String) abandoned}, usage that arrives late replaces the
     * estimate that stayed charged (once); the outcome is otherwise ignored.
     */
    public boolean success(Usage usage) { return leases.settle(this, Outcome.success(usage)); }

    /**
     * Reports the classified outcome: releases or replaces the reservation and applies the state
     * transition (cooldown, parking, disabling). Returns false if the lease was already reported
     * or had expired (the report is then ignored).
     */
    public boolean report(Outcome outcome) { return leases.settle(this, outcome); }

    /**
     * The request was sent (or may have been) and its outcome will not be known: the caller hung
     * up, cancelled, was interrupted or timed out. The request stays counted (moved to now, as a
     * settled one) and the estimated tokens stay charged — unless usage arrives later through
     * {@link #success(Usage)} — and no cooldown or other state change follows. Returns false if the
     * lease was already reported or had expired.
     *
     * @param why short text for the event log (never a secret)
     */
    public boolean abandon(String why) { return leases.abandon(this, why); }

    /**
     * Gives the reservation back: the call never left (nothing was written to the provider), so
     * the request and its tokens are un-counted. A call that may have reached the provider must be
     * {@link #abandon(String) abandoned} instead.
     */
    public boolean release() {
        return leases.settle(this, RELEASED);
    }

    /** The outcome of {@link #release()}: nothing was sent, so it is no failure of the provider's either. */
    static final Outcome RELEASED = Outcome.of(io.keycycle.core.OutcomeKind.TRANSIENT, 0, "released by caller");

    @Override public String toString() { return "Lease#" + id + "[" + entry.key + ", " + ring.model + "]"; }
}
