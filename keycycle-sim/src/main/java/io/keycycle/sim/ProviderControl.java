package io.keycycle.sim;

import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The live state of one simulated provider and the switches tests and the demo flip at runtime:
 * key states, limits, gone models, queued and random faults. Obtained from
 * {@link Simulator#provider(String)}; thread-safe; changes apply to the next request.
 * {@link Simulator#reset()} returns everything to the configured {@link SimProvider}.
 */
public final class ProviderControl {

    /** One known key: its configuration index (1-based; dynamic keys follow), mask, scope and state. */
    static final class KeyEntry {
        final int index;
        final String mask;
        final String scope;
        volatile KeyState state;

        KeyEntry(int index, String secret, String scope, KeyState state) {
            this.index = index;
            this.mask = SimKey.mask(secret);
            this.scope = scope;
            this.state = state;
        }
    }

    private final SimProvider config;
    private final Dialect dialect;
    private final ConcurrentHashMap<String, KeyEntry> keys = new ConcurrentHashMap<>();
    private final AtomicInteger nextDynamicIndex = new AtomicInteger();
    private final ConcurrentHashMap<String, SimLimits> limits = new ConcurrentHashMap<>();
    private final Set<String> gone = ConcurrentHashMap.newKeySet();
    private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<FaultKind> queuedFaults = new ConcurrentLinkedQueue<>();
    private final Set<String> noTools = ConcurrentHashMap.newKeySet();
    private final ConcurrentHashMap<String, String> routes = new ConcurrentHashMap<>();
    private volatile SimLimits freeModelLimits;
    private volatile boolean highBalance;
    private volatile boolean longDayRetryDelay;
    private volatile double faultProbability;
    /** Groq's prompt cache, when on: (scope, model, prompt text) to when it was last served. */
    private volatile boolean promptCaching;
    private final java.util.concurrent.ConcurrentHashMap<String, java.time.Instant> prompts = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile List<FaultKind> faultKinds;
    private Random random;

    ProviderControl(SimProvider config) {
        this.config = config;
        this.dialect = Dialect.of(config.kind());
        reset();
    }

    public ProviderKind kind() {
        return config.kind();
    }

    /** The configuration this provider started from. */
    public SimProvider config() {
        return config;
    }

    /** The key is revoked: 401 (Gemini 400 {@code API_KEY_INVALID}) from now on. */
    /**
     * Groq's implicit prompt cache: with it on, a request whose prompt this scope sent to the model
     * within the last hour is a full cache hit, reported as {@code prompt_tokens_details.cached_tokens}
     * equal to its prompt tokens and not charged to the token limits (Groq's cached tokens do not
     * count toward limits). Off by default (every request a miss, {@code cached_tokens} 0).
     */
    public ProviderControl promptCaching(boolean on) {
        this.promptCaching = on;
        if (!on) prompts.clear();
        return this;
    }

    /** The prompt tokens of {@code request} the cache serves (all of them on a hit), else 0. */
    int cachedPrompt(String scope, String model, ChatRequest request, java.time.Instant now) {
        if (!promptCaching || kind() != ProviderKind.GROQ) return 0;
        java.time.Instant last = prompts.get(promptKey(scope, model, request));
        return last != null && last.isAfter(now.minus(java.time.Duration.ofHours(1))) ? request.promptTokens() : 0;
    }

    /** Notes that {@code request}'s prompt was served (a later identical one hits the cache). */
    void rememberPrompt(String scope, String model, ChatRequest request, java.time.Instant now) {
        if (promptCaching && kind() == ProviderKind.GROQ) prompts.put(promptKey(scope, model, request), now);
    }

    private static String promptKey(String scope, String model, ChatRequest request) {
        return scope + "\u0000" + model + "\u0000" + request.promptText();
    }

    public ProviderControl killKey(String secret) {
        return setKeyState(secret, KeyState.DEAD);
    }

    /**
     * Groq {@code organization_restricted} (the whole organisation: every key of this key's scope
     * answers it) / Gemini 403 leaked (this key only).
     */
    public ProviderControl suspendKey(String secret) {
        return setKeyState(secret, KeyState.SUSPENDED);
    }

    /** Cerebras / OpenRouter 402: the account is out of credit, so every key of this key's scope answers it. */
    public ProviderControl exhaustCredit(String secret) {
        return setKeyState(secret, KeyState.NO_CREDIT);
    }

    /** OpenRouter: this key's own spending limit is used up (402 {@code openrouter_key_limit}); other keys serve. */
    public ProviderControl exhaustKeyLimit(String secret) {
        return setKeyState(secret, KeyState.KEY_LIMIT);
    }

    /** Back to {@link KeyState#ACTIVE} (a scope-wide failure set through this key ends for its scope). */
    public ProviderControl reviveKey(String secret) {
        return setKeyState(secret, KeyState.ACTIVE);
    }

    public ProviderControl setKeyState(String secret, KeyState state) {
        Objects.requireNonNull(state, "state");
        state.requireSupportedBy(kind());
        KeyEntry e = keys.get(secret);
        if (e == null) {
            throw new IllegalArgumentException("no key " + SimKey.mask(secret) + " is configured for " + kind().id());
        }
        e.state = state;
        return this;
    }

    /** Replaces the limits of {@code model} (adding the model if it was unknown). Usage so far is kept. */
    public ProviderControl setLimits(String model, SimLimits newLimits) {
        limits.put(requireModel(model), Objects.requireNonNull(newLimits, "limits"));
        return this;
    }

    /** OpenRouter: replaces the account-wide budget of the {@code :free} models. */
    public ProviderControl setFreeModelLimits(SimLimits newLimits) {
        this.freeModelLimits = Objects.requireNonNull(newLimits, "limits");
        return this;
    }

    /**
     * OpenRouter: the account has (or no longer has) 10 credits bought — the free daily cap becomes
     * 1,000 (or 50) requests and the day 429 says {@code free-models-per-day-high-balance} (or not).
     * The per-minute budget is kept.
     */
    public ProviderControl setHighBalance(boolean high) {
        if (kind() != ProviderKind.OPENROUTER) {
            throw new IllegalArgumentException("the 50/1,000 free-model cap is OpenRouter's, not " + kind().id() + "'s");
        }
        this.highBalance = high;
        this.freeModelLimits = freeModelLimits.rpd(high ? 1_000 : 50);
        return this;
    }

    /** OpenRouter: requests with {@code tools} for {@code model} get the request-shaped 404 (or, with false, are served). */
    public ProviderControl setToolSupport(String model, boolean supported) {
        if (supported) {
            noTools.remove(requireModel(model));
        } else {
            noTools.add(requireModel(model));
        }
        return this;
    }

    /** Gemini: requests for {@code from} are now served by (and counted against) {@code to}; null {@code to} ends it. */
    public ProviderControl autoRoute(String from, String to) {
        if (kind() != ProviderKind.GEMINI) {
            throw new IllegalArgumentException("auto-routed models exist only on gemini, not " + kind().id());
        }
        if (to == null) {
            routes.remove(requireModel(from));
        } else {
            routes.put(requireModel(from), requireModel(to));
        }
        return this;
    }

    /**
     * Gemini: a per-day 429 carries a {@code retryDelay} until the next 00:00 UTC (hours long), as one
     * capture of October 2026 showed, instead of the usual 25–60 s.
     */
    public ProviderControl longDayRetryDelay(boolean on) {
        this.longDayRetryDelay = on;
        return this;
    }

    /** The model now answers with the provider's "model gone" error. */
    public ProviderControl markGone(String model) {
        gone.add(requireModel(model));
        return this;
    }

    public ProviderControl restoreModel(String model) {
        gone.remove(requireModel(model));
        return this;
    }

    /** The next {@code n} chat requests that pass auth and model checks fail with {@code fault}. */
    public ProviderControl failNext(int n, FaultKind fault) {
        if (n < 0) {
            throw new IllegalArgumentException("failNext count must be >= 0, was " + n);
        }
        fault.requireSupportedBy(kind());
        for (int i = 0; i < n; i++) {
            queuedFaults.add(fault);
        }
        return this;
    }

    /** Faults queued by {@link #failNext} that no request has met yet (0: every one has reached a request). */
    public int queuedFaults() {
        return queuedFaults.size();
    }

    /** From now on each request fails with probability {@code p}, with one of {@code kinds} (seeded random). */
    public ProviderControl faultProbability(double p, FaultKind... kinds) {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException("fault probability must be in [0, 1], was " + p);
        }
        if (p > 0 && kinds.length == 0) {
            throw new IllegalArgumentException("fault probability " + p + " needs at least one fault kind");
        }
        for (FaultKind k : kinds) {
            k.requireSupportedBy(kind());
        }
        this.faultKinds = List.of(kinds);
        this.faultProbability = p;
        return this;
    }

    /** Forgets all usage in every window (limits, keys and faults stay). */
    public ProviderControl resetWindows() {
        buckets.values().forEach(Bucket::clear);
        buckets.clear();
        return this;
    }

    /** Back to the configured state: keys, limits, gone models, faults and windows. */
    public synchronized ProviderControl reset() {
        keys.clear();
        List<SimKey> configured = config.keys();
        for (int i = 0; i < configured.size(); i++) {
            SimKey k = configured.get(i);
            keys.put(k.secret(), new KeyEntry(i + 1, k.secret(), k.scope(), k.state()));
        }
        nextDynamicIndex.set(configured.size() + 1);
        limits.clear();
        limits.putAll(config.models());
        gone.clear();
        gone.addAll(config.goneModels());
        freeModelLimits = config.freeModelLimits();
        highBalance = config.highBalance();
        longDayRetryDelay = false;
        noTools.clear();
        noTools.addAll(config.noToolModels());
        routes.clear();
        routes.putAll(config.routedModels());
        queuedFaults.clear();
        faultProbability = config.faultProbability();
        faultKinds = config.faultKinds();
        random = new Random(config.seed());
        resetWindows();
        return this;
    }

    // ---- used by the request handler --------------------------------------------------------

    Dialect dialect() {
        return dialect;
    }

    /** The key, or null when unknown; with acceptAnyKey an unknown secret becomes its own scope. */
    KeyEntry resolve(String secret) {
        KeyEntry e = keys.get(secret);
        if (e == null && config.acceptAnyKey()) {
            e = keys.computeIfAbsent(secret, s -> new KeyEntry(nextDynamicIndex.getAndIncrement(), s,
                    SimKey.ownScope(s), KeyState.ACTIVE));
        }
        return e;
    }

    /**
     * What {@code key} answers with now: its own state when it is not active, else a scope-wide
     * failure set on another key of its scope ({@link KeyState#scopeWide}), else active.
     */
    KeyState stateOf(KeyEntry key) {
        KeyState own = key.state;
        if (own != KeyState.ACTIVE) {
            return own;
        }
        for (KeyEntry other : keys.values()) {
            KeyState s = other.state;
            if (other != key && s.scopeWide(kind()) && other.scope.equals(key.scope)) {
                return s;
            }
        }
        return KeyState.ACTIVE;
    }

    boolean isGone(String model) {
        return gone.contains(model);
    }

    boolean hasNoFreeTier(String model) {
        if (config.noFreeTierModels().contains(model)) {
            return true;
        }
        SimLimits l = limitsFor(model);
        return kind() == ProviderKind.GEMINI && l != null && l.hasZero();
    }

    /** True when a key of {@code scope} gets Gemini's {@code limit: 0} for {@code model}: no free tier, and not a paid project. */
    boolean hasNoFreeTier(String model, String scope) {
        return !config.paidScopes().contains(scope) && hasNoFreeTier(model);
    }

    /** The limits of {@code model} for a key of {@code scope}: a paid project is served a model without free tier, unlimited. */
    SimLimits limitsFor(String model, String scope) {
        if (config.paidScopes().contains(scope) && hasNoFreeTier(model)) return SimLimits.UNLIMITED;
        return limitsFor(model);
    }

    /** The limits that apply to {@code model}'s own bucket, or null when the model is not served. */
    SimLimits limitsFor(String model) {
        SimLimits l = limits.get(model);
        if (l == null && config.noFreeTierModels().contains(model)) {
            return SimLimits.UNLIMITED.rpm(0).rpd(0).tpm(0).tpd(0);
        }
        return l != null ? l : config.defaultLimits().orElse(null);
    }

    boolean isAccountWide(String model) {
        return config.isAccountWide(model);
    }

    SimLimits freeModelLimits() {
        return freeModelLimits;
    }

    boolean highBalance() {
        return highBalance;
    }

    boolean longDayRetryDelay() {
        return longDayRetryDelay;
    }

    /** True when a request with tools for {@code model} finds no endpoint (OpenRouter). */
    boolean lacksToolSupport(String model) {
        return noTools.contains(model);
    }

    /** The model that actually serves (and is charged for) a request for {@code model}. */
    String servingModel(String model) {
        return routes.getOrDefault(model, model);
    }

    /** Every key as the {@code /key} endpoint sees it. */
    KeyEntry entry(String secret) {
        return keys.get(secret);
    }

    /** The bucket a request for {@code model} from {@code scope} is charged to. */
    Bucket bucket(String scope, String model) {
        String id = isAccountWide(model) ? scope + "\u0000:free" : scope + "\u0000" + model;
        return buckets.computeIfAbsent(id, k -> new Bucket(kind().dayResetZone(), kind() == ProviderKind.GROQ));
    }

    /** The bucket of {@code model}'s own caps from {@code scope}, also for a {@code :free} model (its per-model limits). */
    Bucket modelBucket(String scope, String model) {
        return buckets.computeIfAbsent(scope + "\u0000" + model, k -> new Bucket(kind().dayResetZone(), kind() == ProviderKind.GROQ));
    }

    /** Models a {@code /models} listing shows. */
    List<String> listedModels() {
        Set<String> all = new java.util.TreeSet<>(limits.keySet());
        all.addAll(config.noFreeTierModels());
        all.removeAll(gone);
        return List.copyOf(all);
    }

    /** Bytes of hostile bodies ({@link FaultKind#HUGE_BODY}, {@link FaultKind#ENDLESS_LINE}) written so far. */
    public long hostileBytesWritten() { return hostileBytes.get(); }

    void addHostileBytes(long n) { hostileBytes.addAndGet(n); }

    private final java.util.concurrent.atomic.AtomicLong hostileBytes = new java.util.concurrent.atomic.AtomicLong();

    /** The next fault to inject, or null. */
    FaultKind nextFault() {
        FaultKind queued = queuedFaults.poll();
        if (queued != null) {
            return queued;
        }
        double p = faultProbability;
        if (p <= 0) {
            return null;
        }
        synchronized (this) {
            if (random.nextDouble() < p) {
                List<FaultKind> kinds = faultKinds;
                return kinds.get(random.nextInt(kinds.size()));
            }
        }
        return null;
    }

    private static String requireModel(String model) {
        if (model == null || model.isBlank()) {
            throw new IllegalArgumentException("model id must not be blank");
        }
        return model;
    }
}
