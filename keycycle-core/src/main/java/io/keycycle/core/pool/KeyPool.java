package io.keycycle.core.pool;

import io.keycycle.core.ApiKey;
import io.keycycle.core.ConfigurationException;
import io.keycycle.core.EngineClock;
import io.keycycle.core.EngineRestorer;
import io.keycycle.core.InvalidKeyException;
import io.keycycle.core.KeyNotFoundException;
import io.keycycle.core.KeyState;
import io.keycycle.core.KeycycleEvent;
import io.keycycle.core.KeycycleListener;
import io.keycycle.core.Limits;
import io.keycycle.core.LimitResolver;
import io.keycycle.core.NoAvailableKeyException;
import io.keycycle.core.Outcome;
import io.keycycle.core.OutcomeKind;
import io.keycycle.core.ProviderProfile;
import io.keycycle.core.ProviderSpec;
import io.keycycle.core.ResolvedLimits;
import io.keycycle.core.Strategy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The keys of one provider and everything the engine knows about them: the counters of each
 * quota scope, cooldowns, parking, disabled keys and unavailable models. It admits calls
 * ({@link #acquire}), settles them ({@link Lease}), runs caller functions with rotation
 * ({@link #call}) and publishes every decision as a {@link KeycycleEvent}.
 *
 * <p>Thread-safe. Admission costs O(1) in the number of keys when keys have room: candidates are
 * visited in rotation order and the first (or best of two) admissible one is reserved under its
 * bucket's monitor. The slow path (every key blocked) scans all keys once to compute when the
 * earliest one frees up.
 */
public final class KeyPool implements EngineRestorer {

    static final String ALL_MODELS = "*";
    private static final int HEADROOM_LOOKAHEAD = 4;

    private final ProviderSpec spec;
    private final ProviderProfile profile;
    private final LimitResolver resolver;
    private final EngineClock clock;
    private final Selection selection;
    private final PoolPolicy policy;
    private final KeyEntry[] keys;
    private final Map<String, KeyEntry> byFingerprint;
    private final ConcurrentHashMap<String, ModelRing> rings = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<BucketKey, QuotaBucket> buckets = new ConcurrentHashMap<>();
    /** One Limits instance per distinct value: thousands of buckets usually share a handful. */
    private final ConcurrentHashMap<Limits, Limits> limitValues = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, ScopeState> scopes = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Long, Lease> open = new ConcurrentHashMap<>();
    private final AtomicLong leaseIds = new AtomicLong();
    private final AtomicLong nextSweep = new AtomicLong();
    private volatile ClockTimer timer;
    private final CopyOnWriteArrayList<KeycycleListener> listeners = new CopyOnWriteArrayList<>();
    private final OutcomeEffects effects;
    private final Map<String, Integer> affinity = Collections.synchronizedMap(new LinkedHashMap<>(64, 0.75f, true) {
        @Override protected boolean removeEldestEntry(Map.Entry<String, Integer> e) { return size() > 10_000; }
    });

    private KeyPool(Builder b) {
        this.spec = b.spec;
        this.profile = b.profile;
        this.resolver = b.resolver;
        this.clock = b.clock;
        this.selection = b.selection;
        this.policy = b.policy;
        this.keys = new KeyEntry[b.keys.size()];
        Map<String, KeyEntry> fp = new HashMap<>();
        for (int i = 0; i < keys.length; i++) {
            ApiKey k = b.keys.get(i);
            if (!k.provider().equals(spec.name())) {
                throw new ConfigurationException("key " + k + " belongs to " + k.provider() + ", not " + spec.name());
            }
            keys[i] = new KeyEntry(k, i, scopes.computeIfAbsent(k.scope(), ScopeState::new));
            if (fp.putIfAbsent(k.fingerprint(), keys[i]) != null) {
                throw new ConfigurationException("duplicate key " + k.fingerprint() + " for provider " + spec.name());
            }
        }
        this.byFingerprint = Map.copyOf(fp);
        this.effects = new OutcomeEffects(spec, policy, keys, scopes, this::emit, () -> !listeners.isEmpty());
        listeners.addAll(b.listeners);
    }

    public static Builder builder(ProviderSpec spec) { return new Builder(spec); }

    public String provider() { return spec.name(); }

    public ProviderSpec spec() { return spec; }

    public ProviderProfile profile() { return profile; }

    public EngineClock clock() { return clock; }

    public int size() { return keys.length; }

    /** The keys in configuration order. */
    public List<ApiKey> keys() {
        List<ApiKey> l = new ArrayList<>(keys.length);
        for (KeyEntry e : keys) l.add(e.key);
        return l;
    }

    public void addListener(KeycycleListener l) { listeners.add(Objects.requireNonNull(l)); }

    public void removeListener(KeycycleListener l) { listeners.remove(l); }

    // ------------------------------------------------------------------ admission

    /** Fail-fast admission of one call of {@code model} reserving {@code estimatedTokens}. */
    public Lease acquire(String model, long estimatedTokens) {
        return acquire(AcquireOptions.of(model, estimatedTokens));
    }

    /**
     * Admits one call: reserves a request and the estimated tokens on a key whose scope has room
     * in every window. Waits up to {@code waitTimeout} (FIFO among waiters, woken at the computed
     * instant or when capacity is given back), else throws {@link NoAvailableKeyException}.
     *
     * @throws KeyNotFoundException   a pinned key is not in the pool
     * @throws InvalidKeyException    a pinned key is disabled
     * @throws ConfigurationException the model is unknown to the catalog
     */
    public Lease acquire(AcquireOptions o) {
        ModelRing ring = ring(o.model());
        KeyEntry pinned = null;
        if (o.pinnedKey() != null) {
            pinned = find(o.pinnedKey());
            if (pinned.disabled) throw new InvalidKeyException(spec.name(), pinned.key.fingerprint(), pinned.disabledReason);
        }
        long now = clock.millis();
        sweepIfDue(now);
        if (ring.waiters.isEmpty()) {
            Lease l = tryOnce(ring, o, pinned, now);
            if (l != null) return l;
        }
        long waitMillis = saturatedMillis(o.waitTimeout());
        long deadline = saturatedAdd(now, waitMillis);
        Blocked b = blocked(ring, o, pinned, now);
        if (waitMillis == 0 || b.retryAt == Long.MAX_VALUE || b.retryAt > deadline) {
            throw reject(ring, b, now);
        }
        Thread me = Thread.currentThread();
        ring.waiters.addLast(me);
        long started = now;
        try {
            while (true) {
                now = clock.millis();
                if (ring.waiters.peekFirst() == me) {
                    Lease l = tryOnce(ring, o, pinned, now);
                    if (l != null) {
                        emitWaited(ring, started, now, true);
                        return l;
                    }
                    b = blocked(ring, o, pinned, now);
                    if (b.retryAt == Long.MAX_VALUE || b.retryAt > deadline || now >= deadline) {
                        emitWaited(ring, started, now, false);
                        throw reject(ring, b, now);
                    }
                    clock.parkUntil(Math.min(b.retryAt, deadline));
                } else {
                    if (now >= deadline) {
                        emitWaited(ring, started, now, false);
                        throw reject(ring, blocked(ring, o, pinned, now), now);
                    }
                    clock.parkUntil(deadline);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NoAvailableKeyException(spec.name(), ring.model, keys.length, 0, 0, 0, null, "interrupted while waiting");
        } finally {
            ring.waiters.remove(me);
            Thread next = ring.waiters.peekFirst();
            if (next != null) clock.wake(next);
        }
    }

    private Lease tryOnce(ModelRing ring, AcquireOptions o, KeyEntry pinned, long now) {
        ModelState ms = ring.state;
        if (ms.unavailable || now < ms.backoffUntil) return null;
        long tokens = o.estimatedTokens();
        if (pinned != null) return tryKey(ring, pinned.position, tokens, now);
        String session = o.sessionId();
        if (session != null) {
            Integer pos = affinity.get(session);
            if (pos != null) {
                Lease l = tryKey(ring, pos, tokens, now);
                if (l != null) return l;
            }
        }
        int n = keys.length;
        if (n == 0) return null;
        int start = selection == Selection.FIRST_FIT ? 0 : Math.floorMod(ring.cursor.getAndIncrement(), n);
        Lease l = selection == Selection.HEADROOM ? scanHeadroom(ring, start, tokens, now) : scanFirst(ring, start, tokens, now);
        if (l != null && session != null) affinity.put(session, l.entry.position);
        return l;
    }

    private Lease scanFirst(ModelRing ring, int start, long tokens, long now) {
        int n = keys.length;
        for (int k = 0; k < n; k++) {
            int i = start + k;
            if (i >= n) i -= n;
            if (!eligible(ring, i, now)) continue;
            Lease l = tryKey(ring, i, tokens, now);
            if (l != null) return l;
        }
        return null;
    }

    /**
     * Best of the next two eligible candidates (in rotation order) by headroom; a candidate that
     * cannot take the call is skipped. Looks at most {@value #HEADROOM_LOOKAHEAD} positions past the
     * first candidate for the second, so the cost does not grow with the number of keys.
     */
    private Lease scanHeadroom(ModelRing ring, int start, long tokens, long now) {
        int n = keys.length;
        int first = -1, firstK = 0;
        double firstRoom = 0;
        for (int k = 0; k < n; k++) {
            int i = start + k;
            if (i >= n) i -= n;
            if (first >= 0 && k - firstK > HEADROOM_LOOKAHEAD) break;
            if (!eligible(ring, i, now)) continue;
            QuotaBucket b = ring.buckets[i];
            double room = b.headroom(now, tokens);
            if (room < 0) {
                Lease l = tryKey(ring, i, tokens, now); // raced with another thread; this also sets the hint
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
            Lease l = tryKey(ring, best, tokens, now);
            if (l == null) l = tryKey(ring, other, tokens, now);
            if (l != null) return l;
            first = -1;
        }
        if (first >= 0) {
            Lease l = tryKey(ring, first, tokens, now);
            if (l != null) return l;
            // raced: fall back to a plain scan after the first candidate
            return scanFirst(ring, (first + 1) % n, tokens, now);
        }
        return null;
    }

    private boolean eligible(ModelRing ring, int i, long now) {
        KeyEntry e = keys[i];
        if (e.disabled) return false;
        QuotaBucket b = ring.buckets[i];
        if (now < b.blockedHint) return false;
        return now >= e.scope.blockedUntil();
    }

    private Lease tryKey(ModelRing ring, int i, long tokens, long now) {
        KeyEntry e = keys[i];
        if (e.disabled) return null;
        if (now < e.scope.blockedUntil()) return null;
        QuotaBucket b = ring.buckets[i];
        long at = b.tryReserve(now, tokens);
        if (at == QuotaBucket.REFUSED) {
            b.blockedHint = b.admissibleAt(now, 0);
            return null;
        }
        now = at;
        long id = leaseIds.incrementAndGet();
        Lease l = new Lease(this, id, e, b, ring, now, tokens, saturatedAdd(now, saturatedMillis(policy.leaseTimeout())));
        open.put(id, l);
        if (!listeners.isEmpty()) {
            emit(new KeycycleEvent.Admitted(Instant.ofEpochMilli(now), spec.name(), e.key.scope(), e.key.fingerprint(),
                    ring.model, tokens, id));
        }
        return l;
    }

    /** Why nothing is admissible, and when the earliest key will be. */
    private record Blocked(long retryAt, int cooling, int parked, int disabled, String why) { }

    private Blocked blocked(ModelRing ring, AcquireOptions o, KeyEntry pinned, long now) {
        ModelState ms = ring.state;
        if (ms.unavailable) {
            return new Blocked(Long.MAX_VALUE, 0, 0, 0, "model " + ring.model + " is unavailable: " + ms.unavailableReason);
        }
        long tokens = o.estimatedTokens();
        long earliest = Long.MAX_VALUE;
        int cooling = 0, parked = 0, disabled = 0, tooBig = 0;
        int from = pinned == null ? 0 : pinned.position, to = pinned == null ? keys.length : pinned.position + 1;
        for (int i = from; i < to; i++) {
            KeyEntry e = keys[i];
            if (e.disabled) { disabled++; continue; }
            QuotaBucket b = ring.buckets[i];
            ScopeState s = scopes.get(e.key.scope());
            long at = b.admissibleAt(now, tokens);
            if (at == Long.MAX_VALUE) tooBig++;
            long scopeBlock = s == null ? 0 : s.blockedUntil();
            if (s != null && now < s.parkedUntil || now < b.parkedUntil) parked++;
            else if (s != null && now < s.coolingUntil || now < b.coolingUntil) cooling++;
            at = Math.max(at, scopeBlock);
            earliest = Math.min(earliest, at);
        }
        if (earliest != Long.MAX_VALUE && now < ms.backoffUntil) earliest = Math.max(earliest, ms.backoffUntil);
        String why;
        int considered = to - from;
        if (considered == 0) why = "the pool has no keys";
        else if (disabled == considered) why = "every key is disabled";
        else if (tooBig > 0 && earliest == Long.MAX_VALUE) {
            why = "the estimate of " + tokens + " tokens exceeds a token limit of every usable key";
        } else if (now < ms.backoffUntil) why = "the provider is overloaded for this model (backing off)";
        else if (parked > 0 && parked + disabled == considered) why = "daily quota exhausted";
        else if (cooling > 0 && cooling + parked + disabled == considered) why = "rate-limited (cooling down)";
        else why = "every usable key is at its limits";
        return new Blocked(earliest, cooling, parked, disabled, why);
    }

    private NoAvailableKeyException reject(ModelRing ring, Blocked b, long now) {
        Instant retryAt = b.retryAt == Long.MAX_VALUE ? null : Instant.ofEpochMilli(Math.max(b.retryAt, now));
        if (!listeners.isEmpty()) {
            emit(new KeycycleEvent.Rejected(Instant.ofEpochMilli(now), spec.name(), ring.model, retryAt, b.why));
        }
        return new NoAvailableKeyException(spec.name(), ring.model, keys.length, b.cooling, b.parked, b.disabled, retryAt, b.why);
    }

    private void emitWaited(ModelRing ring, long started, long now, boolean served) {
        if (!listeners.isEmpty()) {
            emit(new KeycycleEvent.Waited(Instant.ofEpochMilli(now), spec.name(), ring.model, now - started, served));
        }
    }

    /** Earliest instant at which a call of {@code model} reserving {@code tokens} is admissible (null: never). */
    public Instant nextAdmissible(String model, long tokens) {
        long now = clock.millis();
        Blocked b = blocked(ring(model), AcquireOptions.of(model, tokens), null, now);
        return b.retryAt == Long.MAX_VALUE ? null : Instant.ofEpochMilli(Math.max(now, b.retryAt));
    }

    // ------------------------------------------------------------------ settlement (effects: OutcomeEffects)

    boolean settle(Lease l, Outcome o) {
        if (!l.state.compareAndSet(Lease.OPEN, Lease.SETTLED)) return lateUsage(l, o);
        open.remove(l.id);
        long now = clock.millis();
        OutcomeKind kind = o.kind();
        boolean counted = kind.countedByProvider();
        long actual = o.usage() != null ? o.usage().charged() : kind == OutcomeKind.SUCCESS ? l.estimatedTokens : 0;
        l.bucket.settle(now, l.admittedAt, l.estimatedTokens, counted, actual);
        if (!listeners.isEmpty()) {
            ApiKey k = l.entry.key;
            long prompt = o.usage() == null ? 0 : o.usage().promptTokens();
            long completion = o.usage() == null ? 0 : o.usage().completionTokens();
            emit(new KeycycleEvent.Settled(Instant.ofEpochMilli(now), Instant.ofEpochMilli(l.admittedAt), spec.name(),
                    k.scope(), k.fingerprint(), l.ring.model, kind, o.status(), counted ? 1 : 0, prompt, completion, actual, l.id));
        }
        effects.apply(l, o, now);
        wake(l.ring);
        return true;
    }

    /** See {@link Lease#abandon(String)}: counted as sent, the estimate stays charged, no state change. */
    boolean abandon(Lease l, String why) {
        if (!l.state.compareAndSet(Lease.OPEN, Lease.ABANDONED)) return false;
        open.remove(l.id);
        long now = clock.millis();
        l.abandonedAt = l.bucket.settleAt(now, l.admittedAt, l.estimatedTokens, true, l.estimatedTokens);
        if (!listeners.isEmpty()) {
            ApiKey k = l.entry.key;
            emit(new KeycycleEvent.Settled(Instant.ofEpochMilli(now), Instant.ofEpochMilli(l.admittedAt), spec.name(),
                    k.scope(), k.fingerprint(), l.ring.model, OutcomeKind.TRANSIENT, 0, 1, 0, 0, l.estimatedTokens, l.id));
        }
        org.slf4j.LoggerFactory.getLogger(KeyPool.class).debug("lease {} abandoned ({}): request and {} estimated tokens stay counted",
                l.id, why, l.estimatedTokens);
        return true;
    }

    /** Usage reported after {@link #abandon}: it replaces the estimate that stayed charged, once. */
    private boolean lateUsage(Lease l, Outcome o) {
        if (o.kind() != OutcomeKind.SUCCESS || o.usage() == null) return false;
        if (!l.state.compareAndSet(Lease.ABANDONED, Lease.SETTLED)) return false;
        long now = clock.millis();
        long delta = o.usage().charged() - l.estimatedTokens;
        l.bucket.record(now, l.abandonedAt, 0, delta);
        if (delta < 0) {
            l.bucket.blockedHint = 0;
            wake(l.ring);
        }
        if (!listeners.isEmpty()) {
            ApiKey k = l.entry.key;
            emit(new KeycycleEvent.Settled(Instant.ofEpochMilli(now), Instant.ofEpochMilli(l.admittedAt), spec.name(),
                    k.scope(), k.fingerprint(), l.ring.model, OutcomeKind.SUCCESS, o.status(), 0,
                    o.usage().promptTokens(), o.usage().completionTokens(), delta, l.id));
        }
        return true;
    }

    private void wake(ModelRing ring) {
        Thread t = ring.waiters.peekFirst();
        if (t != null) clock.wake(t);
    }

    private void wakeAll() {
        for (ModelRing r : rings.values()) wake(r);
    }

    // ------------------------------------------------------------------ administration

    /** Disables a key (admin API); persisted through the event. */
    public void disable(String keyId, String reason) {
        effects.disable(find(keyId), "disabled by operator: " + (reason == null || reason.isBlank() ? "no reason given" : reason), clock.millis());
    }

    /** Re-enables a disabled key (admin API, or after the operator fixed billing). */
    public void enable(String keyId) {
        KeyEntry e = find(keyId);
        long now = clock.millis();
        synchronized (e) {
            if (!e.disabled) return;
            e.disabled = false;
            e.disabledReason = null;
        }
        effects.emitState(KeycycleEvent.Level.KEY, e.key.scope(), e.key.fingerprint(), ALL_MODELS, KeyState.READY, 0, "enabled by operator", now);
        wakeAll();
    }

    /** Finds a key by 1-based index or fingerprint. */
    public ApiKey key(String keyId) { return find(keyId).key; }

    private KeyEntry find(String keyId) {
        String id = keyId == null ? "" : keyId.trim();
        KeyEntry e = byFingerprint.get(id);
        if (e != null) return e;
        if (id.matches("\\d{1,9}")) {
            int idx = Integer.parseInt(id);
            for (KeyEntry k : keys) if (k.key.index() == idx) return k;
        }
        throw new KeyNotFoundException(spec.name(), id, keys.length);
    }

    /**
     * Releases the token reservations of leases that were never reported within the lease timeout
     * (the requests stay counted). Called lazily by {@link #acquire}; a host may also schedule it.
     *
     * @return how many leases expired
     */
    public int expireLeases() {
        long now = clock.millis();
        int n = 0;
        for (Lease l : open.values()) {
            if (l.expiresAt <= now && l.state.compareAndSet(Lease.OPEN, Lease.SETTLED)) {
                open.remove(l.id);
                l.bucket.releaseTokens(now, l.admittedAt, l.estimatedTokens);
                n++;
                if (!listeners.isEmpty()) {
                    ApiKey k = l.entry.key;
                    emit(new KeycycleEvent.LeaseExpired(Instant.ofEpochMilli(now), Instant.ofEpochMilli(l.admittedAt),
                            spec.name(), k.scope(), k.fingerprint(), l.ring.model, l.estimatedTokens, l.id));
                }
                wake(l.ring);
            }
        }
        return n;
    }

    /** Leases granted and not yet reported. */
    public int openLeases() { return open.size(); }

    private void sweepIfDue(long now) {
        long due = nextSweep.get();
        if (now >= due && nextSweep.compareAndSet(due, now + 1000) && !open.isEmpty()) expireLeases();
    }

    // ------------------------------------------------------------------ generic call API

    /** Runs {@code fn} with a key, rotating on failures, with default options (fail fast, 5 retries). */
    public <T> T call(String model, long estimatedTokens, KeyCall<T> fn) {
        return call(CallOptions.of(model, estimatedTokens), fn);
    }

    /**
     * Runs {@code fn} with an admitted key, classifies its result or exception through the
     * provider profile, settles the lease, and on a rotatable failure tries another key at once —
     * sleeping only when no key is admissible and {@code options.wait()} allows it — until success,
     * {@code maxRetries}, or the deadline. This is the only retry loop; delegates must not retry.
     *
     * @throws io.keycycle.core.RateLimitException out of attempts, past the deadline, or a failure
     *         rotation cannot fix (invalid request, unavailable model)
     * @throws NoAvailableKeyException no attempt could be made at all
     */
    public <T> T call(CallOptions options, KeyCall<T> fn) {
        return new CallLoop<>(this, options, fn).run();
    }

    /**
     * The non-blocking {@link #call(CallOptions, KeyCall)}: the same rotation, classification and
     * stopping rules (one implementation of them), but no thread is held while the call is in
     * flight. The next attempt starts on the thread that completed the previous one.
     *
     * <p>With {@code options.waitForKey()}, a call that finds no admissible key is retried at the
     * instant the pool computes (see {@link #nextAdmissible}) by a task on this pool's single timer
     * thread, which waits on the engine clock; it fails when that instant is past the deadline.
     * Unlike blocking waiters, such a retry is not queued FIFO, is not woken early when capacity is
     * given back, and each refused try publishes a {@code Rejected} event.
     *
     * <p>Cancelling the returned future cancels the stage in flight and releases its reservation.
     * A stage that completes with a {@link java.util.concurrent.CancellationException}, or with a
     * {@link ProviderAnswer} that says {@link ProviderAnswer#cancelled() cancelled}, releases its
     * reservation and ends the call without rotation.
     *
     * @return completes with the result, or exceptionally with
     *         {@link io.keycycle.core.RateLimitException} (attempts made, all failed or one could not be
     *         rotated), {@link NoAvailableKeyException} (no attempt could be made), or what admission threw
     *         ({@link KeyNotFoundException}, {@link InvalidKeyException}, {@link ConfigurationException})
     */
    public <T> java.util.concurrent.CompletableFuture<T> callAsync(CallOptions options, AsyncKeyCall<T> fn) {
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(fn, "fn");
        return new AsyncCallLoop<>(this, options, fn).start();
    }

    /** The timer of waits of non-blocking calls, started on first use. */
    ClockTimer timer() {
        ClockTimer t = timer;
        if (t == null) {
            synchronized (this) {
                t = timer;
                if (t == null) timer = t = new ClockTimer(clock, "keycycle-" + spec.name() + "-timer");
            }
        }
        return t;
    }

    // ------------------------------------------------------------------ snapshots

    public PoolSnapshot snapshot() {
        long now = clock.millis();
        List<PoolSnapshot.KeyView> kv = new ArrayList<>(keys.length);
        for (KeyEntry e : keys) {
            ScopeState s = scopes.get(e.key.scope());
            KeyState st = KeyState.READY;
            long until = 0;
            String reason = null;
            if (e.disabled) {
                st = KeyState.DISABLED;
                reason = e.disabledReason;
            } else if (s != null && now < s.parkedUntil) {
                st = KeyState.PARKED; until = s.parkedUntil; reason = s.parkedReason;
            } else if (s != null && now < s.coolingUntil) {
                st = KeyState.COOLING; until = s.coolingUntil; reason = s.coolingReason;
            }
            kv.add(new PoolSnapshot.KeyView(e.key.index(), e.key.fingerprint(), e.key.scope(), st,
                    until == 0 ? null : Instant.ofEpochMilli(until), reason));
        }
        List<PoolSnapshot.BucketView> bv = new ArrayList<>();
        for (QuotaBucket b : buckets.values()) {
            List<PoolSnapshot.MetricUsage> usage = new ArrayList<>();
            for (Limits.Metric m : Limits.Metric.values()) {
                long limit = b.limits.get(m);
                long used = b.used(now, m);
                if (limit != Limits.NONE || used > 0) usage.add(new PoolSnapshot.MetricUsage(m, used, limit));
            }
            KeyState st = KeyState.READY;
            long until = 0;
            String reason = null;
            synchronized (b) {
                if (now < b.parkedUntil) { st = KeyState.PARKED; until = b.parkedUntil; reason = b.parkedReason; }
                else if (now < b.coolingUntil) { st = KeyState.COOLING; until = b.coolingUntil; reason = b.coolingReason; }
            }
            bv.add(new PoolSnapshot.BucketView(b.scope, b.model, st, until == 0 ? null : Instant.ofEpochMilli(until), reason, usage));
        }
        bv.sort((a, c) -> a.scope().equals(c.scope()) ? a.model().compareTo(c.model()) : a.scope().compareTo(c.scope()));
        List<PoolSnapshot.ModelView> mv = new ArrayList<>();
        for (ModelRing r : rings.values()) {
            ModelState ms = r.state;
            mv.add(new PoolSnapshot.ModelView(r.model, ms.unavailable, ms.unavailableReason,
                    now < ms.backoffUntil ? Instant.ofEpochMilli(ms.backoffUntil) : null));
        }
        mv.sort((a, c) -> a.model().compareTo(c.model()));
        return new PoolSnapshot(spec.name(), Instant.ofEpochMilli(now), kv, bv, mv);
    }

    /** The limits in force for a (key, model), with the rule behind each one. */
    public ResolvedLimits limits(ApiKey key, String model) { return resolver.resolve(key, model); }

    // ------------------------------------------------------------------ hydration

    @Override
    public void restoreUsage(String provider, String fingerprint, String model, Instant admittedAt, long requests, long chargedTokens) {
        if (!spec.name().equals(provider)) return;
        KeyEntry e = byFingerprint.get(fingerprint);
        if (e == null) return;
        ModelRing ring;
        try {
            ring = ring(model);
        } catch (ConfigurationException unknownModel) {
            return;
        }
        long now = clock.millis();
        long at = admittedAt.toEpochMilli();
        if (at > now || at <= now - Limits.Span.DAY.millis()) return;
        ring.buckets[e.position].record(now, at, requests, chargedTokens);
    }

    @Override
    public void restoreState(KeycycleEvent.StateChanged s) {
        if (!spec.name().equals(s.provider())) return;
        long now = clock.millis();
        long until = s.until() == null ? 0 : s.until().toEpochMilli();
        String why = s.reason() == null ? "restored" : s.reason();
        switch (s.level()) {
            case KEY -> {
                KeyEntry e = s.fingerprint() == null ? null : byFingerprint.get(s.fingerprint());
                if (e == null) return;
                if (s.state() == KeyState.DISABLED) {
                    synchronized (e) {
                        e.disabledReason = why;
                        e.disabled = true;
                    }
                } else if (s.state() == KeyState.READY) {
                    e.disabled = false;
                }
            }
            case SCOPE -> {
                if (until <= now) return;
                if (ALL_MODELS.equals(s.model()) && spec.strategy() == Strategy.PER_MODEL) {
                    ScopeState ss = scopes.computeIfAbsent(s.scope(), ScopeState::new);
                    if (s.state() == KeyState.PARKED) ss.park(until, why);
                    else if (s.state() == KeyState.COOLING) ss.cool(until, why);
                } else {
                    QuotaBucket b = bucketFor(s.scope(), s.model());
                    if (b == null) return;
                    if (s.state() == KeyState.PARKED) b.park(until, why);
                    else if (s.state() == KeyState.COOLING) b.cool(until, why);
                    b.blockedHint = Math.max(b.blockedHint, until);
                }
            }
            case MODEL -> {
                ModelRing ring;
                try {
                    ring = ring(s.model());
                } catch (ConfigurationException unknownModel) {
                    return;
                }
                if (s.state() == KeyState.MODEL_UNAVAILABLE) {
                    ring.state.unavailableReason = why;
                    ring.state.unavailable = true;
                } else if (s.state() == KeyState.COOLING && until > now) {
                    synchronized (ring.state) { ring.state.backoffUntil = Math.max(ring.state.backoffUntil, until); }
                }
            }
        }
    }

    private QuotaBucket bucketFor(String scope, String model) {
        String bucketModel = spec.strategy() == Strategy.GLOBAL ? ALL_MODELS : model;
        if (spec.strategy() == Strategy.PER_MODEL) {
            try {
                ring(model);
            } catch (ConfigurationException unknownModel) {
                return null;
            }
        } else if (rings.isEmpty() && spec.defaultModel() != null) {
            ring(spec.defaultModel());
        }
        return buckets.get(new BucketKey(scope, bucketModel));
    }

    // ------------------------------------------------------------------ rings

    private ModelRing ring(String model) {
        String m = model == null || model.isBlank() ? spec.defaultModel() : model;
        if (m == null) throw new ConfigurationException("no model given and provider " + spec.name() + " has no default model");
        ModelRing r = rings.get(m);
        return r != null ? r : rings.computeIfAbsent(m, this::newRing);
    }

    private ModelRing newRing(String model) {
        KeyEntry[] ks = keys.clone();
        QuotaBucket[] bs = new QuotaBucket[ks.length];
        String bucketModel = spec.strategy() == Strategy.GLOBAL ? ALL_MODELS : model;
        for (int i = 0; i < ks.length; i++) {
            ApiKey k = ks[i].key;
            Limits limits = resolver.resolve(k, model).limits();
            Limits shared = limitValues.computeIfAbsent(limits, x -> x);
            QuotaBucket b = buckets.computeIfAbsent(new BucketKey(k.scope(), bucketModel),
                    x -> new QuotaBucket(k.scope(), bucketModel, shared, spec.dailyReset()));
            synchronized (b) {
                if (!b.limits.equals(shared)) b.limits = limitValues.computeIfAbsent(b.limits.min(shared), x -> x);
            }
            bs[i] = b;
        }
        if (ks.length == 0) resolver.resolve(null, model); // validates the model even without keys
        return new ModelRing(model, ks, bs);
    }

    /** Identity of a bucket: the scope and the model (or "*" for GLOBAL providers). Holds existing strings. */
    private record BucketKey(String scope, String model) { }

    private void emit(KeycycleEvent e) {
        for (KeycycleListener l : listeners) {
            try {
                l.onEvent(e);
            } catch (RuntimeException ex) {
                org.slf4j.LoggerFactory.getLogger(KeyPool.class).warn("listener {} failed on {}: {}", l, e.getClass().getSimpleName(), ex.toString());
            }
        }
    }

    static long saturatedMillis(Duration d) {
        try {
            return d.toMillis();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE / 4;
        }
    }

    static long saturatedAdd(long a, long b) {
        long r = a + b;
        return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
    }

    /** Builds a pool. Every setter validates at once. */
    public static final class Builder {
        private final ProviderSpec spec;
        private ProviderProfile profile;
        private LimitResolver resolver;
        private EngineClock clock = EngineClock.system();
        private Selection selection = Selection.HEADROOM;
        private PoolPolicy policy = PoolPolicy.DEFAULT;
        private final List<ApiKey> keys = new ArrayList<>();
        private final List<KeycycleListener> listeners = new ArrayList<>();

        private Builder(ProviderSpec spec) { this.spec = Objects.requireNonNull(spec, "spec"); }

        public Builder keys(List<ApiKey> ks) { ks.forEach(this::key); return this; }
        public Builder key(ApiKey k) { keys.add(Objects.requireNonNull(k, "key")); return this; }
        public Builder profile(ProviderProfile p) { this.profile = Objects.requireNonNull(p, "profile"); return this; }
        public Builder limits(LimitResolver r) { this.resolver = Objects.requireNonNull(r, "limits"); return this; }
        /** Every key and model gets the same limits (tests, simple set-ups). */
        public Builder limits(Limits l) { Objects.requireNonNull(l, "limits"); this.resolver = (k, m) -> new ResolvedLimits(l, Map.of()); return this; }
        public Builder clock(EngineClock c) { this.clock = Objects.requireNonNull(c, "clock"); return this; }
        public Builder selection(Selection s) { this.selection = Objects.requireNonNull(s, "selection"); return this; }
        public Builder policy(PoolPolicy p) { this.policy = Objects.requireNonNull(p, "policy"); return this; }
        public Builder listener(KeycycleListener l) { listeners.add(Objects.requireNonNull(l, "listener")); return this; }

        public KeyPool build() {
            if (profile == null) throw new ConfigurationException("provider " + spec.name() + ": no ProviderProfile given");
            if (resolver == null) throw new ConfigurationException("provider " + spec.name() + ": no limits given");
            return new KeyPool(this);
        }
    }
}
