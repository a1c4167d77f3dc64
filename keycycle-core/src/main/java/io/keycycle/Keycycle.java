package io.keycycle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.keycycle.core.ApiKey;
import io.keycycle.core.Cluster;
import io.keycycle.core.ClusterException;
import io.keycycle.core.ClusterProvider;
import io.keycycle.core.ClusterStatus;
import io.keycycle.core.ConfigurationException;
import io.keycycle.core.EngineClock;
import io.keycycle.core.EngineRestorer;
import io.keycycle.core.KeycycleEvent;
import io.keycycle.core.KeycycleException;
import io.keycycle.core.KeycycleListener;
import io.keycycle.core.NoAvailableKeyException;
import io.keycycle.core.Persistence;
import io.keycycle.core.PersistenceProvider;
import io.keycycle.core.ProviderSpec;
import io.keycycle.core.RateLimitException;
import io.keycycle.core.classify.ProviderProfiles;
import io.keycycle.core.client.ChatResult;
import io.keycycle.core.client.OpenAiCompatClient;
import io.keycycle.core.client.StreamHandle;
import io.keycycle.core.client.StreamListener;
import io.keycycle.core.client.StreamResult;
import io.keycycle.core.client.TokenEstimator;
import io.keycycle.core.config.Catalog;
import io.keycycle.core.config.ClusterConfig;
import io.keycycle.core.config.KeyLoader;
import io.keycycle.core.config.KeycycleConfig;
import io.keycycle.core.config.LoadedKeys;
import io.keycycle.core.config.ModelDescription;
import io.keycycle.core.config.ModelRef;
import io.keycycle.core.config.TierConfig;
import io.keycycle.core.config.ValidationReport;
import io.keycycle.core.pool.KeyPool;
import io.keycycle.core.pool.PartialAnswerException;
import io.keycycle.core.pool.PoolPolicy;
import io.keycycle.core.pool.PoolSnapshot;
import io.keycycle.core.pool.Selection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The front door: every provider that has keys, as one pool each, with tiers and fallback on top.
 * {@code Keycycle.fromEnv()} reads {@code NUM_<P>}/{@code <P>_API_KEY_<i>} from the environment and
 * {@code ./.env}, {@code ./keycycle.yaml} (or {@code KEYCYCLE_CONFIG}), and opens the store when
 * {@code keycycle-store} is on the class path.
 *
 * <p>A <em>target</em> names what to call: {@code provider/model}, a provider (its default model),
 * a bare model one provider serves, or a tier from the configuration (an ordered list of
 * candidates). {@link #call} tries the candidates in order: a candidate that is exhausted
 * ({@link NoAvailableKeyException}), out of attempts, or whose model is unavailable hands over to
 * the next; a request the provider rejected as invalid is surfaced at once.
 *
 * <p>{@link #close()} stops the maintenance timer and drains the store; a shutdown hook does it
 * when the host forgets.
 */
public final class Keycycle implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Keycycle.class);

    private final Catalog catalog;
    private final KeycycleConfig config;
    private final ValidationReport report;
    private final Map<String, KeyPool> pools;
    private final Map<String, OpenAiCompatClient> clients;
    private final Persistence persistence;
    private final Cluster cluster;
    private final EngineClock clock;
    private final Duration requestTimeout;
    private final List<KeycycleListener> listeners = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService timer;
    private final KeyReprober reprober;
    private final Thread shutdownHook;
    private final AtomicBoolean closed = new AtomicBoolean();

    private Keycycle(Builder b, Catalog catalog, LoadedKeys loaded) {
        this.catalog = catalog;
        this.config = catalog.config();
        this.report = loaded.report();
        this.clock = b.clock;
        this.requestTimeout = b.requestTimeout;
        this.persistence = b.persistence;
        this.cluster = b.cluster;
        listeners.addAll(b.listeners);
        Selection selection = b.selection != null ? b.selection : config.selection();
        KeycycleListener fanOut = this::publish;
        Map<String, KeyPool> ps = new LinkedHashMap<>();
        Map<String, OpenAiCompatClient> cs = new LinkedHashMap<>();
        for (Map.Entry<String, List<ApiKey>> e : loaded.keys().entrySet()) {
            String provider = e.getKey();
            if (e.getValue().isEmpty()) continue;
            if (!catalog.has(provider)) {
                log.warn("{} key(s) for unknown provider '{}' ignored; add it under providers.{} in keycycle.yaml "
                        + "with a base-url and models", e.getValue().size(), provider, provider);
                continue;
            }
            ProviderSpec spec = catalog.provider(provider);
            KeyPool.Builder pb = KeyPool.builder(spec).keys(e.getValue()).limits(catalog.resolver(provider))
                    .profile(ProviderProfiles.forProvider(provider)).clock(clock).selection(selection)
                    .policy(b.policy).listener(fanOut);
            if (b.stateStore != null) pb.stateStore(b.stateStore);
            else if (cluster != null) pb.stateStore(cluster.stateStore()); // windows and states shared with the fleet
            KeyPool pool = pb.build();
            ps.put(provider, pool);
            if (spec.baseUrl() != null) {
                cs.put(provider, OpenAiCompatClient.builder(spec.baseUrl()).provider(provider)
                        .requestTimeout(b.requestTimeout).build());
            }
            log.info("{} keys for provider {} (default model {}, {} scope(s)): {}", e.getValue().size(), provider,
                    spec.defaultModel(), e.getValue().stream().map(ApiKey::scope).distinct().count(),
                    e.getValue().stream().map(ApiKey::fingerprint).toList());
        }
        this.pools = java.util.Collections.unmodifiableMap(ps);
        this.clients = java.util.Collections.unmodifiableMap(cs);
        validateModels();
        if (persistence != null) {
            long t0 = System.nanoTime();
            persistence.restore(restorer(), clock.now());
            log.info("state restored from the store in {} ms", (System.nanoTime() - t0) / 1_000_000);
        }
        if (b.keyProbes != null && !pools.isEmpty()) {
            reprober = new KeyReprober(pools, clock, b.keyProbes, this::publish);
            listeners.add(reprober);
            reprober.start();
        } else {
            reprober = null;
        }
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "keycycle-maintenance");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(this::maintain, 30, 30, TimeUnit.SECONDS);
        if (b.shutdownHook) {
            shutdownHook = new Thread(this::closeQuietly, "keycycle-shutdown");
            Runtime.getRuntime().addShutdownHook(shutdownHook);
        } else {
            shutdownHook = null;
        }
    }

    /** Reads the process environment, {@code ./.env} and {@code ./keycycle.yaml} (or {@code KEYCYCLE_CONFIG}). */
    public static Keycycle fromEnv() { return builder().fromEnvironment(System.getenv()).build(); }

    public static Builder builder() { return new Builder(); }

    // ------------------------------------------------------------------ accessors

    public Catalog catalog() { return catalog; }

    public KeycycleConfig config() { return config; }

    /** The key set-up findings (counts, gaps, duplicates, placeholders) from loading. */
    public ValidationReport validationReport() { return report; }

    /** Providers that have keys, in configuration order. */
    public Collection<String> providers() { return pools.keySet(); }

    /** The pool of a provider; {@link ConfigurationException} naming the providers that have keys. */
    public KeyPool pool(String provider) {
        KeyPool p = pools.get(provider == null ? null : provider.toLowerCase(java.util.Locale.ROOT));
        if (p == null) {
            throw new ConfigurationException("no keys for provider '" + provider + "'; providers with keys: "
                    + (pools.isEmpty() ? "none (set NUM_<PROVIDER> and <PROVIDER>_API_KEY_<i>)" : String.join(", ", pools.keySet())));
        }
        return p;
    }

    public Optional<Persistence> persistence() { return Optional.ofNullable(persistence); }

    /** The re-prober of disabled keys, when enabled ({@link Builder#keyProbes}). */
    public Optional<KeyReprober> keyProbes() { return Optional.ofNullable(reprober); }

    /** The fleet this process shares its pool with (see {@link Builder#redis}); empty when the pool is this process's alone. */
    public Optional<ClusterStatus> cluster() { return Optional.ofNullable(cluster); }

    public EngineClock clock() { return clock; }

    /** The timeout of one HTTP call to a provider (the builder's {@code requestTimeout}, 120 s by default). */
    public Duration requestTimeout() { return requestTimeout; }

    public Map<String, TierConfig> tiers() { return config.tiers(); }

    public List<PoolSnapshot> snapshots() {
        List<PoolSnapshot> l = new ArrayList<>();
        for (KeyPool p : pools.values()) l.add(p.snapshot());
        return l;
    }

    public void addListener(KeycycleListener l) { listeners.add(Objects.requireNonNull(l)); }

    public void removeListener(KeycycleListener l) { listeners.remove(l); }

    /** The HTTP client of a provider (base URL from the catalog, {@code <P>_BASE_URL} or the file). */
    public OpenAiCompatClient client(String provider) {
        OpenAiCompatClient c = clients.get(provider);
        if (c == null) throw new ConfigurationException("provider " + provider + " has no base URL and no keys here");
        return c;
    }

    // ------------------------------------------------------------------ targets

    /**
     * The ordered candidates of a target: a tier's list, or the single provider/model it names.
     *
     * @throws ConfigurationException the target names nothing known, or a bare model more than one provider serves
     */
    public List<ModelRef> route(String target) {
        if (target == null || target.isBlank()) throw new ConfigurationException("no model or tier given");
        String t = target.trim();
        TierConfig tier = config.tiers().get(t);
        if (tier != null) return tier.models();
        int slash = t.indexOf('/');
        if (slash > 0) {
            String provider = t.substring(0, slash).toLowerCase(java.util.Locale.ROOT);
            if (pools.containsKey(provider) || catalog.has(provider)) return List.of(ModelRef.parse(t));
        }
        String lower = t.toLowerCase(java.util.Locale.ROOT);
        if (pools.containsKey(lower)) {
            ProviderSpec spec = catalog.provider(lower);
            if (spec.defaultModel() == null) throw new ConfigurationException("provider " + lower + " has no default model; use " + lower + "/<model>");
            return List.of(new ModelRef(lower, spec.defaultModel()));
        }
        List<ModelRef> servers = new ArrayList<>();
        for (String p : pools.keySet()) {
            if (catalog.provider(p).models().containsKey(t)) servers.add(new ModelRef(p, t));
        }
        if (servers.size() == 1) return servers;
        if (servers.size() > 1) {
            throw new ConfigurationException("model '" + t + "' is served by " + servers.stream().map(ModelRef::provider).toList()
                    + "; say which: " + servers.stream().map(ModelRef::toString).toList());
        }
        throw new ConfigurationException("unknown model or tier '" + t + "': use provider/model (providers with keys: "
                + String.join(", ", pools.keySet()) + ") or a tier (" + String.join(", ", config.tiers().keySet()) + ")");
    }

    // ------------------------------------------------------------------ calls

    /** Why {@code body} can never be admitted by candidate {@code c}, or null (see {@link TokenEstimator#neverFits}). */
    private String neverFits(ModelRef c, JsonNode body) {
        long tpm;
        try {
            tpm = catalog.describe(c.provider(), c.model()).limits().limits().tpm();
        } catch (ConfigurationException unknown) {
            return null;
        }
        return TokenEstimator.neverFits(c.provider(), c.model(), body, tpm);
    }

    /**
     * A model the provider says is gone: the same failure, its message naming what the catalog
     * suggests instead ({@link Catalog#suggestInstead}). Anything else unchanged.
     */
    private KeycycleException withSuggestions(KeycycleException e) {
        if (!(e instanceof RateLimitException r) || r.lastOutcome() == null
                || r.lastOutcome().kind() != io.keycycle.core.OutcomeKind.MODEL_UNAVAILABLE) {
            return e;
        }
        List<String> instead = catalog.suggestInstead(r.provider(), r.model(), 3);
        if (instead.isEmpty()) return e;
        String why = r.lastOutcome().reason() + "; the catalog suggests instead: "
                + String.join(", ", instead.stream().map(m -> r.provider() + "/" + m).toList());
        return new RateLimitException(r.provider(), r.model(), r.attempts(), why, r);
    }

    /** Runs {@code fn} on the target with default settings. */
    public <T> Served<T> call(String target, TargetCall<T> fn) { return call(target, CallSpec.DEFAULT, fn); }

    /**
     * Runs {@code fn} with a key of the target's first candidate that can serve, rotating keys
     * within the candidate (the pool's one retry loop) and falling back to the next candidate when
     * one is exhausted, out of attempts or unavailable; then to {@code spec.escalateTo()} if set.
     *
     * @throws NoAvailableKeyException nothing could even be tried (carries the earliest retry instant)
     * @throws RateLimitException      attempts were made and all failed (carries every attempt)
     */
    public <T> Served<T> call(String target, CallSpec spec, TargetCall<T> fn) {
        return call(target, spec, null, fn);
    }

    /**
     * {@link #call(String, CallSpec, TargetCall)} with the reservation computed per candidate the way
     * its provider counts ({@link TokenEstimator#reservationFor}); a candidate that could never admit
     * the request (Cerebras: reservation above its TPM) is refused without sending it.
     */
    private <T> Served<T> call(String target, CallSpec spec, JsonNode body, TargetCall<T> fn) {
        Objects.requireNonNull(spec, "spec");
        List<ModelRef> candidates = candidates(target, spec);
        // elapsed time on the monotonic clock: a wall clock stepped while calling changes no deadline
        long started = clock.nanos();
        long budget = spec.timeout().toMillis();
        List<KeycycleException> failures = new ArrayList<>();
        AtomicInteger attempts = new AtomicInteger();
        for (ModelRef c : candidates) {
            long remaining = budget - (clock.nanos() - started) / 1_000_000L;
            if (remaining <= 0) break;
            KeyPool pool = pools.get(c.provider());
            if (pool == null) {
                failures.add(Fallback.noKeys(c));
                continue;
            }
            AtomicReference<String> fingerprint = new AtomicReference<>();
            CallSpec forCandidate = spec;
            if (body != null) {
                String never = neverFits(c, body);
                if (never != null) {
                    Fallback.handOver(new NoAvailableKeyException(c.provider(), c.model(), pool.snapshot().keys().size(),
                            0, 0, 0, null, never), c, spec, candidates, failures);
                    continue;
                }
                forCandidate = spec.withEstimatedTokens(TokenEstimator.reservationFor(c.provider(), body,
                        Math.max(0, spec.estimatedTokens() - TokenEstimator.estimatePromptTokens(body))));
            }
            try {
                T value = pool.call(forCandidate.toOptions(c.model(), Duration.ofMillis(remaining)), key -> {
                    attempts.incrementAndGet();
                    fingerprint.set(key.fingerprint());
                    return fn.call(c, key);
                });
                if (!failures.isEmpty()) fellBack(target, candidates, c, failures.size());
                return new Served<>(value, c.provider(), c.model(), fingerprint.get(), attempts.get(), failures.size());
            } catch (NoAvailableKeyException | RateLimitException | ConfigurationException e) {
                Fallback.handOver(withSuggestions(e), c, spec, candidates, failures);
            }
        }
        throw Fallback.combine(target, candidates, failures);
    }

    /**
     * The non-blocking {@link #call(String, CallSpec, TargetCall)}: the same candidates, rotation
     * ({@link KeyPool#callAsync}) and fallback rules, without holding a thread while a call is in
     * flight. Failures, including a target that names nothing, complete the future exceptionally
     * instead of being thrown. Cancelling the future cancels the call in flight; the request stays
     * counted, since it may have reached the provider. See {@link KeyPool#callAsync} for how {@link CallSpec#waitForKey()} waits.
     */
    public <T> java.util.concurrent.CompletableFuture<Served<T>> callAsync(String target, CallSpec spec, AsyncTargetCall<T> fn) {
        Objects.requireNonNull(fn, "fn");
        try {
            Objects.requireNonNull(spec, "spec");
            return new AsyncFallback<>(pools, clock, target, spec, candidates(target, spec), fn, this::fellBack).start();
        } catch (RuntimeException e) {
            return java.util.concurrent.CompletableFuture.failedFuture(e);
        }
    }

    /** The candidates of a call: the target's, then those of the tier it escalates to. */
    private List<ModelRef> candidates(String target, CallSpec spec) {
        List<ModelRef> candidates = new ArrayList<>(route(target));
        if (spec.escalateTo() != null) {
            TierConfig up = config.tiers().get(spec.escalateTo());
            if (up == null) throw new ConfigurationException("unknown tier '" + spec.escalateTo() + "' to escalate to; tiers: " + config.tiers().keySet());
            for (ModelRef m : up.models()) if (!candidates.contains(m)) candidates.add(m);
        }
        return candidates;
    }

    /**
     * One chat completion through the pool (non-streaming). {@code body} is an OpenAI-style request;
     * its {@code model} is replaced per candidate. Unless {@code spec} says otherwise, the reservation is
     * the prompt estimate plus {@code max_tokens} (or the spec's estimate when no max is given).
     * A non-2xx answer after all retries and fallbacks is thrown as {@link RateLimitException}.
     */
    public Served<ChatResult> chat(String target, JsonNode body, CallSpec spec) {
        CallSpec s = spec.withEstimatedTokens(reservation(body, spec));
        return call(target, s, body, (c, key) -> client(c.provider()).chat(key.secret(), withModel(body, c.model())));
    }

    /**
     * One streaming chat completion: chunks go to {@code listener} as they arrive. Rotation and
     * fallback happen only before the first chunk; usage is recorded from the final chunk.
     */
    public Served<StreamResult> stream(String target, JsonNode body, CallSpec spec, StreamListener listener) {
        CallSpec s = spec.withEstimatedTokens(reservation(body, spec));
        return call(target, s, body, (c, key) -> {
            Counting counting = new Counting(listener);
            try {
                return client(c.provider()).stream(key.secret(), withModel(body, c.model()), counting);
            } catch (Exception e) {
                throw counting.delivered() ? new PartialAnswerException(c.provider(), e) : e;
            }
        });
    }

    /** Counts events handed to the caller, so a failure after the first one is never repeated. */
    private static final class Counting implements StreamListener {
        private final StreamListener delegate;
        private final AtomicInteger events = new AtomicInteger();

        Counting(StreamListener delegate) { this.delegate = delegate; }

        @Override public boolean onEvent(io.keycycle.core.client.SseEvent event) {
            events.incrementAndGet();
            return delegate.onEvent(event);
        }

        boolean delivered() { return events.get() > 0; }
    }

    /**
     * Like {@link #stream} but tells {@code attempts} about each attempt before its first chunk:
     * which candidate and key, and the handle that cancels it (the gateway cancels when its client
     * goes away, and names the provider and key in its response headers).
     */
    public Served<StreamResult> stream(String target, JsonNode body, CallSpec spec, StreamListener listener,
                                       StreamAttempts attempts) {
        CallSpec s = spec.withEstimatedTokens(reservation(body, spec));
        return call(target, s, body, (c, key) -> {
            Counting counting = new Counting(listener);
            StreamHandle h = client(c.provider()).streamAsync(key.secret(), withModel(body, c.model()), counting);
            attempts.started(c, key, h);
            try {
                return h.result().get();
            } catch (InterruptedException e) {
                h.cancel();
                throw e;
            } catch (java.util.concurrent.ExecutionException e) {
                Throwable cause = e.getCause() == null ? e : e.getCause();
                if (counting.delivered()) throw new PartialAnswerException(c.provider(), cause);
                if (cause instanceof Exception ex) throw ex;
                throw e;
            }
        });
    }

    /** Observes the attempts of a streaming call; see {@link #stream(String, JsonNode, CallSpec, StreamListener, StreamAttempts)}. */
    @FunctionalInterface
    public interface StreamAttempts {
        /** An attempt with {@code key} on {@code candidate} is starting; {@code handle} cancels it. */
        void started(ModelRef candidate, ApiKey key, StreamHandle handle);
    }

    /**
     * The tokens a chat request reserves: the prompt estimate plus {@code max_tokens} /
     * {@code max_completion_tokens}, or plus {@code spec.estimatedTokens()} when the request sets no maximum.
     */
    public static long estimateTokens(JsonNode body, CallSpec spec) { return reservation(body, spec); }

    private static long reservation(JsonNode body, CallSpec spec) {
        long prompt = TokenEstimator.estimatePromptTokens(body);
        return prompt + TokenEstimator.maxTokens(body).orElse(spec.estimatedTokens());
    }

    private static JsonNode withModel(JsonNode body, String model) {
        if (!(body instanceof ObjectNode o)) throw new ConfigurationException("a chat request must be a JSON object");
        ObjectNode copy = o.deepCopy();
        copy.put("model", model);
        return copy;
    }

    // ------------------------------------------------------------------ lifecycle

    private void validateModels() {
        for (String p : pools.keySet()) {
            ProviderSpec spec = catalog.provider(p);
            if (spec.defaultModel() != null) describeOrWarn(p, spec.defaultModel());
        }
        for (TierConfig t : config.tiers().values()) {
            for (ModelRef m : t.models()) {
                if (!catalog.has(m.provider())) {
                    throw new ConfigurationException("tier '" + t.name() + "' names unknown provider '" + m.provider() + "'");
                }
                catalog.describe(m.provider(), m.model()); // unknown model: ConfigurationException unless allowed
                if (!pools.containsKey(m.provider())) {
                    log.warn("tier '{}' candidate {} has no keys; it will be skipped", t.name(), m);
                }
            }
        }
    }

    private void describeOrWarn(String provider, String model) {
        ModelDescription d = catalog.describe(provider, model);
        if (d.hasNoQuota()) log.warn("default model {}/{} has no quota ({}); calls to it will be refused", provider, model, d.limits().limits());
    }

    private EngineRestorer restorer() {
        return new EngineRestorer() {
            @Override public void restoreUsage(String provider, String fp, String model, Instant at, long requests, long tokens) {
                KeyPool p = pools.get(provider);
                if (p != null) p.restoreUsage(provider, fp, model, at, requests, tokens);
            }

            @Override public void restoreState(KeycycleEvent.StateChanged s) {
                KeyPool p = pools.get(s.provider());
                if (p != null) p.restoreState(s);
            }

            @Override public void restoreLearnedLimit(KeycycleEvent.LimitLearned l) {
                KeyPool p = pools.get(l.provider());
                if (p != null) p.restoreLearnedLimit(l);
            }
        };
    }

    /** Publishes that {@code served} carried a call its first candidate could not. */
    void fellBack(String target, List<ModelRef> candidates, ModelRef served, int skipped) {
        ModelRef first = candidates.get(0);
        publish(new KeycycleEvent.FellBack(clock.now(), served.provider(), served.model(), target, first.provider(), first.model(), skipped));
    }

    private void publish(KeycycleEvent e) {
        if (persistence != null) persistence.onEvent(e);
        for (KeycycleListener l : listeners) {
            try {
                l.onEvent(e);
            } catch (RuntimeException ex) {
                log.warn("listener {} failed: {}", l, ex.toString());
            }
        }
    }

    private void maintain() {
        try {
            for (KeyPool p : pools.values()) p.expireLeases();
        } catch (RuntimeException e) {
            log.warn("maintenance failed: {}", e.toString());
        }
    }

    private void closeQuietly() {
        try {
            close();
        } catch (RuntimeException e) {
            log.warn("close failed: {}", e.toString());
        }
    }

    /** Stops the maintenance timer and drains the store. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) return;
        timer.shutdownNow();
        if (reprober != null) reprober.close();
        if (shutdownHook != null && Thread.currentThread() != shutdownHook) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException shuttingDown) {
                // the JVM is already exiting
            }
        }
        try {
            if (cluster != null) cluster.close();
        } finally {
            if (persistence != null) persistence.close();
        }
    }

    /** Configures a {@link Keycycle}. Every setter validates at once. */
    public static final class Builder {
        private Map<String, String> env = Map.of();
        private Path dotEnv;
        private KeycycleConfig config;
        private final Map<String, List<ApiKey>> extraKeys = new LinkedHashMap<>();
        private final Map<String, URI> baseUrls = new LinkedHashMap<>();
        private EngineClock clock = EngineClock.system();
        private Selection selection;
        private PoolPolicy policy = PoolPolicy.DEFAULT;
        private io.keycycle.core.pool.PoolStateStore stateStore;
        private Persistence persistence;
        private boolean discoverPersistence;
        private boolean shutdownHook = true;
        private Duration requestTimeout = Duration.ofSeconds(120);
        private final List<KeycycleListener> listeners = new ArrayList<>();
        private io.keycycle.core.learn.ProbeSchedule keyProbes;
        private String redisUrl;
        private Cluster cluster;

        private Builder() { }

        /**
         * Environment-driven set-up: keys from {@code env} and {@code ./.env}, configuration from
         * {@code KEYCYCLE_CONFIG} or {@code ./keycycle.yaml} if present, persistence discovered on the
         * class path.
         */
        public Builder fromEnvironment(Map<String, String> environment) {
            env(environment);
            Path dot = Path.of(".env");
            if (Files.isRegularFile(dot)) dotEnv(dot);
            String cfg = environment.get("KEYCYCLE_CONFIG");
            Path file = Path.of(cfg == null || cfg.isBlank() ? "keycycle.yaml" : cfg);
            if (cfg != null && !cfg.isBlank() && !Files.isRegularFile(file)) {
                throw new ConfigurationException("KEYCYCLE_CONFIG points at " + file.toAbsolutePath() + ", which does not exist");
            }
            config(KeycycleConfig.loadIfExists(file, environment));
            discoverPersistence = true;
            keyProbes = io.keycycle.core.learn.ProbeSchedule.DEFAULT;
            return this;
        }

        public Builder env(Map<String, String> environment) { this.env = Map.copyOf(Objects.requireNonNull(environment, "env")); return this; }

        public Builder dotEnv(Path file) {
            if (!Files.isRegularFile(file)) throw new ConfigurationException(".env file " + file.toAbsolutePath() + " does not exist");
            this.dotEnv = file;
            return this;
        }

        public Builder config(KeycycleConfig c) { this.config = Objects.requireNonNull(c, "config"); return this; }

        public Builder configFile(Path file) { return config(KeycycleConfig.load(file, env)); }

        /** Adds keys programmatically (in addition to the environment's). */
        public Builder keys(String provider, List<ApiKey> keys) {
            for (ApiKey k : keys) {
                if (!k.provider().equals(provider)) throw new ConfigurationException("key " + k + " is not a " + provider + " key");
            }
            extraKeys.computeIfAbsent(provider, p -> new ArrayList<>()).addAll(keys);
            return this;
        }

        /** Overrides a provider's endpoint (same as {@code <P>_BASE_URL}; the simulator in tests). */
        public Builder baseUrl(String provider, URI url) { baseUrls.put(provider.toLowerCase(java.util.Locale.ROOT), Objects.requireNonNull(url)); return this; }

        public Builder clock(EngineClock c) { this.clock = Objects.requireNonNull(c, "clock"); return this; }

        public Builder selection(Selection s) { this.selection = Objects.requireNonNull(s, "selection"); return this; }

        public Builder policy(PoolPolicy p) { this.policy = Objects.requireNonNull(p, "policy"); return this; }
        /**
         * Where every pool keeps its windows and states (one store for all providers; its ids carry
         * the provider). Default: each pool its own in-process store. A store shared between
         * processes makes their limits common.
         */
        public Builder stateStore(io.keycycle.core.pool.PoolStateStore s) { this.stateStore = Objects.requireNonNull(s, "stateStore"); return this; }

        /** Persistence to use (e.g. {@code KeycycleStore.open(url)}); replaces discovery. */
        public Builder persistence(Persistence p) { this.persistence = p; this.discoverPersistence = false; return this; }

        /** Whether to look for a {@link PersistenceProvider} on the class path (on with {@link #fromEnvironment}). */
        public Builder discoverPersistence(boolean on) { this.discoverPersistence = on; return this; }

        public Builder shutdownHook(boolean on) { this.shutdownHook = on; return this; }

        /**
         * Shares the pool with every process using the same Redis (needs {@code keycycle-redis} on
         * the class path): {@code redis://[:password@]host[:port][/database]}. Beats
         * {@code KEYCYCLE_REDIS_URL}, which beats {@code cluster.redis-url} of the file. A blank
         * URL turns sharing off. See {@code docs/cluster.md}.
         */
        public Builder redis(String url) { this.redisUrl = url == null ? "" : url.trim(); return this; }

        public Builder requestTimeout(Duration t) {
            if (t == null || t.isNegative() || t.isZero()) throw new ConfigurationException("requestTimeout must be > 0, was " + t);
            this.requestTimeout = t;
            return this;
        }

        public Builder listener(KeycycleListener l) { listeners.add(Objects.requireNonNull(l, "listener")); return this; }

        /**
         * Re-probes keys the providers disabled (invalid, suspended, no credit, key limit) on
         * {@code schedule} and re-enables them when healthy ({@link KeyReprober}); null turns it off.
         * On by default with {@link #fromEnvironment}, off otherwise.
         */
        public Builder keyProbes(io.keycycle.core.learn.ProbeSchedule schedule) { this.keyProbes = schedule; return this; }

        public Keycycle build() {
            KeycycleConfig cfg = config == null ? KeycycleConfig.empty() : config;
            Catalog catalog = Catalog.load(cfg);
            LoadedKeys loaded = dotEnv == null ? new KeyLoader(catalog).load(env) : new KeyLoader(catalog).load(env, dotEnv);
            Map<String, URI> urls = new LinkedHashMap<>(loaded.baseUrls());
            urls.putAll(baseUrls);
            catalog = catalog.withBaseUrls(urls);
            if (loaded.report().hasErrors()) {
                throw new ConfigurationException("the key set-up has errors:\n" + loaded.report().format());
            }
            if (!loaded.report().warnings().isEmpty()) log.warn("key set-up warnings:\n{}", loaded.report().format());
            Map<String, List<ApiKey>> keys = new LinkedHashMap<>();
            loaded.keys().forEach((p, ks) -> keys.put(p, new ArrayList<>(ks)));
            extraKeys.forEach((p, ks) -> keys.computeIfAbsent(p, x -> new ArrayList<>()).addAll(ks));
            LoadedKeys merged = new LoadedKeys(keys, urls, loaded.report());
            if (discoverPersistence && persistence == null) {
                for (PersistenceProvider pp : ServiceLoader.load(PersistenceProvider.class)) {
                    Optional<Persistence> p = pp.open(env, cfg);
                    if (p.isPresent()) {
                        persistence = p.get();
                        break;
                    }
                }
            }
            cluster = joinCluster(cfg.cluster());
            try {
                return new Keycycle(this, catalog, merged);
            } catch (RuntimeException e) {
                if (cluster != null) cluster.close();
                throw e;
            }
        }

        /** The Redis URL in force: {@link #redis}, else {@code KEYCYCLE_REDIS_URL}, else the file's; none: no cluster. */
        private Cluster joinCluster(ClusterConfig file) {
            String url = redisUrl != null ? redisUrl : env.get("KEYCYCLE_REDIS_URL");
            if (url == null) url = file.redisUrl();
            if (url == null || url.isBlank()) return null;
            ClusterConfig settings = new ClusterConfig(url.trim(), file.instanceId(), file.keyPrefix());
            for (ClusterProvider cp : ServiceLoader.load(ClusterProvider.class)) return cp.join(settings, clock);
            throw new ClusterException("a Redis URL is set (" + settings.toString().replaceAll(".*redisUrl=([^,]*),.*", "$1")
                    + ") but keycycle-redis is not on the class path; add the io.keycycle:keycycle-redis dependency");
        }
    }
}
