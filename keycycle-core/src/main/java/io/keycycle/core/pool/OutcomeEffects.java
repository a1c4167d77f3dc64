package io.keycycle.core.pool;

import io.keycycle.core.KeyState;
import io.keycycle.core.KeycycleEvent;
import io.keycycle.core.Limits;
import io.keycycle.core.Outcome;
import io.keycycle.core.ProviderSpec;
import io.keycycle.core.RateLimitObservation;
import io.keycycle.core.learn.LearnedLimit;
import io.keycycle.core.learn.LimitLearner;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static io.keycycle.core.pool.ModelRings.ALL_MODELS;

/**
 * The state machine of ENGINE.md's outcome table: what a classified outcome does to the bucket,
 * the scope, the key or the model (cooldowns never shortened and capped, parking until the
 * provider's reset, disabling, overload backoff, unavailable models, learning from rate-limit
 * headers), each change published as a {@link KeycycleEvent.StateChanged}. Called by the pool
 * after it has settled the counters.
 */
final class OutcomeEffects {

    /** The shortest cooldown a 429 gets, whatever wait the provider names. */
    static final long MIN_RATE_LIMIT_WAIT_MS = 1000;

    private final PoolContext ctx;
    private final ProviderSpec spec;
    private final PoolPolicy policy;
    private final ModelRings rings;
    /** Counts the reports of a higher limit until they are consistent (per process; the limit itself is in the store). */
    private final LimitLearner learner;
    /** Keys the provider puts in one organisation across configured scopes. */
    private final ReportedOrganisations organisations;

    OutcomeEffects(PoolContext ctx, ModelRings rings) {
        this.ctx = ctx;
        this.spec = ctx.spec;
        this.policy = ctx.policy;
        this.rings = rings;
        this.learner = new LimitLearner(ctx.spec.name());
        this.organisations = new ReportedOrganisations(ctx);
    }

    void apply(Lease l, Outcome o, long now) {
        KeyEntry e = l.entry;
        String scope = e.key.scope();
        switch (o.kind()) {
            case SUCCESS -> {
                if (l.ring.windowFailures.get() != 0) l.ring.windowSuccesses.incrementAndGet();
                if (l.ring.state.succeeded()) {
                    // provider-wide (no scope): the store keeps one row per model, which this one overwrites
                    emitState(KeycycleEvent.Level.MODEL, null, e.key.fingerprint(), l.ring.model, KeyState.READY, 0,
                            "model answered again", now);
                }
                adopt(l, o.observations(), now);
                learn(l, o.observations(), now);
            }
            case RATE_LIMITED -> {
                // A provider's "wait 0" (retry-after: 0, a reset already past) still cools the key for a
                // second: sent again at once, the same key would only answer 429 again.
                long until = now + Math.min(Math.max(MIN_RATE_LIMIT_WAIT_MS, waitMillis(o, now, rateLimitFloor(o))),
                        Saturating.millis(policy.maxCooldown()));
                String why = HoldReasons.withMetric(HoldReasons.RATE_LIMITED, o.metric()) + ": " + o.reason();
                hold(l, o, e, false, until, why, now);
                for (KeyEntry k : sameOrganisation(l, o)) hold(l, o, k, false, until, why + " (" + sameAs(l, o) + ")", now);
                if (!ownCap(l, o)) {
                    adopt(l, o.observations(), now);
                    learn(l, o.observations(), now);
                }
            }
            case QUOTA_EXHAUSTED -> {
                long reset = o.until() != null ? ctx.time.at(o.until())
                        : o.retryAfter() != null ? now + o.retryAfter().toMillis()
                        : ctx.time.fromWall(spec.dailyReset().nextReset(ctx.time.instant(now)).toEpochMilli());
                long cap = now + Limits.Span.DAY.millis() + Saturating.millis(policy.maxCooldown());
                long until = Math.min(Math.max(reset, now + 1000), cap);
                String why = HoldReasons.withMetric(HoldReasons.QUOTA_EXHAUSTED, o.metric()) + ": " + o.reason();
                if (o.tierWide() && !scopeWide(l, o)) {
                    parkTier(l, until, why, now);
                } else {
                    hold(l, o, e, true, until, why, now);
                    for (KeyEntry k : sameOrganisation(l, o)) hold(l, o, k, true, until, why + " (" + sameAs(l, o) + ")", now);
                }
                // the quota that ran out may be another model's (Gemini names it once it auto-routes a model)
                for (PoolStateStore.Bucket other : namedElsewhere(l, o.observations())) parkBucket(other, e, until, why, now);
                if (!ownCap(l, o)) adopt(l, o.observations(), now);
            }
            case KEY_INVALID, KEY_SUSPENDED, PAYMENT -> {
                String why = HoldReasons.of(o.kind()) + ": " + o.reason();
                if (o.scopeWide()) {
                    for (KeyEntry k : ctx.keys) if (k.key.scope().equals(scope)) disable(k, why, now);
                } else {
                    // a key-level limit that resets (an OpenRouter key's spending limit) says when (a wall-clock
                    // instant: as engine time, since the event converts it back with the clock's offset)
                    disable(e, why, o.until() == null ? 0 : ctx.time.at(o.until()), now);
                }
            }
            case PAYMENT_TRANSIENT -> coolScope(scope, e,
                    now + Math.min(waitMillis(o, now, policy.paymentTransient()), Saturating.millis(policy.maxCooldown())),
                    HoldReasons.PAYMENT_TRANSIENT + ": " + o.reason(), now);
            case OVERLOADED -> {
                PoolStateStore.ModelFlag ms = l.ring.state;
                long until = ms.overloaded(now, policy.overloadBase().toMillis(), policy.overloadMax().toMillis(), policy.overloadJitter());
                if (o.retryAfter() != null) {
                    long asked = now + Math.min(o.retryAfter().toMillis(), Saturating.millis(policy.maxCooldown()));
                    if (asked > until) {
                        ms.backOffUntil(asked);
                        until = asked;
                    }
                }
                emitState(KeycycleEvent.Level.MODEL, scope, e.key.fingerprint(), l.ring.model, KeyState.COOLING, until,
                        "provider overloaded: " + o.reason(), now);
            }
            case MODEL_UNAVAILABLE -> {
                PoolStateStore.ModelFlag ms = l.ring.state;
                if (!ms.unavailableAt(now)) {
                    long recheck = ms.markUnavailable(now, o.reason(), Saturating.millis(policy.modelRecheckBase()),
                            Saturating.millis(policy.modelRecheckMax()));
                    emitState(KeycycleEvent.Level.MODEL, null, e.key.fingerprint(), l.ring.model, KeyState.MODEL_UNAVAILABLE,
                            recheck, o.reason() + " (re-checked at the until instant)", now);
                }
            }
            case TRANSIENT -> {
                if (o != Lease.RELEASED) failing(l, o, now);
            }
            case REQUEST_INVALID -> sameOrganisation(l, o); // a 413 names the organisation too: noted for the next limit
        }
    }

    /** How long a window of transient failures lasts from its first one (see {@link #failing}). */
    static final long FAILURE_WINDOW_MS = 10_000;

    /**
     * One more transient failure (5xx, timeout, failed connection) of the model, on whichever key:
     * at {@link PoolPolicy#transientTrip()} failures within {@value #FAILURE_WINDOW_MS} ms, more
     * than the successes since the first of them, the model backs off as an overloaded one does
     * (1 s doubling to 60 s, with jitter), so the calls of the next seconds go to a fallback, or fail
     * fast with a Retry-After, instead of each spending its retries on keys of a provider that is
     * down. The backoff is shared like an overload's. While the failures still outnumber the
     * successes, the first failure after it trips again, for twice as long; a provider that fails
     * one call in five never trips (successes outnumber failures).
     */
    private void failing(Lease l, Outcome o, long now) {
        int trip = policy.transientTrip();
        if (trip <= 0) return;
        ModelRing r = l.ring;
        if (now - r.windowStart >= FAILURE_WINDOW_MS) {
            // racing threads may each start the window: a count lost at its edge changes nothing that matters
            r.windowStart = now;
            r.windowFailures.set(0);
            r.windowSuccesses.set(0);
        }
        int failures = r.windowFailures.incrementAndGet();
        int successes = r.windowSuccesses.get();
        PoolStateStore.ModelFlag ms = r.state;
        if (failures < trip || failures <= successes || now < ms.backoffUntil()) return;
        long until = ms.overloaded(now, policy.overloadBase().toMillis(), policy.overloadMax().toMillis(), policy.overloadJitter());
        emitState(KeycycleEvent.Level.MODEL, l.entry.key.scope(), l.entry.key.fingerprint(), r.model, KeyState.COOLING, until,
                HoldReasons.FAILING + ": " + failures + " transient failures and " + successes + " successes within "
                        + FAILURE_WINDOW_MS / 1000 + " s, the last: " + o.reason(), now);
    }

    /**
     * The wait of a rate limit that states none: {@link PoolPolicy#rateLimitFloor()}, but for an
     * hour window a twelfth of the hour. Cerebras names its hour limits in the 429's text and sends
     * no wait or reset for them; the room of such a window comes back over the hour, so the floor's
     * 10 s would send a request into the same 429 six times a minute until it does.
     */
    private Duration rateLimitFloor(Outcome o) {
        return o.metric() != null && o.metric().span() == Limits.Span.HOUR
                ? max(policy.rateLimitFloor(), HOUR_WINDOW_FLOOR) : policy.rateLimitFloor();
    }

    private static Duration max(Duration a, Duration b) { return a.compareTo(b) >= 0 ? a : b; }

    /** The wait of an hour window's rate limit that states none (see {@link #rateLimitFloor}). */
    static final Duration HOUR_WINDOW_FLOOR = Duration.ofMinutes(5);

    /** The wait an outcome asks for: its explicit instant or duration, else the floor. */
    private long waitMillis(Outcome o, long now, Duration floor) {
        if (o.until() != null) return Math.max(0, ctx.time.at(o.until()) - now);
        if (o.retryAfter() != null) return Math.max(0, o.retryAfter().toMillis());
        return floor.toMillis();
    }

    /** The buckets of other models the observations say the quota belongs to (same scope). */
    private List<PoolStateStore.Bucket> namedElsewhere(Lease l, List<RateLimitObservation> observations) {
        List<PoolStateStore.Bucket> out = new java.util.ArrayList<>(1);
        for (RateLimitObservation ob : observations) {
            if (ob.model() == null || ob.model().equals(l.ring.model)) continue;
            PoolStateStore.Bucket b = rings.bucketFor(l.entry.key.scope(), ob.model());
            if (b != null && b != l.bucket && !out.contains(b)) out.add(b);
        }
        return out;
    }

    /**
     * A scope-wide limit of a provider whose shared budget covers only some models (OpenRouter's
     * {@code :free}), hit through that shared budget: it holds the shared bucket, not the scope's
     * other (paid) models.
     */
    private boolean onlyTheSharedBudget(Lease l) {
        return spec.sharedBudgetSuffix() != null && ALL_MODELS.equals(l.bucket.id().model());
    }

    /** True for a limit that holds the whole scope (every model), not one bucket. */
    private boolean scopeWide(Lease l, Outcome o) {
        return o.scopeWide() && !onlyTheSharedBudget(l);
    }

    /**
     * True for a model's own cap beside a shared budget ({@link ModelRing#own}: an OpenRouter
     * {@code :free} model's per-model daily or minute limit): it holds the model's own bucket, and
     * the shared budget and the other models on it keep serving. Such a cap is not learned as a limit:
     * the shared budget's windows are the account's, and the model's hold lasts until the cap's reset.
     */
    private boolean ownCap(Lease l, Outcome o) {
        return !o.scopeWide() && l.ring.own != null;
    }

    /**
     * Cools ({@code park} false) or parks what a limit the lease's call met holds for key {@code k}
     * of the lease's ring (the lease's own key, or one the provider named in its organisation): the
     * key's scope when the limit is scope-wide, else its bucket of the model, or the model's own
     * bucket for a {@linkplain #ownCap own cap}.
     */
    private void hold(Lease l, Outcome o, KeyEntry k, boolean park, long until, String why, long now) {
        if (scopeWide(l, o)) {
            if (park) parkScope(k.key.scope(), k, until, why, now);
            else coolScope(k.key.scope(), k, until, why, now);
            return;
        }
        PoolStateStore.Bucket b = ownCap(l, o) ? l.ring.own[k.position] : l.ring.buckets[k.position];
        if (park) parkBucket(b, k, until, why, now);
        else coolBucket(b, k, until, why, now);
    }

    /** The keys of other scopes the provider named in the organisation {@code o} names for the lease's key. */
    private List<KeyEntry> sameOrganisation(Lease l, Outcome o) {
        return o.organisation() == null ? List.of() : organisations.sameOrganisation(l.entry, o.organisation());
    }

    private static String sameAs(Lease l, Outcome o) {
        return "organisation " + o.organisation() + ", as key " + l.entry.key.fingerprint();
    }

    /**
     * Limits the provider reported (headers, 429 bodies): when one differs from the limit in force
     * for that scope and model, the {@link LimitLearner} decides — a lower one at once, a higher one
     * once reported consistently — and the bucket applies it; each change is a
     * {@link KeycycleEvent.LimitLearned} (kept by the store, shown by status and the dashboard).
     */
    private void adopt(Lease l, List<RateLimitObservation> observations, long now) {
        for (RateLimitObservation ob : observations) {
            // a limit of 0 is never learned: it would admit nothing ever again, so no answer could
            // correct it (a provider's "limit 0" for a model parks the key tier's buckets until the reset)
            if (ob.limit() < 1) continue;
            PoolStateStore.Bucket b = l.bucket;
            String model = l.ring.model;
            if (ob.model() != null && !ob.model().equals(l.ring.model)) {
                // the provider names another model's quota (Gemini, once a model is auto-routed)
                model = ob.model();
                b = rings.bucketFor(l.entry.key.scope(), model);
                if (b == null) continue;
            }
            Limits.Metric m = ob.metric();
            long table = ctx.resolver.resolve(l.entry.key, ALL_MODELS.equals(b.id().model()) ? ALL_MODELS : model).limits().get(m);
            PoolStateStore.LearnedLimit cur = b.learned().get(m);
            LearnedLimit current = cur == null || cur.value() == table ? null
                    : new LearnedLimit(spec.name(), b.id().scope(), b.id().model(), m, table, cur.value(), cur.source(), cur.at());
            Instant at = Instant.ofEpochMilli(now);
            LimitLearner.Change change = learner.observe(b.id().scope(), b.id().model(), m, table, current, ob.limit(), spec.name(), at);
            if (change instanceof LimitLearner.Adopted a) {
                b.learn(new PoolStateStore.LearnedLimit(m, a.limit().value(), a.limit().source(), at));
                if (ctx.hasListeners()) {
                    ctx.emit(new KeycycleEvent.LimitLearned(at, spec.name(), b.id().scope(), b.id().model(), m, table,
                            a.limit().value(), a.limit().source()));
                }
            } else if (change instanceof LimitLearner.Dropped) {
                dropLearned(b, m, table, spec.name(), at);
            }
        }
    }

    /**
     * Puts the table's limit back in force for {@code m} in {@code b} and says so with a
     * {@link KeycycleEvent.LimitLearned} of value -1 (the store then deletes its row).
     */
    void dropLearned(PoolStateStore.Bucket b, Limits.Metric m, long table, String source, Instant at) {
        b.learn(new PoolStateStore.LearnedLimit(m, table, source, at));
        if (ctx.hasListeners()) {
            ctx.emit(new KeycycleEvent.LimitLearned(at, spec.name(), b.id().scope(), b.id().model(), m, table, -1, source));
        }
    }

    /** Rate-limit headers: believe a provider that says 0 remaining; catch up counters that lag behind. */
    private void learn(Lease l, List<RateLimitObservation> observations, long now) {
        for (RateLimitObservation ob : observations) {
            Limits.Metric m = ob.metric();
            if (ob.remaining() == 0) {
                long wait = ob.resetIn() == null ? policy.rateLimitFloor().toMillis() : ob.resetIn().toMillis();
                if (wait <= 0) continue;
                String why = HoldReasons.ZERO_REMAINING + " " + m.key();
                if (m.span() == Limits.Span.DAY) {
                    parkBucket(l.bucket, l.entry, now + Math.min(wait, Limits.Span.DAY.millis()), why, now);
                } else {
                    coolBucket(l.bucket, l.entry, now + Math.min(wait, Saturating.millis(policy.maxCooldown())), why, now);
                }
            } else if (ob.remaining() > 0) {
                long limit = l.bucket.limits().get(m);
                if (limit == Limits.NONE) continue;
                l.bucket.catchUp(now, m, limit - ob.remaining());
            }
        }
    }

    void coolBucket(PoolStateStore.Bucket b, KeyEntry e, long until, String why, long now) {
        if (b.hold().cool(until, why)) {
            b.hintBlockedUntil(until);
            emitState(KeycycleEvent.Level.SCOPE, b.id().scope(), e == null ? null : e.key.fingerprint(), b.id().model(), KeyState.COOLING, until, why, now);
        }
    }

    void parkBucket(PoolStateStore.Bucket b, KeyEntry e, long until, String why, long now) {
        if (b.hold().park(until, why)) {
            b.hintBlockedUntil(until);
            emitState(KeycycleEvent.Level.SCOPE, b.id().scope(), e == null ? null : e.key.fingerprint(), b.id().model(), KeyState.PARKED, until, why, now);
        }
    }

    /**
     * Parks the model's bucket of every key in the answering key's key tier (keys of no tier count as
     * one tier of their own): a quota the provider sets per billing tier (Gemini's {@code limit: 0})
     * that every such key would only meet again. Keys of other tiers keep the model. Runs on a rare
     * answer, so it may look at every key.
     */
    private void parkTier(Lease l, long until, String why, long now) {
        String tier = ctx.resolver.keyTier(l.entry.key);
        ModelRing ring = l.ring;
        java.util.Set<PoolStateStore.Bucket> done = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        parkBucket(l.bucket, l.entry, until, why, now);
        done.add(l.bucket);
        for (int i = 0; i < ring.keys.length; i++) {
            KeyEntry k = ring.keys[i];
            if (done.contains(ring.buckets[i]) || !java.util.Objects.equals(tier, ctx.resolver.keyTier(k.key))) continue;
            done.add(ring.buckets[i]);
            parkBucket(ring.buckets[i], k, until, why, now);
        }
    }

    private void coolScope(String scope, KeyEntry e, long until, String why, long now) {
        if (ctx.store.scope(spec.name(), scope).cool(until, why)) {
            emitState(KeycycleEvent.Level.SCOPE, scope, e == null ? null : e.key.fingerprint(), ALL_MODELS, KeyState.COOLING, until, why, now);
        }
    }

    private void parkScope(String scope, KeyEntry e, long until, String why, long now) {
        if (ctx.store.scope(spec.name(), scope).park(until, why)) {
            emitState(KeycycleEvent.Level.SCOPE, scope, e == null ? null : e.key.fingerprint(), ALL_MODELS, KeyState.PARKED, until, why, now);
        }
    }

    void disable(KeyEntry e, String why, long now) {
        disable(e, why, 0, now);
    }

    /** Disables a key; {@code resetAt} (engine time, 0: unknown) is when the provider said the cause resets, carried as the event's until. */
    void disable(KeyEntry e, String why, long resetAt, long now) {
        if (!e.flag.disable(why, now)) return;
        emitState(KeycycleEvent.Level.KEY, e.key.scope(), e.key.fingerprint(), ALL_MODELS, KeyState.DISABLED, resetAt, why, now);
    }

    void emitState(KeycycleEvent.Level level, String scope, String fp, String model, KeyState state, long until,
                           String why, long now) {
        if (!ctx.hasListeners()) return;
        ctx.emit(new KeycycleEvent.StateChanged(ctx.time.instant(now), spec.name(), level, scope, fp, model, state,
                until <= 0 ? null : ctx.time.instant(until), why));
    }
}
