package io.keycycle.core.pool;

import io.keycycle.core.ApiKey;
import io.keycycle.core.KeycycleEvent;
import io.keycycle.core.Outcome;
import io.keycycle.core.OutcomeKind;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Settlement: the open leases of a pool and everything that closes one — a report (the counters
 * settle, then {@link OutcomeEffects} applies the state transition), an abandonment (sent, outcome
 * unknown: stays counted), a late usage report after abandonment or expiry, and expiry of leases
 * not reported within the lease timeout (swept lazily by admission).
 */
final class Leases {
    private final PoolContext ctx;
    private final ModelRings rings;
    private final OutcomeEffects effects;
    private final ConcurrentHashMap<Long, Lease> open = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    private final AtomicLong nextSweep = new AtomicLong();
    /** The provider keeps a request's reservation whatever the answer uses (Cerebras): see {@link #charged}. */
    private final boolean keepsReservation;
    /** The provider's token limits count the prompt only (Gemini): see {@link #charged}. */
    private final boolean inputOnly;
    /** The provider's token limits leave out cached prompt tokens (Groq): see {@link #charged}. */
    private final boolean cachedFree;

    Leases(PoolContext ctx, ModelRings rings, OutcomeEffects effects) {
        this.ctx = ctx;
        this.rings = rings;
        this.effects = effects;
        this.keepsReservation = ctx.profile.reservedCompletion().isPresent();
        this.inputOnly = ctx.profile.tokenLimitsCountInputOnly();
        this.cachedFree = !ctx.profile.cachedTokensCountTowardLimits();
    }

    /**
     * The tokens a call served under {@code l} costs its windows: the reported usage, or, for a
     * provider that keeps what it reserved at arrival ({@link io.keycycle.core.ProviderProfile#reservedCompletion()}),
     * the larger of that usage and the lease's reservation — the provider took prompt + the
     * completion limit, so releasing the unused part would show room it does not have and the next
     * caller (in this process or another sharing the pool) would meet a 429. For a provider whose
     * token limits count input only ({@link io.keycycle.core.ProviderProfile#tokenLimitsCountInputOnly()}:
     * Gemini), the reported prompt tokens: the answer and hidden thinking cost its quotas nothing.
     * For a provider whose limits leave out its prompt cache's tokens (Groq), the usage less them.
     */
    private long charged(Lease l, io.keycycle.core.Usage usage) {
        if (inputOnly) {
            // a report without a prompt count but with a total does not say what the input was: keep the estimate
            return usage.promptTokens() > 0 || usage.totalTokens() == 0 ? usage.promptTokens() : l.estimatedTokens;
        }
        long used = cachedFree ? Math.max(0, usage.charged() - usage.cachedTokens()) : usage.charged();
        return keepsReservation ? Math.max(used, l.estimatedTokens) : used;
    }

    /**
     * More tokens than any model's context and output hold together (the largest windows are ~2 M
     * tokens): a usage report above it is a provider's garbage, not usage. Charged as it stands it
     * would fill the key's token windows for up to a day.
     */
    static final long MAX_PLAUSIBLE_TOKENS = 10_000_000;

    /** The outcome's usage, or null (no report) when it is implausible; the latter is logged once per call. */
    private io.keycycle.core.Usage plausible(Lease l, Outcome o) {
        io.keycycle.core.Usage u = o.usage();
        if (u == null || u.charged() <= MAX_PLAUSIBLE_TOKENS) return u;
        LoggerFactory.getLogger(KeyPool.class).warn(
                "{} key {} model {}: usage report of {} prompt / {} completion / {} total tokens is more than any call can use"
                        + " ({}); ignored, the call is charged its estimate of {} tokens",
                ctx.provider(), l.entry.key.fingerprint(), l.ring.model, u.promptTokens(), u.completionTokens(),
                u.totalTokens(), MAX_PLAUSIBLE_TOKENS, l.estimatedTokens);
        return null;
    }

    long nextId() { return ids.incrementAndGet(); }

    /** Engine instant {@code engineMillis} on the wall clock. */
    Instant wall(long engineMillis) { return ctx.time.instant(engineMillis); }

    void opened(Lease l) { open.put(l.id, l); }

    int openCount() { return open.size(); }

    boolean settle(Lease l, Outcome o) {
        if (!l.state.compareAndSet(Lease.OPEN, Lease.SETTLED)) return lateUsage(l, o);
        open.remove(l.id);
        long now = ctx.time.now();
        OutcomeKind kind = o.kind();
        boolean counted = kind.countedByProvider();
        io.keycycle.core.Usage usage = plausible(l, o);
        long actual = usage != null ? charged(l, usage) : kind == OutcomeKind.SUCCESS ? l.estimatedTokens : 0;
        l.bucket.settle(now, l.id, l.admittedAt, l.estimatedTokens, counted, actual);
        if (ctx.hasListeners()) {
            ApiKey k = l.entry.key;
            long prompt = usage == null ? 0 : usage.promptTokens();
            long completion = usage == null ? 0 : usage.completionTokens();
            ctx.emit(new KeycycleEvent.Settled(ctx.time.instant(now), ctx.time.instant(l.admittedAt), ctx.provider(),
                    k.scope(), k.fingerprint(), l.ring.model, kind, o.status(), counted ? 1 : 0, prompt, completion, actual, l.id));
        }
        effects.apply(l, o, now);
        rings.wake(l.ring);
        return true;
    }

    /** See {@link Lease#abandon(String)}: counted as sent, the estimate stays charged, no state change. */
    boolean abandon(Lease l, String why) {
        if (!l.state.compareAndSet(Lease.OPEN, Lease.ABANDONED)) return false;
        open.remove(l.id);
        long now = ctx.time.now();
        l.abandonedAt = l.bucket.settle(now, l.id, l.admittedAt, l.estimatedTokens, true, l.estimatedTokens);
        if (ctx.hasListeners()) {
            ApiKey k = l.entry.key;
            ctx.emit(new KeycycleEvent.Settled(ctx.time.instant(now), ctx.time.instant(l.admittedAt), ctx.provider(),
                    k.scope(), k.fingerprint(), l.ring.model, OutcomeKind.TRANSIENT, 0, 1, 0, 0, l.estimatedTokens, l.id));
        }
        LoggerFactory.getLogger(KeyPool.class).debug("lease {} abandoned ({}): request and {} estimated tokens stay counted",
                l.id, why, l.estimatedTokens);
        return true;
    }

    /**
     * Usage reported after {@link #abandon}: it replaces the estimate that stayed charged, once (see
     * {@link #charged} for a provider that keeps its reservation). After
     * {@link #expire} (a call that outlived the lease timeout, such as a long stream, and then reported
     * on time for itself) it is charged in full at the report's instant, the estimate having been
     * given back. Such usage was not foreseeable: it can put a window over its limit, which then
     * admits nothing until it drains, as the provider would.
     */
    private boolean lateUsage(Lease l, Outcome o) {
        if (o.kind() != OutcomeKind.SUCCESS || plausible(l, o) == null) return false;
        int from = l.state.get();
        if ((from != Lease.ABANDONED && from != Lease.EXPIRED) || !l.state.compareAndSet(from, Lease.SETTLED)) return false;
        long now = ctx.time.now();
        boolean expired = from == Lease.EXPIRED;
        // what stayed charged: the estimate after an abandonment, and after an expiry where the provider keeps its reservation
        long delta = charged(l, o.usage()) - (expired && !keepsReservation ? 0 : l.estimatedTokens);
        // after an expiry the call ran until now, long past its expiry: its tokens count now
        l.bucket.record(now, expired ? now : l.abandonedAt, 0, delta);
        if (delta < 0) {
            l.bucket.hintBlockedUntil(0);
            rings.wake(l.ring);
        }
        if (ctx.hasListeners()) {
            ApiKey k = l.entry.key;
            ctx.emit(new KeycycleEvent.Settled(ctx.time.instant(now), ctx.time.instant(l.admittedAt), ctx.provider(),
                    k.scope(), k.fingerprint(), l.ring.model, OutcomeKind.SUCCESS, o.status(), 0,
                    o.usage().promptTokens(), o.usage().completionTokens(), delta, l.id));
        }
        return true;
    }

    /**
     * Releases the token reservations of leases never reported within the lease timeout (the
     * requests stay). A provider that keeps what it reserved at arrival ({@link #keepsReservation})
     * keeps it charged: giving it back would show room in its hour and day windows that the
     * provider does not have (until 2026-12-05 an expired Cerebras lease gave back prompt +
     * max_completion_tokens).
     */
    int expire() {
        long now = ctx.time.now();
        int n = 0;
        for (Lease l : open.values()) {
            if (l.expiresAt <= now && l.state.compareAndSet(Lease.OPEN, Lease.EXPIRED)) {
                open.remove(l.id);
                if (keepsReservation) l.bucket.settle(now, l.id, l.admittedAt, l.estimatedTokens, true, l.estimatedTokens);
                else l.bucket.expire(now, l.id, l.admittedAt, l.estimatedTokens);
                n++;
                if (ctx.hasListeners()) {
                    ApiKey k = l.entry.key;
                    ctx.emit(new KeycycleEvent.LeaseExpired(ctx.time.instant(now), ctx.time.instant(l.admittedAt),
                            ctx.provider(), k.scope(), k.fingerprint(), l.ring.model, l.estimatedTokens, l.id,
                            keepsReservation ? l.estimatedTokens : 0));
                }
                rings.wake(l.ring);
            }
        }
        return n;
    }

    void sweepIfDue(long now) {
        long due = nextSweep.get();
        if (now >= due && nextSweep.compareAndSet(due, now + 1000) && !open.isEmpty()) expire();
    }
}
