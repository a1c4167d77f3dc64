package io.keycycle.core.pool;

import io.keycycle.core.InvalidKeyException;
import io.keycycle.core.KeycycleEvent;
import io.keycycle.core.NoAvailableKeyException;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Admission and waiting: finds a key whose bucket has room in every window and reserves there
 * (O(1) in the number of keys while keys have room: candidates in rotation order, the first or
 * best of two taken), or computes when the earliest key frees up and waits for it FIFO, woken at
 * that instant or when capacity comes back.
 *
 * <p>A call with a session id tries the key the session went to last (remembered in memory, the
 * last 10,000 sessions), then the session's {@linkplain #homeKey home key}, which every process
 * computes alike, then the usual scan from the key after the home key; so the first call of a
 * session lands on the same key in every gateway and after a restart, with no state shared.
 */
final class Admission {
    private static final int HEADROOM_LOOKAHEAD = 4;

    private final PoolContext ctx;
    private final ModelRings rings;
    private final Leases leases;
    /** Session id to the position of the key it went to last (LRU). */
    private final Map<String, Integer> affinity = Collections.synchronizedMap(new LinkedHashMap<>(64, 0.75f, true) {
        @Override protected boolean removeEldestEntry(Map.Entry<String, Integer> e) { return size() > 10_000; }
    });

    Admission(PoolContext ctx, ModelRings rings, Leases leases) {
        this.ctx = ctx;
        this.rings = rings;
        this.leases = leases;
    }

    Lease acquire(AcquireOptions o) {
        ModelRing ring = rings.ring(o.model());
        KeyEntry pinned = null;
        if (o.pinnedKey() != null) {
            pinned = ctx.find(o.pinnedKey());
            if (pinned.flag.disabled()) throw new InvalidKeyException(ctx.provider(), pinned.key.fingerprint(), pinned.flag.disabledReason());
        }
        long now = ctx.time.now();
        leases.sweepIfDue(now);
        long waitMillis = Saturating.millis(o.waitTimeout());
        long deadline = Saturating.add(now, waitMillis);
        // how long a state store that waits for the network may take to answer a reservation
        long until = o.timeout() != null ? Saturating.add(now, Saturating.millis(o.timeout()))
                : waitMillis > 0 ? deadline : Long.MAX_VALUE;
        try {
            return acquire(o, ring, pinned, now, waitMillis, deadline, until);
        } catch (PoolStateStore.Unanswered e) {
            throw new NoAvailableKeyException(ctx.provider(), ring.model, ctx.keys.length, 0, 0, 0, null,
                    "the deadline passed while the shared pool state had not answered (" + e.getMessage() + ")");
        }
    }

    private Lease acquire(AcquireOptions o, ModelRing ring, KeyEntry pinned, long now, long waitMillis, long deadline, long until) {
        if (ring.waiters.isEmpty()) {
            Lease l = tryOnce(ring, o, pinned, now, until);
            if (l != null) return l;
        }
        Blocked b = blocked(ring, o, pinned, now);
        if (waitMillis == 0 || b.retryAt == Long.MAX_VALUE || b.retryAt > deadline) {
            throw reject(ring, b, now);
        }
        Waiter me = new Waiter.OfThread(Thread.currentThread());
        ring.waiters.addLast(me);
        long started = now;
        try {
            while (true) {
                now = ctx.time.now();
                if (ring.waiters.peekFirst() == me) {
                    Lease l = tryOnce(ring, o, pinned, now, until);
                    if (l != null) {
                        emitWaited(ring, started, now, true);
                        return l;
                    }
                    b = blocked(ring, o, pinned, now);
                    if (b.retryAt == Long.MAX_VALUE || b.retryAt > deadline || now >= deadline) {
                        emitWaited(ring, started, now, false);
                        throw reject(ring, b, now);
                    }
                    ctx.time.parkUntil(Math.min(b.retryAt, deadline));
                } else {
                    if (now >= deadline) {
                        emitWaited(ring, started, now, false);
                        throw reject(ring, blocked(ring, o, pinned, now), now);
                    }
                    ctx.time.parkUntil(deadline);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NoAvailableKeyException(ctx.provider(), ring.model, ctx.keys.length, 0, 0, 0, null, "interrupted while waiting");
        } finally {
            ring.waiters.remove(me);
            Waiter next = ring.waiters.peekFirst();
            if (next != null) next.wake(ctx.clock);
        }
    }

    /**
     * One try of a non-blocking call that may wait until {@code deadline} (engine time), in its turn
     * among every waiter of the model, blocking ones included: it tries only when no one waits or it
     * is first in line. When it cannot have a key yet it joins the queue (once) and learns in
     * {@link Turn#retryAt} when to try again: the first in line when the earliest key frees up, the
     * others at their deadline, unless they are woken sooner ({@link Waiter#wake}) by the one before
     * them leaving or by capacity coming back.
     *
     * @return the lease, or null when the call waits in the queue
     * @throws NoAvailableKeyException no key before the deadline (the call has left the queue)
     */
    Lease acquireInTurn(AcquireOptions o, Turn turn, long deadline) {
        ModelRing ring = rings.ring(o.model());
        KeyEntry pinned = null;
        if (o.pinnedKey() != null) {
            pinned = ctx.find(o.pinnedKey());
            if (pinned.flag.disabled()) {
                leave(ring, turn, ctx.time.now(), false);
                throw new InvalidKeyException(ctx.provider(), pinned.key.fingerprint(), pinned.flag.disabledReason());
            }
        }
        long now = ctx.time.now();
        leases.sweepIfDue(now);
        long until = o.timeout() != null ? Saturating.add(now, Saturating.millis(o.timeout())) : deadline;
        try {
            Waiter first = ring.waiters.peekFirst();
            if (now < deadline && (first == null || first == turn)) {
                Lease l = tryOnce(ring, o, pinned, now, until);
                if (l != null) {
                    leave(ring, turn, now, true);
                    return l;
                }
            }
            Blocked b = blocked(ring, o, pinned, now);
            if (b.retryAt == Long.MAX_VALUE || b.retryAt >= deadline || now >= deadline) {
                leave(ring, turn, now, false);
                throw reject(ring, b, now);
            }
            if (turn.enter()) {
                turn.since = now;
                ring.waiters.addLast(turn);
            }
            turn.retryAt = ring.waiters.peekFirst() != turn ? deadline
                    : b.retryAt > now ? b.retryAt : now + AsyncCallLoop.REQUEUE_MILLIS; // free but raced: look again soon
            return null;
        } catch (PoolStateStore.Unanswered e) {
            leave(ring, turn, now, false);
            throw new NoAvailableKeyException(ctx.provider(), ring.model, ctx.keys.length, 0, 0, 0, null,
                    "the deadline passed while the shared pool state had not answered (" + e.getMessage() + ")");
        }
    }

    /** Takes {@code w} out of the model's queue if it is in it, and wakes the next in line. */
    void leave(String model, Waiter w) { leave(rings.ring(model), w, ctx.time.now(), false); }

    private void leave(ModelRing ring, Waiter w, long now, boolean served) {
        if (!w.leave()) return;
        ring.waiters.remove(w);
        emitWaited(ring, w.since, now, served);
        Waiter next = ring.waiters.peekFirst();
        if (next != null) next.wake(ctx.clock);
    }

    /** A non-blocking call's place in the queue; {@link #retryAt} is set by {@link #acquireInTurn}. */
    abstract static class Turn extends Waiter {
        volatile long retryAt;
    }

    /** What the pool can offer a call of {@code model} reserving {@code tokens} now. */
    io.keycycle.core.PoolAvailability availability(String model, long tokens) {
        long now = ctx.time.now();
        Blocked b = blocked(rings.ring(model), AcquireOptions.of(model, tokens), null, now);
        return new io.keycycle.core.PoolAvailability(b.retryAt == Long.MAX_VALUE ? null : ctx.time.instant(Math.max(now, b.retryAt)),
                ctx.keys.length, b.cooling, b.parked, b.disabled);
    }

    /** Earliest instant at which a call of {@code model} reserving {@code tokens} is admissible (null: never). */
    Instant nextAdmissible(String model, long tokens) {
        long now = ctx.time.now();
        Blocked b = blocked(rings.ring(model), AcquireOptions.of(model, tokens), null, now);
        return b.retryAt == Long.MAX_VALUE ? null : ctx.time.instant(Math.max(now, b.retryAt));
    }

    private Lease tryOnce(ModelRing ring, AcquireOptions o, KeyEntry pinned, long now, long until) {
        PoolStateStore.ModelFlag ms = ring.state;
        if (ms.unavailableAt(now) || now < ms.backoffUntil()) return null;
        long tokens = o.estimatedTokens();
        if (pinned != null) return tryKey(ring, pinned.position, tokens, now, until);
        java.util.Set<String> tried = o.tried();
        String session = o.sessionId();
        int n = ctx.keys.length;
        int start;
        if (session != null && n > 0) {
            // the key the session went to last, else its home key: the same in every process
            Integer last = affinity.get(session);
            int home = homeKey(session, n);
            if (last != null && !tried.contains(ctx.keys[last].key.fingerprint())) {
                Lease l = tryKey(ring, last, tokens, now, until);
                if (l != null) return l;
            }
            if ((last == null || last != home) && eligible(ring, home, now, tried)) {
                Lease l = tryKey(ring, home, tokens, now, until);
                if (l != null) {
                    affinity.put(session, home);
                    return l;
                }
            }
            start = home + 1 == n ? 0 : home + 1;
        } else {
            if (n == 0) return null;
            start = ctx.selection == Selection.FIRST_FIT ? 0 : Math.floorMod(ring.cursor.getAndIncrement(), n);
        }
        Lease l = scan(ring, start, tokens, now, until, tried);
        // the keys this call tried already serve only when no other key can take it
        if (l == null && !tried.isEmpty()) l = scan(ring, start, tokens, now, until, java.util.Set.of());
        if (l != null && session != null) affinity.put(session, l.entry.position);
        return l;
    }

    /**
     * The key a session's search starts at, in a ring of {@code n} keys: a 64-bit hash of the
     * session id's UTF-8 bytes (FNV-1a, then a finalising mix so that ids differing in their last
     * character spread over the keys too) modulo {@code n}. It depends on nothing but the id and
     * {@code n}, so every process (another gateway, the same one after a restart) sends a session's
     * first call to the same position; a position names the same key wherever the keys were loaded
     * alike, because a ring's keys are in the order of the provider's loaded key list
     * ({@code <P>_API_KEY_1}, {@code _2}, …, or the list given to the builder), not in an order of
     * this process's making.
     */
    static int homeKey(String session, int n) {
        long h = 0xcbf29ce484222325L;
        for (byte b : session.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return (int) Long.remainderUnsigned(h, n);
    }

    private Lease scan(ModelRing ring, int start, long tokens, long now, long until, java.util.Set<String> tried) {
        return ctx.selection == Selection.HEADROOM ? scanHeadroom(ring, start, tokens, now, until, tried)
                : scanFirst(ring, start, tokens, now, until, tried);
    }

    private Lease scanFirst(ModelRing ring, int start, long tokens, long now, long until, java.util.Set<String> tried) {
        int n = ctx.keys.length;
        for (int k = 0; k < n; k++) {
            int i = start + k;
            if (i >= n) i -= n;
            if (!eligible(ring, i, now, tried)) continue;
            Lease l = tryKey(ring, i, tokens, now, until);
            if (l != null) return l;
        }
        return null;
    }

    /**
     * Best of the next two eligible candidates (in rotation order) by headroom; a candidate that
     * cannot take the call is skipped. Looks at most {@value #HEADROOM_LOOKAHEAD} positions past the
     * first candidate for the second, so the cost does not grow with the number of keys.
     */
    private Lease scanHeadroom(ModelRing ring, int start, long tokens, long now, long until, java.util.Set<String> tried) {
        int n = ctx.keys.length;
        int first = -1, firstK = 0;
        double firstRoom = 0;
        for (int k = 0; k < n; k++) {
            int i = start + k;
            if (i >= n) i -= n;
            if (first >= 0 && k - firstK > HEADROOM_LOOKAHEAD) break;
            if (!eligible(ring, i, now, tried)) continue;
            PoolStateStore.Bucket b = ring.buckets[i];
            double room = b.headroom(now, tokens);
            if (room < 0) {
                Lease l = tryKey(ring, i, tokens, now, until); // raced with another thread; this also sets the hint
                if (l != null) return l;
                continue;
            }
            if (first < 0) {
                first = i;
                firstK = k;
                firstRoom = room;
                continue;
            }
            if (b == ring.buckets[first]) continue; // same scope: same headroom
            int best = room > firstRoom ? i : first, other = best == i ? first : i;
            Lease l = tryKey(ring, best, tokens, now, until);
            if (l == null) l = tryKey(ring, other, tokens, now, until);
            if (l != null) return l;
            first = -1;
        }
        if (first >= 0) {
            Lease l = tryKey(ring, first, tokens, now, until);
            if (l != null) return l;
            // raced: fall back to a plain scan after the first candidate
            return scanFirst(ring, (first + 1) % n, tokens, now, until, tried);
        }
        return null;
    }

    private boolean eligible(ModelRing ring, int i, long now, java.util.Set<String> tried) {
        KeyEntry e = ctx.keys[i];
        if (e.flag.disabled()) return false;
        if (!tried.isEmpty() && tried.contains(e.key.fingerprint())) return false;
        if (now < ring.buckets[i].blockedHint() || ring.ownHeld(i, now)) return false;
        return now >= e.scope.blockedUntil();
    }

    private Lease tryKey(ModelRing ring, int i, long tokens, long now, long until) {
        KeyEntry e = ctx.keys[i];
        if (e.flag.disabled()) return null;
        if (now < e.scope.blockedUntil() || ring.ownHeld(i, now)) return null;
        PoolStateStore.Bucket b = ring.buckets[i];
        long id = leases.nextId();
        long expires = Saturating.add(now, Saturating.millis(ctx.policy.leaseTimeout()));
        long at = b.tryReserve(now, tokens, id, expires, until);
        if (at == PoolStateStore.REFUSED) {
            b.hintBlockedUntil(b.admissibleAt(now, 0));
            return null;
        }
        Lease l = new Lease(leases, id, e, b, ring, at, tokens, Saturating.add(at, Saturating.millis(ctx.policy.leaseTimeout())));
        leases.opened(l);
        if (ctx.hasListeners()) {
            ctx.emit(new KeycycleEvent.Admitted(ctx.time.instant(at), ctx.provider(), e.key.scope(), e.key.fingerprint(),
                    ring.model, tokens, id));
        }
        return l;
    }

    /**
     * Why nothing is admissible, and when the earliest key will be. {@code neverFits}: the request's tokens alone are above a token limit of every usable key (no
     * wait can help); {@code modelGone}: the model is unavailable (the provider said it is gone)
     * until {@code recheckAt} (engine time).
     */
    private record Blocked(long retryAt, int cooling, int parked, int disabled, String why, boolean neverFits, boolean modelGone,
                           long recheckAt) {
        Blocked(long retryAt, int cooling, int parked, int disabled, String why) {
            this(retryAt, cooling, parked, disabled, why, false, false, 0);
        }
    }

    private Blocked blocked(ModelRing ring, AcquireOptions o, KeyEntry pinned, long now) {
        PoolStateStore.ModelFlag ms = ring.state;
        if (ms.unavailableAt(now)) {
            return new Blocked(Long.MAX_VALUE, 0, 0, 0, "model " + ring.model + " is unavailable: " + ms.unavailableReason()
                    + " (re-checked at " + ctx.time.instant(ms.recheckAt()) + ")", false, true, ms.recheckAt());
        }
        long tokens = o.estimatedTokens();
        long earliest = Long.MAX_VALUE;
        int cooling = 0, parked = 0, disabled = 0, tooBig = 0, tokensTooBig = 0;
        String parkedWhy = null;
        KeyEntry[] keys = ctx.keys;
        int from = pinned == null ? 0 : pinned.position, to = pinned == null ? keys.length : pinned.position + 1;
        for (int i = from; i < to; i++) {
            KeyEntry e = keys[i];
            if (e.flag.disabled()) { disabled++; continue; }
            PoolStateStore.Bucket b = ring.buckets[i];
            PoolStateStore.Hold s = e.scope, h = b.hold();
            if (ring.ownHeld(i, now)) h = ring.own[i].hold(); // the model's own cap holds it
            long at = b.admissibleAt(now, tokens);
            if (at == Long.MAX_VALUE) {
                tooBig++;
                // the tokens, not a request limit of 0: the same key would take a smaller request
                if (tokens > 0 && b.admissibleAt(now, 0) != Long.MAX_VALUE) tokensTooBig++;
            }
            if (now < h.parkedUntil()) {
                parked++;
                if (parkedWhy == null) parkedWhy = h.parkedReason();
            } else if (now < s.parkedUntil()) {
                parked++;
                if (parkedWhy == null) parkedWhy = s.parkedReason();
            }
            else if (now < s.coolingUntil() || now < h.coolingUntil()) cooling++;
            at = Math.max(at, Math.max(s.blockedUntil(), h.blockedUntil()));
            earliest = Math.min(earliest, at);
        }
        long backoff = ms.backoffUntil();
        if (earliest != Long.MAX_VALUE && now < backoff) earliest = Math.max(earliest, backoff);
        String why;
        int considered = to - from;
        if (considered == 0) why = "the pool has no keys";
        else if (disabled == considered) why = "every key is disabled";
        else if (tooBig > 0 && earliest == Long.MAX_VALUE) {
            why = "the estimate of " + tokens + " tokens exceeds a token limit of every usable key";
            if (tokensTooBig > 0) {
                return new Blocked(earliest, cooling, parked, disabled, why + ", so it can never be admitted: lower the completion "
                        + "limit (max_tokens / max_completion_tokens; without one the call spec's default budget is reserved) or "
                        + "shorten the prompt", true, false, 0);
            }
        } else if (now < backoff) why = "the provider is overloaded or failing for this model (backing off)";
        // the first parked key's reason says which quota (and a tier without quota, Gemini's limit 0)
        else if (parked > 0 && parked + disabled == considered) why = parkedWhy != null && !parkedWhy.isBlank() ? parkedWhy : "daily quota exhausted";
        else if (cooling > 0 && cooling + parked + disabled == considered) why = "rate-limited (cooling down)";
        else why = "every usable key is at its limits";
        return new Blocked(earliest, cooling, parked, disabled, why);
    }

    private NoAvailableKeyException reject(ModelRing ring, Blocked b, long now) {
        Instant retryAt = b.retryAt == Long.MAX_VALUE ? null : ctx.time.instant(Math.max(b.retryAt, now));
        if (ctx.hasListeners()) {
            ctx.emit(new KeycycleEvent.Rejected(ctx.time.instant(now), ctx.provider(), ring.model, retryAt, b.why));
        }
        if (b.modelGone) {
            return new io.keycycle.core.ModelUnavailableException(ctx.provider(), ring.model, ctx.keys.length,
                    ctx.time.instant(b.recheckAt), b.why);
        }
        if (b.neverFits) {
            return new io.keycycle.core.RequestNeverFitsException(ctx.provider(), ring.model, ctx.keys.length, b.cooling, b.parked,
                    b.disabled, b.why);
        }
        return new NoAvailableKeyException(ctx.provider(), ring.model, ctx.keys.length, b.cooling, b.parked, b.disabled, retryAt, b.why);
    }

    private void emitWaited(ModelRing ring, long started, long now, boolean served) {
        if (ctx.hasListeners()) {
            ctx.emit(new KeycycleEvent.Waited(ctx.time.instant(now), ctx.provider(), ring.model, now - started, served));
        }
    }
}
