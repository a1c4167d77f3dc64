package io.keycycle;

import com.fasterxml.jackson.databind.JsonNode;
import io.keycycle.core.ApiKey;
import io.keycycle.core.Cluster;
import io.keycycle.core.ClusterException;
import io.keycycle.core.ClusterProvider;
import io.keycycle.core.ClusterStatus;
import io.keycycle.core.ConfigurationException;
import io.keycycle.core.EngineClock;
import io.keycycle.core.KeycycleEvent;
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
import io.keycycle.core.config.Catalog;
import io.keycycle.core.config.ClusterConfig;
import io.keycycle.core.config.DotEnv;
import io.keycycle.core.config.KeyLoader;
import io.keycycle.core.config.KeycycleConfig;
import io.keycycle.core.config.LoadedKeys;
import io.keycycle.core.config.ModelRef;
import io.keycycle.core.config.TierConfig;
import io.keycycle.core.config.ValidationReport;
import io.keycycle.core.pool.KeyPool;
import io.keycycle.core.pool.PoolPolicy;
import io.keycycle.core.pool.PoolSnapshot;
import io.keycycle.core.pool.Selection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
 * <p>The facade keeps the pools, their clients and the lifecycle; the jobs behind its calls live in
 * their own classes, one path for every caller: {@link Targets} routes a target to candidates,
 * {@link Fallback} holds the fallback rules that the blocking {@link #call} and the non-blocking
 * {@link #callAsync} (and so the gateway) both follow, with what they ask of the catalog in
 * {@link CatalogAdvice}, {@link ChatCalls} adds what chat requests need on top (reservation, model
 * rewrite, the stream rule), and {@link PoolRestorer} hands the store's state back to the pools.
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
    private final CallSpec callSpec;
    private final List<KeycycleListener> listeners = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService timer;
    private final KeyReprober reprober;
    private final Thread shutdownHook;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Targets targets;
    /** What the fallback rules ask of the catalog and the pools. */
    private final Fallback.Advice advice;
    private final ChatCalls chats = new ChatCalls(this::call, this::client);

    private Keycycle(Builder b, Catalog catalog, LoadedKeys loaded) {
        this.catalog = catalog;
        this.config = catalog.config();
        this.report = loaded.report();
        this.clock = b.clock;
        this.requestTimeout = b.requestTimeout != null ? b.requestTimeout : config.calls().requestTimeout();
        this.callSpec = CallSpec.DEFAULT.withTimeout(config.calls().timeout()).withMaxRetries(config.calls().maxRetries())
                .withEstimatedTokens(config.calls().estimatedTokens());
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
                        .requestTimeout(requestTimeout).build());
            }
            log.info("{} keys for provider {} (default model {}, {} scope(s)): {}", e.getValue().size(), provider,
                    spec.defaultModel(), e.getValue().stream().map(ApiKey::scope).distinct().count(),
                    e.getValue().stream().map(ApiKey::fingerprint).toList());
        }
        this.pools = java.util.Collections.unmodifiableMap(ps);
        this.clients = java.util.Collections.unmodifiableMap(cs);
        this.targets = new Targets(catalog, config, pools.keySet());
        this.advice = new CatalogAdvice(catalog, pools, clock, this::publish);
        targets.validate();
        if (persistence != null) {
            long t0 = System.nanoTime();
            persistence.restore(new PoolRestorer(pools), clock.now());
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

    /**
     * The timeout of one HTTP call to a provider: the builder's {@code requestTimeout}, else
     * {@code calls.request-timeout} of the file, else 120 s.
     */
    public Duration requestTimeout() { return requestTimeout; }

    /**
     * The settings of a call that names none: {@link CallSpec#DEFAULT} with the file's
     * {@code calls.timeout}, {@code calls.max-retries} and {@code calls.estimated-tokens} (the
     * defaults, 120 s, 5 and 1,000, without a file). Used by {@link #call(String, TargetCall)}, the
     * gateway and {@code keycycle chat} unless they are given their own.
     */
    public CallSpec callSpec() { return callSpec; }

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
    public List<ModelRef> route(String target) { return targets.route(target); }

    // ------------------------------------------------------------------ calls

    /** Runs {@code fn} on the target with the default settings ({@link #callSpec()}). */
    public <T> Served<T> call(String target, TargetCall<T> fn) { return call(target, callSpec, fn); }

    /**
     * Runs {@code fn} with a key of the target's first candidate that can serve, rotating keys
     * within the candidate (the pool's one retry loop) and falling back to the next candidate when
     * one is exhausted, out of attempts or unavailable; then to {@code spec.escalateTo()} if set.
     *
     * @throws NoAvailableKeyException nothing could even be tried (carries the earliest retry instant)
     * @throws RateLimitException      attempts were made and all failed (carries every attempt)
     */
    public <T> Served<T> call(String target, CallSpec spec, TargetCall<T> fn) {
        Objects.requireNonNull(spec, "spec");
        return new Fallback<T>(pools, clock, target, spec, targets.candidates(target, spec), advice).call(fn);
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
            return new AsyncFallback<>(new Fallback<T>(pools, clock, target, spec, targets.candidates(target, spec), advice), fn).start();
        } catch (RuntimeException e) {
            return java.util.concurrent.CompletableFuture.failedFuture(e);
        }
    }

    /**
     * One chat completion through the pool (non-streaming). {@code body} is an OpenAI-style request;
     * its {@code model} is replaced per candidate. Unless {@code spec} says otherwise, the reservation is
     * the prompt estimate plus {@code max_tokens} (or the spec's estimate when no max is given).
     * A non-2xx answer after all retries and fallbacks is thrown as {@link RateLimitException}.
     * Each HTTP call is bounded by what is left of {@code spec.timeout()} when that is shorter than
     * the {@linkplain #requestTimeout() request timeout}.
     */
    public Served<ChatResult> chat(String target, JsonNode body, CallSpec spec) { return chats.chat(target, body, spec); }

    /**
     * One streaming chat completion: chunks go to {@code listener} as they arrive. Rotation and
     * fallback happen only before the first chunk; usage is recorded from the final chunk.
     */
    public Served<StreamResult> stream(String target, JsonNode body, CallSpec spec, StreamListener listener) {
        return chats.stream(target, body, spec, listener);
    }

    /**
     * Like {@link #stream} but tells {@code attempts} about each attempt before its first chunk:
     * which candidate and key, and the handle that cancels it (the gateway cancels when its client
     * goes away, and names the provider and key in its response headers).
     */
    public Served<StreamResult> stream(String target, JsonNode body, CallSpec spec, StreamListener listener,
                                       StreamAttempts attempts) {
        return chats.stream(target, body, spec, listener, attempts);
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
    public static long estimateTokens(JsonNode body, CallSpec spec) { return ChatCalls.shaped(body, spec).estimatedTokens(); }

    // ------------------------------------------------------------------ lifecycle

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

    /**
     * Stops the maintenance timer and the pools' timers (a {@link #callAsync} still waiting for a
     * key fails at once), and drains the store. Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) return;
        timer.shutdownNow();
        if (reprober != null) reprober.close();
        for (KeyPool p : pools.values()) p.close();
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
        private DotEnv dotEnv; // read once, when set: keys and settings come from the same parse
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
        private Duration requestTimeout; // null: calls.request-timeout of the file
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
            Map<String, String> vars = vars();
            String cfg = vars.get("KEYCYCLE_CONFIG");
            Path file = Path.of(cfg == null || cfg.isBlank() ? "keycycle.yaml" : cfg.trim());
            if (cfg != null && !cfg.isBlank() && !Files.isRegularFile(file)) {
                throw new ConfigurationException("KEYCYCLE_CONFIG points at " + file.toAbsolutePath() + ", which does not exist");
            }
            config(KeycycleConfig.loadIfExists(file, vars));
            discoverPersistence = true;
            keyProbes = io.keycycle.core.learn.ProbeSchedule.DEFAULT;
            return this;
        }

        public Builder env(Map<String, String> environment) { this.env = Map.copyOf(Objects.requireNonNull(environment, "env")); return this; }

        /**
         * The variables Keycycle reads: the environment laid over the {@code .env} file, if any (the
         * Python library loads {@code .env} into the environment, so its users keep {@code TIDB_DB_URL}
         * and the like there).
         */
        private Map<String, String> vars() { return dotEnv == null ? env : dotEnv.under(env); }

        public Builder dotEnv(Path file) {
            if (!Files.isRegularFile(file)) throw new ConfigurationException(".env file " + file.toAbsolutePath() + " does not exist");
            this.dotEnv = DotEnv.read(file);
            return this;
        }

        public Builder config(KeycycleConfig c) { this.config = Objects.requireNonNull(c, "config"); return this; }

        public Builder configFile(Path file) { return config(KeycycleConfig.load(file, env)); }

        /** Adds keys programmatically (in addition to the environment's). */
        public Builder keys(String provider, List<ApiKey> keys) {
            String lower = provider.trim().toLowerCase(java.util.Locale.ROOT);
            if (!lower.equals(provider)) {
                // targets, tiers and the environment name providers in lower case: a pool called "Groq" no target would find
                throw new ConfigurationException("provider names are lower case: keys(\"" + lower + "\", …), not keys(\"" + provider
                        + "\", …) (and the keys' provider the same)");
            }
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

        /** The timeout of one HTTP call to a provider; beats {@code calls.request-timeout} of the file (120 s by default). */
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
            Catalog catalog = Catalog.load(cfg, vars()); // the variables select account tiers (COHERE_TIER)
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
            // Redis first: a wrong URL or password fails before a store is opened, so nothing is left open
            Map<String, String> vars = vars();
            cluster = joinCluster(cfg.cluster(), vars);
            Persistence discovered = null;
            try {
                if (discoverPersistence && persistence == null) {
                    for (PersistenceProvider pp : ServiceLoader.load(PersistenceProvider.class)) {
                        Optional<Persistence> p = pp.open(vars, cfg);
                        if (p.isPresent()) {
                            persistence = discovered = p.get();
                            break;
                        }
                    }
                }
                return new Keycycle(this, catalog, merged);
            } catch (RuntimeException e) {
                if (discovered != null) {
                    try {
                        discovered.close();
                    } catch (RuntimeException closing) {
                        e.addSuppressed(closing);
                    }
                    persistence = null;
                }
                if (cluster != null) cluster.close();
                throw e;
            }
        }

        /** The Redis URL in force: {@link #redis}, else {@code KEYCYCLE_REDIS_URL}, else the file's; none: no cluster. */
        private Cluster joinCluster(ClusterConfig file, Map<String, String> vars) {
            String url = redisUrl != null ? redisUrl : vars.get("KEYCYCLE_REDIS_URL");
            if (url == null) url = file.redisUrl();
            if (url == null || url.isBlank()) return null;
            ClusterConfig settings = file.withRedisUrl(url.trim());
            for (ClusterProvider cp : ServiceLoader.load(ClusterProvider.class)) return cp.join(settings, clock);
            throw new ClusterException("a Redis URL is set (" + settings.toString().replaceAll(".*redisUrl=([^,]*),.*", "$1")
                    + ") but keycycle-redis is not on the class path; add the io.keycycle:keycycle-redis dependency");
        }
    }
}
