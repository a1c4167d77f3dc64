package io.keycycle.gateway;

import io.keycycle.CallSpec;
import io.keycycle.Keycycle;
import io.keycycle.core.ConfigurationException;
import io.keycycle.core.config.GatewayConfig;
import io.keycycle.core.config.GatewayEdge;
import io.keycycle.core.config.GatewayLimits;
import io.keycycle.store.KeycycleStore;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An OpenAI-compatible HTTP gateway over a {@link Keycycle}: point any OpenAI client at
 * {@code http://127.0.0.1:8787/v1} and its calls are admitted, rotated and recorded by the pool.
 *
 * <pre>{@code
 * try (KeycycleGateway gw = KeycycleGateway.builder().keycycle(keycycle).port(8787).build()) {
 *     int port = gw.start();
 *     ...
 * }
 * }</pre>
 *
 * <p>Endpoints: {@code POST /v1/chat/completions} (plain and streaming), {@code GET /v1/models},
 * the dashboard at {@code GET /} (state from {@code /api/state} and {@code /api/events}),
 * {@code GET /metrics} (Prometheus), {@code GET /healthz}, {@code GET /readyz} and the admin API
 * under {@code /admin/keys}. See {@code docs/gateway.md} for shapes and headers.
 *
 * <p>Caveats: with {@link Builder#tokens tokens} every endpoint except {@code /}, {@code /healthz}
 * and {@code /readyz} needs {@code Authorization: Bearer <token>}, and {@code /admin} an
 * {@link Builder#adminTokens admin token}; without tokens the gateway refuses to bind anything but
 * loopback. Requests naming a foreign {@code Host}, cross-site requests and non-JSON POST bodies are
 * refused on every route but the probes ({@link HostCheck}, {@link RequestGuard}). Chat completions
 * never block, plain or streaming: rotation runs on
 * {@link Keycycle#callAsync} and the upstream call on Vert.x's HTTP client
 * ({@link Builder#upstreamConnections} keep-alive connections for plain calls, 200 by default; one
 * per stream), all on the event loop, with back-pressure from a slow client to the provider. Load
 * limits ({@link Builder#maxStreams}, {@link Builder#maxInFlight}) answer 503 instead of queueing;
 * stalled or hostile providers meet an idle timeout, a stream deadline and size caps. The worker
 * pool ({@link Builder#workerThreads}, with a bounded queue) only builds the dashboard's live snapshots.
 * The gateway does not own the {@link Keycycle} or the store: {@link #close()} stops
 * the server and cancels in-flight calls but leaves both open.
 */
public final class KeycycleGateway implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(KeycycleGateway.class);

    private final Keycycle keycycle;
    private final KeycycleStore store;
    private final String host;
    private final int requestedPort;
    private final List<String> tokens;
    private final GatewayEdge edge;
    private final long maxBodyBytes;
    private final CallSpec callSpec;
    private final java.time.Duration waitForKey;
    private final GatewayMetrics metrics;
    private final RecentEvents recent = new RecentEvents(500);
    private final LiveHistory live;
    private final int forecastMinutes;
    private final ThreadPoolExecutor workers;
    private final int upstreamConnections;
    private final UpstreamLimits upstreamLimits;
    private final int eventLoops;
    private final boolean nativeTransport;
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private Vertx vertx;
    private final List<HttpServer> servers = new ArrayList<>();
    private ConnectionLimit connectionLimit;
    private Dashboard dashboard;
    private Upstream upstream;
    private long timerId = -1;
    private volatile int port = -1;

    private KeycycleGateway(Builder b) {
        this.keycycle = b.keycycle;
        this.store = b.store != null ? b.store
                : keycycle.persistence().filter(KeycycleStore.class::isInstance).map(KeycycleStore.class::cast).orElse(null);
        this.host = b.host;
        this.requestedPort = b.port;
        this.tokens = List.copyOf(b.tokens);
        this.edge = new GatewayEdge(b.adminTokens, b.allowedHosts, b.queryToken, b.idleTimeoutSeconds, b.maxHeaderBytes,
                b.maxConnections, b.shutdownGrace);
        this.maxBodyBytes = b.maxBodyBytes;
        // one way to wait: the gateway's; a call spec that waits (the way to ask before
        // waitForKey existed) waits up to its timeout, unless waitForKey was set
        CallSpec spec = b.callSpec != null ? b.callSpec : b.keycycle.callSpec(); // the file's calls: section
        this.waitForKey = b.waitForKey != null ? b.waitForKey : spec.waitForKey() ? spec.timeout() : java.time.Duration.ZERO;
        this.callSpec = spec.withWait(false);
        ModelLabels modelLabels = ModelLabels.of(keycycle);
        this.metrics = new GatewayMetrics(b.meterRegistry, store, modelLabels);
        keycycle.cluster().ifPresent(metrics::cluster);
        this.upstreamConnections = b.upstreamConnections;
        this.forecastMinutes = b.forecastMinutes;
        this.live = new LiveHistory(keycycle.clock()::millis, modelLabels);
        this.upstreamLimits = b.upstreamLimits;
        this.eventLoops = b.eventLoops;
        this.nativeTransport = b.nativeTransport;
        AtomicInteger n = new AtomicInteger();
        // bounded: a task beyond it is refused (RejectedExecutionException), which the dashboard answers with 503
        this.workers = new ThreadPoolExecutor(b.workerThreads, b.workerThreads, 30, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(workerQueue(b.workerThreads)), r -> {
            Thread t = new Thread(r, "keycycle-gateway-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        workers.allowCoreThreadTimeOut(true);
    }

    public static Builder builder() { return new Builder(); }

    /** Tasks waiting for a worker at most: four per thread, at least 4, at most 1,024. */
    static int workerQueue(int threads) { return Math.max(4, Math.min(1_024, threads * 4)); }

    /**
     * Binds the server and blocks until it listens.
     *
     * @return the bound port (the chosen one when the builder asked for port 0)
     * @throws IllegalStateException already started or closed, or the port cannot be bound
     */
    public int start() {
        try {
            return startAsync().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting the gateway", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            throw new IllegalStateException("the gateway cannot listen on " + host + ":" + requestedPort + ": " + c.getMessage(), c);
        } catch (TimeoutException e) {
            throw new IllegalStateException("the gateway did not start listening on " + host + ":" + requestedPort + " within 30 s", e);
        }
    }

    /** Binds the server; completes with the bound port. */
    public CompletionStage<Integer> startAsync() {
        if (closed.get()) throw new IllegalStateException("the gateway is closed");
        if (!started.compareAndSet(false, true)) throw new IllegalStateException("the gateway is already started");
        int loops = eventLoops > 0 ? eventLoops : defaultEventLoops(Runtime.getRuntime().availableProcessors());
        vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(loops).setWorkerPoolSize(8).setPreferNativeTransport(nativeTransport));
        if (nativeTransport && !vertx.isNativeTransportEnabled()) {
            log.warn("native transport asked for but not available ({}); serving with Java NIO",
                    vertx.unavailableNativeTransportCause() == null ? "no native library on the class path" : vertx.unavailableNativeTransportCause().toString());
        }
        dashboard = new Dashboard(keycycle, store, recent, workers, live, forecastMinutes, metrics);
        upstream = new Upstream(vertx, keycycle, upstreamConnections, upstreamLimits, loops);
        keycycle.addListener(recent);
        keycycle.addListener(metrics);
        live.watchingFrom(keycycle.clock().millis());
        keycycle.addListener(live);
        HttpServerOptions serverOptions = new HttpServerOptions().setCompressionSupported(false)
                .setIdleTimeout(edge.idleTimeoutSeconds()).setIdleTimeoutUnit(TimeUnit.SECONDS)
                .setMaxHeaderSize(edge.maxHeaderBytes());
        connectionLimit = new ConnectionLimit(edge.maxConnections(), metrics.registry());
        Router router = new GatewayRoutes(keycycle, store, host, tokens, edge, maxBodyBytes, callSpec, waitForKey, metrics,
                dashboard, upstream).router(vertx);
        timerId = vertx.setPeriodic(1000, id -> dashboard.tick());
        CompletableFuture<Integer> result = new CompletableFuture<>();
        // One server per event loop, each listening from its own event-loop context: Vert.x binds the
        // socket once and hands accepted connections round-robin to the servers, so every loop serves
        // clients (a server created from a plain thread lands on that thread's one sticky context, and
        // all connections would share one loop, one core). Port 0 becomes -1: Vert.x's "any free port,
        // shared by the servers that ask for -1" (0 is never shared).
        listenOn(requestedPort == 0 ? -1 : requestedPort, loops, serverOptions, connectionLimit, router)
                .onComplete(ar -> {
                    if (ar.succeeded()) {
                        port = ar.result();
                        log.info("keycycle gateway listening on {} ({} provider(s), {} event loop(s), client auth {})", url(), keycycle.providers().size(), loops,
                                tokens.isEmpty() && edge.adminTokens().isEmpty() ? "off (loopback only)"
                                        : "on, " + tokens.size() + " client and " + edge.adminTokens().size() + " admin token(s)");
                        if ((host.equals("0.0.0.0") || host.equals("::")) && edge.allowedHosts().isEmpty()) {
                            log.warn("bound to {} but gateway.allowed-hosts is empty: requests naming this machine by address or "
                                    + "name (other than loopback) get 403 host_not_allowed; list those names in gateway.allowed-hosts", host);
                        }
                        result.complete(port);
                    } else {
                        result.completeExceptionally(ar.cause());
                    }
                });
        return result;
    }

    /**
     * Deploys {@code instances} servers on {@code bindPort}, each on an event-loop context of its own
     * (Vert.x assigns a deployment's instances to its loops in turn); completes with the bound port.
     */
    private io.vertx.core.Future<Integer> listenOn(int bindPort, int instances, HttpServerOptions options,
                                                   ConnectionLimit connectionLimit, Router router) {
        java.util.concurrent.atomic.AtomicInteger bound = new java.util.concurrent.atomic.AtomicInteger(-1);
        return vertx.deployVerticle(() -> context -> {
                    HttpServer s = vertx.createHttpServer(options).connectionHandler(connectionLimit).requestHandler(router);
                    synchronized (servers) {
                        servers.add(s);
                    }
                    return s.listen(bindPort, host).onSuccess(h -> bound.set(h.actualPort()));
                }, new io.vertx.core.DeploymentOptions().setInstances(instances))
                .map(id -> bound.get());
    }

    /** How many event loops have accepted client connections (0 before the first). */
    int loopsServing() { return connectionLimit == null ? 0 : connectionLimit.loopsServing(); }

    /** Event loops when the builder names none: one per core, at least 2, at most 4. */
    static int defaultEventLoops(int cores) { return Math.max(2, Math.min(4, cores)); }

    /** The bound port, or -1 before {@link #start()}. */
    public int port() { return port; }

    /** {@code http://host:port}; append {@code /v1} for OpenAI clients. */
    public String url() {
        String h = host.contains(":") ? "[" + host + "]" : host;
        return "http://" + h + ":" + port;
    }

    /** The meter registry the gateway records into (Prometheus, or a composite with the one given). */
    public MeterRegistry meterRegistry() { return metrics.registry(); }

    /**
     * Stops listening, ends dashboard streams, lets the requests under way finish within
     * {@link Builder#shutdownGrace} (their answers written and their usage settled), cuts what is
     * left then (a cut call stays counted with its estimate, as when a client hangs up) and
     * detaches from the {@link Keycycle}, which stays open. Blocks until then. Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) return;
        keycycle.removeListener(recent);
        keycycle.removeListener(metrics);
        keycycle.removeListener(live);
        if (vertx != null) {
            vertx.cancelTimer(timerId);
            dashboard.closeAll();
            List<HttpServer> all;
            synchronized (servers) {
                all = new ArrayList<>(servers);
            }
            // Graceful: no new connection is taken, idle ones close at once, and each request under
            // way may finish (its answer written, its usage settled) within the grace period; what is
            // left then is cut, as the client hanging up would cut it. All servers at once, one grace.
            long graceMillis = edge.shutdownGrace().toMillis();
            List<CompletableFuture<Void>> closing = new ArrayList<>();
            for (HttpServer s : all) {
                closing.add(s.shutdown(graceMillis, TimeUnit.MILLISECONDS).toCompletionStage().toCompletableFuture());
            }
            try {
                CompletableFuture.allOf(closing.toArray(CompletableFuture[]::new)).get(graceMillis + 5_000, TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                log.warn("gateway server did not close cleanly: {}", e.toString());
            }
        }
        if (upstream != null) upstream.close();
        workers.shutdownNow();
        try {
            if (!workers.awaitTermination(5, TimeUnit.SECONDS)) log.warn("gateway workers still running after 5 s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (vertx != null) {
            try {
                vertx.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
            } catch (Exception e) {
                log.warn("Vert.x did not close cleanly: {}", e.toString());
            }
        }
        log.info("keycycle gateway on port {} closed", port);
    }

    /** Settings of a {@link KeycycleGateway}; each setter checks its argument at once. */
    public static final class Builder {
        private Keycycle keycycle;
        private KeycycleStore store;
        private String host = GatewayConfig.DEFAULT_HOST;
        private int port = GatewayConfig.DEFAULT_PORT;
        private final List<String> tokens = new ArrayList<>();
        private final List<String> adminTokens = new ArrayList<>();
        private List<String> allowedHosts = List.of();
        private boolean queryToken;
        private int idleTimeoutSeconds = GatewayEdge.DEFAULT_IDLE_TIMEOUT_SECONDS;
        private int maxHeaderBytes = GatewayEdge.DEFAULT_MAX_HEADER_BYTES;
        private int maxConnections = GatewayEdge.DEFAULT_MAX_CONNECTIONS;
        private long maxBodyBytes = GatewayConfig.DEFAULT_MAX_BODY_BYTES;
        private MeterRegistry meterRegistry;
        private CallSpec callSpec; // null: the Keycycle's callSpec() (calls: of the file)
        private java.time.Duration waitForKey;
        private int workerThreads = 256;
        private int forecastMinutes = 15;
        private int upstreamConnections = 200;
        private UpstreamLimits upstreamLimits = UpstreamLimits.DEFAULT;
        private int eventLoops;
        private boolean nativeTransport;
        private java.time.Duration shutdownGrace = GatewayEdge.DEFAULT_SHUTDOWN_GRACE;

        private Builder() { }

        /**
         * How long {@link KeycycleGateway#close()} lets requests under way finish (default 10 s; 0
         * cuts them at once). Streams longer than that are cut.
         */
        public Builder shutdownGrace(java.time.Duration d) {
            Objects.requireNonNull(d, "shutdownGrace");
            if (d.isNegative()) throw new ConfigurationException("gateway shutdownGrace must be >= 0, was " + d);
            this.shutdownGrace = d;
            return this;
        }

        /** The pool to serve (required). */
        public Builder keycycle(Keycycle k) { this.keycycle = Objects.requireNonNull(k, "keycycle"); return this; }

        /**
         * The store, for {@code /readyz} and the store gauges; null to use the keycycle's own persistence
         * when that is a {@link KeycycleStore}.
         */
        public Builder store(KeycycleStore s) { this.store = s; return this; }

        /** Host or address to bind (default {@code 127.0.0.1}). Non-loopback requires {@link #tokens}. */
        public Builder host(String h) {
            if (h == null || h.isBlank()) throw new ConfigurationException("gateway host must not be blank");
            this.host = h.trim();
            return this;
        }

        /** Port to bind (default 8787); 0 picks a free one, see {@link KeycycleGateway#port()}. */
        public Builder port(int p) {
            if (p < 0 || p > 65_535) throw new ConfigurationException("gateway port must be 0..65535, was " + p);
            this.port = p;
            return this;
        }

        /** Client bearer tokens; replaces earlier ones. Empty: no auth (loopback only). */
        public Builder tokens(List<String> ts) {
            List<String> copy = checkedTokens(ts, "gateway token");
            tokens.clear();
            tokens.addAll(copy);
            return this;
        }

        /**
         * Admin bearer tokens, for {@code /admin/*} (and everything a client token opens); replaces
         * earlier ones. A client token gets 403 on {@code /admin}. With client tokens but no admin
         * token the admin API is closed.
         */
        public Builder adminTokens(List<String> ts) {
            List<String> copy = checkedTokens(ts, "gateway admin token");
            adminTokens.clear();
            adminTokens.addAll(copy);
            return this;
        }

        /** {@code Host} names accepted besides loopback and the bound address; {@code "*"} accepts any. */
        public Builder allowedHosts(List<String> hosts) {
            this.allowedHosts = List.copyOf(Objects.requireNonNull(hosts, "allowedHosts"));
            return this;
        }

        /** Accept the token as {@code ?access_token=} too (for the dashboard's live stream); default off. */
        public Builder queryToken(boolean on) { this.queryToken = on; return this; }

        /** Close a client connection idle this long (default 120 s). */
        public Builder idleTimeoutSeconds(int s) {
            if (s < 1) throw new ConfigurationException("gateway idleTimeoutSeconds must be >= 1, was " + s);
            this.idleTimeoutSeconds = s;
            return this;
        }

        /** Largest request head in bytes (default 8 KiB); larger ones get 431. */
        public Builder maxHeaderBytes(int n) {
            if (n < 1_024) throw new ConfigurationException("gateway maxHeaderBytes must be >= 1024, was " + n);
            this.maxHeaderBytes = n;
            return this;
        }

        /** Client connections open at once (default 4096); more are closed as they arrive. */
        public Builder maxConnections(int n) {
            if (n < 1) throw new ConfigurationException("gateway maxConnections must be >= 1, was " + n);
            this.maxConnections = n;
            return this;
        }

        private static List<String> checkedTokens(List<String> ts, String what) {
            Objects.requireNonNull(ts, "tokens");
            List<String> copy = new ArrayList<>();
            for (int i = 0; i < ts.size(); i++) {
                String t = ts.get(i);
                if (t == null || t.isBlank()) throw new ConfigurationException(what + " #" + (i + 1) + " is blank");
                if (t.trim().length() < 8) throw new ConfigurationException(what + " #" + (i + 1) + " is shorter than 8 characters");
                if (!t.trim().chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
                    throw new ConfigurationException(what + " #" + (i + 1) + " has characters a header cannot carry (printable ASCII only)");
                }
                copy.add(t.trim());
            }
            return copy;
        }

        /** Largest accepted request body in bytes (default 10 MiB); larger ones get 413. */
        public Builder maxBodyBytes(long n) {
            if (n <= 0) throw new ConfigurationException("gateway maxBodyBytes must be > 0, was " + n);
            this.maxBodyBytes = n;
            return this;
        }

        /** Host, port, tokens, edge and upstream limits and the wait for a key, from the {@code gateway:} section of keycycle.yaml. */
        public Builder config(GatewayConfig c) {
            Objects.requireNonNull(c, "config");
            GatewayEdge e = c.edge();
            GatewayLimits l = c.limits();
            host(c.host()).port(c.port()).tokens(c.tokens()).maxBodyBytes(c.maxBodyBytes())
                    .adminTokens(e.adminTokens()).allowedHosts(e.allowedHosts()).queryToken(e.queryToken())
                    .idleTimeoutSeconds(e.idleTimeoutSeconds()).maxHeaderBytes(e.maxHeaderBytes()).maxConnections(e.maxConnections())
                    .shutdownGrace(e.shutdownGrace())
                    .streamIdleTimeout(l.streamIdleTimeout()).streamDeadline(l.streamDeadline())
                    .maxUpstreamBodyBytes(l.maxUpstreamBodyBytes()).maxSseLineBytes(l.maxSseLineBytes())
                    .maxStreams(l.maxStreams()).maxInFlight(l.maxInFlight());
            // the file's 0 (or no wait-for-key) is the default: it leaves a wait set otherwise alone
            if (!c.waitForKey().isZero()) waitForKey(c.waitForKey());
            return this;
        }

        /**
         * A registry to record into as well (optional). A {@code PrometheusMeterRegistry} is used as is
         * and scraped at {@code /metrics}; any other is combined with the gateway's own Prometheus registry.
         */
        public Builder meterRegistry(MeterRegistry r) { this.meterRegistry = r; return this; }

        /**
         * How each request calls the pool (default: the Keycycle's {@link Keycycle#callSpec()}, which
         * {@code calls:} of the file sets; {@link CallSpec#DEFAULT} without one). Its estimate is used
         * when a request names no {@code max_tokens}. A spec that {@linkplain CallSpec#waitForKey()
         * waits} is read as {@link #waitForKey waitForKey(spec.timeout())} unless {@code waitForKey}
         * is set.
         */
        public Builder callSpec(CallSpec s) { this.callSpec = Objects.requireNonNull(s, "callSpec"); return this; }

        /**
         * How long a chat request that finds no admissible key may wait for one
         * ({@code gateway.wait-for-key}); {@link java.time.Duration#ZERO}, the default, fails fast with
         * 429 and {@code Retry-After}. The wait is the engine's: no thread and no event loop is held,
         * the request is retried at the instant the pool computes a key frees up, and it is answered
         * 429 at once when that instant is later than the wait allows. While it waits the duration is
         * also the request's deadline for starting attempts (a rotation after an upstream failure
         * included); without a wait the call spec's timeout ({@code calls.timeout}, 120 s) stays the deadline. A client may
         * ask for less, or for 0, with {@code x-keycycle-wait: <seconds>}, never for more. A waiting
         * request counts towards {@link #maxInFlight} / {@link #maxStreams}.
         */
        public Builder waitForKey(java.time.Duration d) {
            Objects.requireNonNull(d, "waitForKey");
            if (d.isNegative()) throw new ConfigurationException("gateway waitForKey must be >= 0, was " + d);
            this.waitForKey = d;
            return this;
        }

        /**
         * Keep-alive HTTP/1.1 connections to the providers for plain chat completions (default 200):
         * the number of plain upstream calls in flight at once; more wait for a free connection. The
         * connections are shared out among the event loops (each loop has its own pool of
         * {@code ceil(n / loops)}, so a call never leaves the loop serving it).
         */
        public Builder upstreamConnections(int n) {
            if (n < 1) throw new ConfigurationException("gateway upstreamConnections must be >= 1, was " + n);
            this.upstreamConnections = n;
            return this;
        }

        /**
         * The forecasts' rate window: quotas are forecast at the rate of the last {@code n} complete
         * minutes (default 15, at most 120).
         */
        public Builder forecastMinutes(int n) {
            if (n < 1 || n > LiveHistory.RATE_MINUTES - 1) {
                throw new ConfigurationException("gateway forecastMinutes must be 1.." + (LiveHistory.RATE_MINUTES - 1) + ", was " + n);
            }
            this.forecastMinutes = n;
            return this;
        }

        /** Streams served at once (default 2,048); one more is answered 503 with {@code Retry-After}. */
        public Builder maxStreams(int n) { this.upstreamLimits = upstreamLimits.withMaxStreams(n); return this; }

        /** Plain requests in flight at once (default 8,192); one more is answered 503 with {@code Retry-After}. */
        public Builder maxInFlight(int n) { this.upstreamLimits = upstreamLimits.withMaxPlainInFlight(n); return this; }

        /** Longest silence between two chunks of an upstream stream, the first included (default 120 s). */
        public Builder streamIdleTimeout(java.time.Duration d) { this.upstreamLimits = upstreamLimits.withStreamIdleTimeout(d); return this; }

        /** Longest an upstream stream may run in total (default 30 min). */
        public Builder streamDeadline(java.time.Duration d) { this.upstreamLimits = upstreamLimits.withStreamDeadline(d); return this; }

        /** Largest upstream body buffered: a plain answer, an error, a JSON answer to a stream (default 32 MiB). */
        public Builder maxUpstreamBodyBytes(long n) { this.upstreamLimits = upstreamLimits.withMaxBodyBytes(n); return this; }

        /** Longest line of an upstream event stream (default 4 MiB). */
        public Builder maxSseLineBytes(int n) { this.upstreamLimits = upstreamLimits.withMaxLineBytes(n); return this; }

        /**
         * Vert.x event loops serving every connection, client and upstream alike (default 0: one
         * per core, at least 2, at most 4).
         */
        public Builder eventLoops(int n) {
            if (n < 0 || n > 64) throw new ConfigurationException("gateway eventLoops must be 0..64 (0: one per core), was " + n);
            this.eventLoops = n;
            return this;
        }

        /**
         * Use Netty's native transport (epoll on Linux) instead of Java NIO when it is on the class
         * path ({@code io.netty:netty-transport-native-epoll}, classifier {@code linux-x86_64} or
         * {@code linux-aarch_64}); default off. Without it the gateway logs a warning and uses NIO.
         */
        public Builder nativeTransport(boolean on) { this.nativeTransport = on; return this; }

        /**
         * Threads building the dashboard's live snapshots (default 256); chat requests never use them.
         * At most four tasks per thread wait (at most 1,024); a new {@code /api/events} listener beyond
         * that gets 503 with {@code Retry-After}.
         */
        public Builder workerThreads(int n) {
            if (n < 1) throw new ConfigurationException("gateway workerThreads must be >= 1, was " + n);
            this.workerThreads = n;
            return this;
        }

        /**
         * @throws ConfigurationException no keycycle given, or a non-loopback host without tokens
         */
        public KeycycleGateway build() {
            if (keycycle == null) throw new ConfigurationException("KeycycleGateway needs a Keycycle: builder().keycycle(Keycycle.fromEnv())");
            if (tokens.isEmpty() && adminTokens.isEmpty() && !isLoopback(host)) {
                throw new ConfigurationException("refusing to serve on " + host + " without client tokens: anyone who can reach it "
                        + "could spend your keys. Set gateway.tokens in keycycle.yaml (e.g. [${KEYCYCLE_GATEWAY_TOKEN}]) "
                        + "or bind to 127.0.0.1");
            }
            return new KeycycleGateway(this);
        }

        static boolean isLoopback(String host) {
            if (host.equalsIgnoreCase("localhost")) return true;
            try {
                InetAddress[] all = InetAddress.getAllByName(host);
                for (InetAddress a : all) if (!a.isLoopbackAddress()) return false;
                return all.length > 0;
            } catch (UnknownHostException e) {
                throw new ConfigurationException("gateway host '" + host + "' cannot be resolved");
            }
        }
    }
}
