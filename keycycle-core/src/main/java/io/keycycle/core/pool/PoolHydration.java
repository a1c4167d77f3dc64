package io.keycycle.core.pool;

import io.keycycle.core.KeyState;
import io.keycycle.core.KeycycleEvent;
import io.keycycle.core.Limits;
import io.keycycle.core.Strategy;

import java.time.Instant;

import static io.keycycle.core.pool.ModelRings.ALL_MODELS;

/**
 * Puts a pool back where the last process left it: usage of the last day into the windows, live
 * states (disabled keys, holds not yet over, models gone until their re-check) into the store.
 * Records of other providers, unknown keys and models, and states already over are skipped.
 */
final class PoolHydration {
    private final PoolContext ctx;
    private final ModelRings rings;

    PoolHydration(PoolContext ctx, ModelRings rings) {
        this.ctx = ctx;
        this.rings = rings;
    }

    void restoreUsage(String provider, String fingerprint, String model, Instant admittedAt, long requests, long chargedTokens) {
        if (!ctx.provider().equals(provider)) return;
        KeyEntry e = ctx.byFingerprint.get(fingerprint);
        if (e == null) return;
        ModelRing ring = rings.ringOrNull(model);
        if (ring == null) return;
        long now = ctx.time.now();
        long at = ctx.time.at(admittedAt);
        if (at > now || at <= now - Limits.Span.DAY.millis()) return;
        ring.buckets[e.position].record(now, at, requests, chargedTokens);
    }

    void restoreState(KeycycleEvent.StateChanged s) {
        if (!ctx.provider().equals(s.provider())) return;
        long now = ctx.time.now();
        long until = s.until() == null ? 0 : ctx.time.at(s.until());
        String why = s.reason() == null ? "restored" : s.reason();
        switch (s.level()) {
            case KEY -> {
                KeyEntry e = s.fingerprint() == null ? null : ctx.byFingerprint.get(s.fingerprint());
                if (e == null) return;
                if (s.state() == KeyState.DISABLED) e.flag.disable(why, ctx.time.at(s.at()));
                else if (s.state() == KeyState.READY) e.flag.enable();
            }
            case SCOPE -> {
                if (until <= now) return;
                if (ALL_MODELS.equals(s.model()) && ctx.spec.strategy() == Strategy.PER_MODEL) {
                    PoolStateStore.Hold h = ctx.store.scope(ctx.provider(), s.scope());
                    if (s.state() == KeyState.PARKED) h.park(until, why);
                    else if (s.state() == KeyState.COOLING) h.cool(until, why);
                } else {
                    PoolStateStore.Bucket b = rings.bucketFor(s.scope(), s.model());
                    if (b == null) return;
                    if (s.state() == KeyState.PARKED) b.hold().park(until, why);
                    else if (s.state() == KeyState.COOLING) b.hold().cool(until, why);
                    b.hintBlockedUntil(until);
                }
            }
            case MODEL -> {
                ModelRing ring = rings.ringOrNull(s.model());
                if (ring == null) return;
                if (s.state() == KeyState.MODEL_UNAVAILABLE) {
                    // a row without a re-check instant (written before re-checks existed) counts from when it was written
                    long recheck = ctx.time.at(ctx.policy.holdsUntil(s));
                    if (recheck > now) ring.state.restoreUnavailable(recheck, why);
                } else if (s.state() == KeyState.READY) {
                    ring.state.clearUnavailable();
                } else if (s.state() == KeyState.COOLING && until > now) {
                    ring.state.backOffUntil(until);
                }
            }
        }
    }
}
