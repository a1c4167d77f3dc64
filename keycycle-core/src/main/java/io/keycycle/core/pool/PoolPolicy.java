package io.keycycle.core.pool;

import io.keycycle.core.ConfigurationException;

import java.time.Duration;

/**
 * Timings of the state machine. Defaults: a rate limit without a stated wait cools for 10 s; no
 * cooldown exceeds 1 h (parking for the day is bounded by the provider's reset + 1 h instead);
 * overload backoff 1 s doubling to 60 s with 50% jitter; a transient payment problem cools 30 s;
 * unreported leases expire after 10 min; a model the provider says is gone is re-checked after
 * 10 min, then 20 min, doubling up to 24 h; after 5 transient failures of a model within 10 s (5xx,
 * timeouts, failed connections, on any keys), more than its successes since the first of them, the
 * model backs off like an overloaded one ({@code transientTrip}, 0 turns it off).
 */
public record PoolPolicy(Duration rateLimitFloor, Duration maxCooldown, Duration overloadBase, Duration overloadMax,
                         double overloadJitter, Duration paymentTransient, Duration leaseTimeout,
                         Duration modelRecheckBase, Duration modelRecheckMax, int transientTrip) {

    public static final PoolPolicy DEFAULT = new PoolPolicy(Duration.ofSeconds(10), Duration.ofHours(1),
            Duration.ofSeconds(1), Duration.ofSeconds(60), 0.5, Duration.ofSeconds(30), Duration.ofMinutes(10),
            Duration.ofMinutes(10), Duration.ofHours(24), 5);

    public PoolPolicy {
        positive("rateLimitFloor", rateLimitFloor);
        positive("maxCooldown", maxCooldown);
        positive("overloadBase", overloadBase);
        positive("overloadMax", overloadMax);
        positive("paymentTransient", paymentTransient);
        positive("leaseTimeout", leaseTimeout);
        positive("modelRecheckBase", modelRecheckBase);
        positive("modelRecheckMax", modelRecheckMax);
        if (transientTrip < 0) throw new ConfigurationException("transientTrip must be >= 0 (0: off), was " + transientTrip);
        if (overloadJitter < 0 || overloadJitter > 1) {
            throw new ConfigurationException("overloadJitter must be within [0, 1], was " + overloadJitter);
        }
    }

    private static void positive(String name, Duration d) {
        if (d == null || d.isNegative() || d.isZero()) throw new ConfigurationException(name + " must be > 0, was " + d);
    }

    public PoolPolicy withLeaseTimeout(Duration d) {
        return new PoolPolicy(rateLimitFloor, maxCooldown, overloadBase, overloadMax, overloadJitter, paymentTransient, d,
                modelRecheckBase, modelRecheckMax, transientTrip);
    }

    /**
     * The wall-clock instant until which a persisted state still holds (null: until changed, as a
     * disabled key), or {@code at}'s own instant when it holds no more. A model reported gone holds
     * until its re-check instant — a row written without one, {@link #modelRecheckBase()} after it
     * was written; cooldowns and parks until their end. Hydration and {@code keycycle status} both
     * use this rule.
     */
    public java.time.Instant holdsUntil(io.keycycle.core.KeycycleEvent.StateChanged s) {
        return switch (s.state()) {
            case DISABLED -> null;
            case READY -> s.at();
            case MODEL_UNAVAILABLE -> s.until() != null ? s.until() : s.at().plus(modelRecheckBase);
            case COOLING, PARKED -> s.until() != null ? s.until() : s.at();
        };
    }

    /** True when the persisted state {@code s} still holds at {@code now} (see {@link #holdsUntil}). */
    public boolean stillHolds(io.keycycle.core.KeycycleEvent.StateChanged s, java.time.Instant now) {
        java.time.Instant until = holdsUntil(s);
        return until == null || until.isAfter(now);
    }

    /** How long a model the provider reported gone stays unavailable before a re-check, first and at most. */
    public PoolPolicy withModelRecheck(Duration base, Duration max) {
        return new PoolPolicy(rateLimitFloor, maxCooldown, overloadBase, overloadMax, overloadJitter, paymentTransient,
                leaseTimeout, base, max, transientTrip);
    }

    /**
     * After how many transient failures of a model within 10 s (5xx, timeouts, failed connections, on
     * whichever keys), when they outnumber the successes since the first of them, the model backs
     * off like an overloaded one, so that calls move on to a fallback or fail fast instead of
     * spending their retries on a failing provider; 0 turns it off.
     */
    public PoolPolicy withTransientTrip(int n) {
        return new PoolPolicy(rateLimitFloor, maxCooldown, overloadBase, overloadMax, overloadJitter, paymentTransient,
                leaseTimeout, modelRecheckBase, modelRecheckMax, n);
    }
}
