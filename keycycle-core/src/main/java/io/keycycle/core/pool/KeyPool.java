package io.keycycle.core.pool;

import io.keycycle.core.ApiKey;
import io.keycycle.core.ConfigurationException;
import io.keycycle.core.EngineClock;
import io.keycycle.core.EngineRestorer;
import io.keycycle.core.EngineTime;
import io.keycycle.core.InvalidKeyException;
import io.keycycle.core.KeyNotFoundException;
import io.keycycle.core.KeycycleEvent;
import io.keycycle.core.KeycycleListener;
import io.keycycle.core.LimitResolver;
import io.keycycle.core.Limits;
import io.keycycle.core.NoAvailableKeyException;
import io.keycycle.core.ProviderProfile;
import io.keycycle.core.ProviderSpec;
import io.keycycle.core.ResolvedLimits;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * The keys of one provider and the front of everything the engine does with them. Each job has its
 * own class: {@link Admission} (admission and waiting), {@link Leases} (settlement, abandonment,
 * expiry) with {@link OutcomeEffects} (the outcome state machine), {@link PoolAdmin}
 * (administration), {@link CallLoop}/{@link AsyncCallLoop} (the call API), {@link PoolSnapshots},
 * {@link PoolHydration} and {@link ModelRings}. The state itself — windows, reservations, holds,
 * flags, learned limits — lives in a {@link PoolStateStore}: in this process by default, or shared
 * between processes. Every decision is published as a {@link KeycycleEvent}.
 *
 * <p>Thread-safe. Admission costs O(1) in the number of keys when keys have room.
 */
public final class KeyPool implements EngineRestorer {

    static final String ALL_MODELS = ModelRings.ALL_MODELS;

    private final PoolContext ctx;
    private final ModelRings rings;
    private final Leases leases;
    private final Admission admission;
    private final PoolAdmin admin;
    private final PoolSnapshots snapshots;
    private final PoolHydration hydration;
    private final PoolStateStore.Listener remoteChanges;
    private volatile ClockTimer timer;
    private volatile boolean closed;

    private KeyPool(Builder b) {
        this.ctx = new PoolContext(b.spec, b.profile, b.resolver, b.clock, b.selection, b.policy,
                b.store != null ? b.store : PoolStateStore.local(), b.keys, b.listeners);
        this.rings = new ModelRings(ctx);
        OutcomeEffects effects = new OutcomeEffects(ctx, rings);
        this.leases = new Leases(ctx, rings, effects);
        this.admission = new Admission(ctx, rings, leases);
        this.admin = new PoolAdmin(ctx, rings, effects);
        this.snapshots = new PoolSnapshots(ctx, rings);
        this.hydration = new PoolHydration(ctx, rings);
        this.remoteChanges = (provider, model) -> {
            if (!ctx.provider().equals(provider)) return;
            ModelRing r = model == null ? null : rings.ringOrNull(model);
            if (r != null) rings.wake(r);
            else rings.wakeAll();
        };
        ctx.store.addListener(remoteChanges);
    }

    public static Builder builder(ProviderSpec spec) { return new Builder(spec); }

    public String provider() { return ctx.provider(); }

    public ProviderSpec spec() { return ctx.spec; }

    public ProviderProfile profile() { return ctx.profile; }

    public EngineClock clock() { return ctx.clock; }

    /** Engine time of this pool: the monotonic timeline its windows, cooldowns and deadlines run on. */
    EngineTime time() { return ctx.time; }

    /** Where this pool keeps its windows and states. */
    public PoolStateStore stateStore() { return ctx.store; }

    public int size() { return ctx.keys.length; }

    /** The keys in configuration order. */
    public List<ApiKey> keys() {
        List<ApiKey> l = new ArrayList<>(ctx.keys.length);
        for (KeyEntry e : ctx.keys) l.add(e.key);
        return l;
    }

    public void addListener(KeycycleListener l) { ctx.addListener(Objects.requireNonNull(l)); }

    public void removeListener(KeycycleListener l) { ctx.removeListener(l); }

    // ------------------------------------------------------------------ admission (Admission)

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
    public Lease acquire(AcquireOptions o) { return admission.acquire(o); }

    /** A non-blocking call's try in its turn among the model's waiters ({@link Admission#acquireInTurn}). */
    Lease acquireInTurn(AcquireOptions o, Admission.Turn turn, long deadline) { return admission.acquireInTurn(o, turn, deadline); }

    /** Takes a non-blocking call out of the model's queue of waiters (it gave up), waking the next in line. */
    void leaveQueue(String model, Waiter w) { admission.leave(model, w); }

    /** What this pool can offer a call of {@code model} reserving {@code tokens} now: earliest instant and key counts. */
    public io.keycycle.core.PoolAvailability availability(String model, long tokens) { return admission.availability(model, tokens); }

    /** Earliest instant at which a call of {@code model} reserving {@code tokens} is admissible (null: never). */
    public Instant nextAdmissible(String model, long tokens) { return admission.nextAdmissible(model, tokens); }

    // ------------------------------------------------------------------ settlement (Leases)

    /**
     * Releases the token reservations of leases that were never reported within the lease timeout
     * (the requests stay counted). Called lazily by {@link #acquire}; a host may also schedule it.
     *
     * @return how many leases expired
     */
    public int expireLeases() { return leases.expire(); }

    /** Leases granted and not yet reported. */
    public int openLeases() { return leases.openCount(); }

    // ------------------------------------------------------------------ administration (PoolAdmin)

    /** Disables a key (admin API); persisted through the event. */
    public void disable(String keyId, String reason) { admin.disable(keyId, reason); }

    /** Re-enables a disabled key (admin API, or after the operator fixed billing). */
    public void enable(String keyId) { admin.enable(keyId); }

    /**
     * Re-enables a disabled key saying why (a probe found it healthy); persisted through the event.
     * Returns false when the key was not disabled.
     */
    public boolean enable(String keyId, String why) { return admin.enable(keyId, why); }

    /**
     * Ends the cooldowns and day-parks of the key's scope now and drops the limits learned from the
     * provider for it (admin API): for every key of the scope, when the operator knows the quota is
     * back before the provider's reset (an OpenRouter account that bought credits, a Gemini project
     * moved to a paid tier). The table's limits are in force again until the provider's next answers
     * report others. Persisted through events, so a restart does not bring the holds back. A
     * disabled key stays disabled; the next 429 holds the scope again as usual.
     *
     * @throws io.keycycle.core.KeyNotFoundException no such key
     */
    public Released release(String keyId) { return admin.release(keyId, "released by operator"); }

    /**
     * The limits learned from the provider that are in force and differ from the table, e.g.
     * "rpd 1000 → 50, learned from openrouter 2026-11-30T10:00:00Z" ({@link io.keycycle.core.learn.LearnedLimit#describe()}).
     */
    public List<io.keycycle.core.learn.LearnedLimit> learnedLimits() { return admin.learned(); }

    /**
     * The largest limit of {@code metric} that some key of this pool has for {@code model} now: its
     * key tier's or per-key override, or what the provider reported (a learned limit), else the
     * table's; -1 when some key has none. O(keys); for the check that a request could ever fit.
     */
    public long largestLimit(String model, io.keycycle.core.Limits.Metric metric) {
        ModelRing r = rings.ring(model);
        long largest = 0;
        for (PoolStateStore.Bucket b : r.buckets) {
            long v = b.limits().get(metric);
            if (v < 0) return -1;
            largest = Math.max(largest, v);
        }
        return r.buckets.length == 0 ? -1 : largest;
    }

    /**
     * Makes a model the provider reported gone admissible again at once (admin API, CLI): the next
     * call tries it. Persisted through the event. Returns false if it was not marked unavailable.
     *
     * @throws ConfigurationException the model is unknown to the catalog
     */
    public boolean clearModel(String model) { return admin.clearModel(model); }

    /** Finds a key by 1-based index or fingerprint. */
    public ApiKey key(String keyId) { return ctx.find(keyId).key; }

    // ------------------------------------------------------------------ generic call API (CallLoop, AsyncCallLoop)

    /** Runs {@code fn} with a key, rotating on failures, with default options (fail fast, 5 retries). */
    public <T> T call(String model, long estimatedTokens, KeyCall<T> fn) {
        return call(CallOptions.of(model, estimatedTokens), fn);
    }

    /**
     * Runs {@code fn} with an admitted key, classifies its result or exception through the
     * provider profile, settles the lease, and on a rotatable failure tries another key at once —
     * sleeping only when no key is admissible and {@code options.wait()} allows it — until success,
     * {@code maxRetries}, or the deadline. This is the only retry loop; delegates must not retry.
     * A call that throws a {@link java.util.concurrent.CancellationException} (its own future was
     * cancelled) abandons its lease — it may have reached the provider, so it stays counted — and
     * ends the call with that exception, as in {@link #callAsync}.
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
     * flight. The next attempt starts on the thread that completed the previous one — except with a
     * state store that waits for the network ({@link PoolStateStore#blockingExecutor()}: Redis),
     * where admission and the settlement of a failure run on the store's threads ({@code fn} is then
     * called there), so that the caller's thread never waits for a round trip; a success is settled,
     * and the returned future completed, on the thread that completed {@code fn}'s stage.
     *
     * <p>With {@code options.waitForKey()}, a call that finds no admissible key is retried at the
     * instant the pool computes (see {@link #nextAdmissible}) by a task on this pool's single timer
     * thread, which waits on the engine clock; it fails when that instant is past the deadline.
     * Such calls wait first come, first served in one queue per model with the blocking callers: only
     * the first in line tries, the others are woken when their turn comes (or give up at their
     * deadline); capacity given back wakes the first early; a cancelled call leaves the queue at once.
     *
     * <p>Cancelling the returned future cancels the stage in flight; its lease is
     * {@link Lease#abandon(String) abandoned} (the request may have reached the provider, so it stays
     * counted). A stage that completes with a {@link java.util.concurrent.CancellationException}
     * likewise abandons its lease; one that completes with a {@link ProviderAnswer} that says
     * {@link ProviderAnswer#cancelled() cancelled} abandons it, or releases it when the answer says
     * it never {@link ProviderAnswer#reachedProvider() reached the provider}. Either ends the call
     * without rotation.
     *
     * @return completes with the result, or exceptionally with
     *         {@link io.keycycle.core.RateLimitException} (attempts made, all failed or one could not be
     *         rotated), {@link NoAvailableKeyException} (no attempt could be made), or what admission threw
     *         ({@link KeyNotFoundException}, {@link InvalidKeyException}, {@link ConfigurationException})
     */
    public <T> CompletableFuture<T> callAsync(CallOptions options, AsyncKeyCall<T> fn) {
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(fn, "fn");
        return new AsyncCallLoop<>(this, options, fn).start();
    }

    /** Where {@link #callAsync} runs admission and settlement: the state store's executor when it waits for the network, else null. */
    java.util.concurrent.Executor blockingExecutor() { return ctx.store.blockingExecutor(); }

    /** The timer of waits of non-blocking calls, started on first use; null once the pool is closed. */
    ClockTimer timer() {
        ClockTimer t = timer;
        if (t == null) {
            synchronized (this) {
                t = timer;
                if (t == null) {
                    if (closed) return null;
                    timer = t = new ClockTimer(ctx.time, "keycycle-" + ctx.provider() + "-timer");
                }
            }
        }
        return t;
    }

    /**
     * Runs {@code task} at engine instant {@code due} on this pool's timer, or {@code onClose} if the
     * pool is closed first; false (nothing scheduled) once the pool is closed.
     */
    boolean schedule(long due, Runnable task, Runnable onClose) {
        ClockTimer t = timer();
        return t != null && t.schedule(due, task, onClose);
    }

    /**
     * Stops the thread that non-blocking calls ({@link #callAsync}) wait for a key on; such a call
     * still waiting fails at once, and later ones no longer wait. Admission, settlement and blocking
     * calls are not affected. {@link io.keycycle.Keycycle#close()} closes its pools. Idempotent.
     */
    public void close() {
        ClockTimer t;
        synchronized (this) {
            closed = true;
            t = timer;
        }
        if (t != null) t.close();
    }

    // ------------------------------------------------------------------ views (PoolSnapshots)

    public PoolSnapshot snapshot() { return snapshots.snapshot(); }

    /** The limits in force for a (key, model), with the rule behind each one. */
    public ResolvedLimits limits(ApiKey key, String model) { return ctx.resolver.resolve(key, model); }

    // ------------------------------------------------------------------ hydration (PoolHydration)

    @Override
    public void restoreUsage(String provider, String fingerprint, String model, Instant admittedAt, long requests, long chargedTokens) {
        hydration.restoreUsage(provider, fingerprint, model, admittedAt, requests, chargedTokens);
    }

    @Override
    public void restoreState(KeycycleEvent.StateChanged s) { hydration.restoreState(s); }

    @Override
    public void restoreLearnedLimit(KeycycleEvent.LimitLearned learned) { admin.restoreLearned(learned); }

    /** Builds a pool. Every setter validates at once. */
    public static final class Builder {
        private final ProviderSpec spec;
        private ProviderProfile profile;
        private LimitResolver resolver;
        private EngineClock clock = EngineClock.system();
        private Selection selection = Selection.HEADROOM;
        private PoolPolicy policy = PoolPolicy.DEFAULT;
        private PoolStateStore store;
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
        /** Where windows and states live; {@link PoolStateStore#local()} (a store of its own) by default. */
        public Builder stateStore(PoolStateStore s) { this.store = Objects.requireNonNull(s, "stateStore"); return this; }

        public KeyPool build() {
            if (profile == null) throw new ConfigurationException("provider " + spec.name() + ": no ProviderProfile given");
            if (resolver == null) throw new ConfigurationException("provider " + spec.name() + ": no limits given");
            return new KeyPool(this);
        }
    }
}
