package io.keycycle.core.pool;

import io.keycycle.core.ApiKey;
import io.keycycle.core.Outcome;
import io.keycycle.core.Usage;

import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The right to make one call with one key: one request and the estimated tokens are reserved on
 * the key's scope until the lease is reported, exactly once, with {@link #success(Usage)},
 * {@link #report(Outcome)} or {@link #release()}. A lease never reported expires after the pool's
 * lease timeout (its token reservation is released; the request stays counted).
 */
public final class Lease {
    private final KeyPool pool;
    final long id;
    final KeyEntry entry;
    final QuotaBucket bucket;
    final ModelRing ring;
    final long admittedAt;
    final long estimatedTokens;
    final long expiresAt;
    final AtomicBoolean done = new AtomicBoolean();

    Lease(KeyPool pool, long id, KeyEntry entry, QuotaBucket bucket, ModelRing ring, long admittedAt,
          long estimatedTokens, long expiresAt) {
        this.pool = pool;
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

    public long id() { return id; }

    public long estimatedTokens() { return estimatedTokens; }

    public Instant admittedAt() { return Instant.ofEpochMilli(admittedAt); }

    /** True once reported or expired. */
    public boolean isDone() { return done.get(); }

    /** Reports success with the provider's usage (replaces the reservation with the actual tokens). */
    public boolean success(Usage usage) { return pool.settle(this, Outcome.success(usage)); }

    /**
     * Reports the classified outcome: releases or replaces the reservation and applies the state
     * transition (cooldown, parking, disabling). Returns false if the lease was already reported
     * or had expired (the report is then ignored).
     */
    public boolean report(Outcome outcome) { return pool.settle(this, outcome); }

    /** Gives the reservation back: the call was not made (or the provider did not count it). */
    public boolean release() {
        return pool.settle(this, Outcome.of(io.keycycle.core.OutcomeKind.TRANSIENT, 0, "released by caller"));
    }

    @Override public String toString() { return "Lease#" + id + "[" + entry.key + ", " + ring.model + "]"; }
}
