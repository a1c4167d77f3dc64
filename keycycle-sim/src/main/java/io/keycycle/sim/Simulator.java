package io.keycycle.sim;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A local HTTP server that behaves like Cerebras, Groq, Gemini (OpenAI-compatible endpoint) and
 * OpenRouter at once, each under its own path prefix:
 *
 * <pre>{@code
 * try (Simulator sim = Simulator.builder()
 *         .provider(SimProvider.groq().key("gsk_test_0000000000000000000001", "org-a")
 *                 .model("llama-3.3-70b-versatile", SimLimits.UNLIMITED.rpm(2)).build())
 *         .build().start()) {
 *     String base = sim.baseUrl("groq");   // http://127.0.0.1:PORT/groq/openai/v1
 *     sim.provider("groq").failNext(1, FaultKind.OVERLOADED_503);
 *     ...
 *     assertThat(sim.stats().total429()).isZero();
 * }
 * }</pre>
 *
 * <p>Limits are enforced over the injected {@link Clock} (real time by default) with exact sliding
 * windows, and calendar day resets for Gemini (midnight America/Los_Angeles) and OpenRouter
 * (midnight UTC). Caveats: a request is charged {@code prompt + completion} tokens (Gemini: the
 * prompt only, its quotas count input tokens; Cerebras: prompt + {@code max_completion_tokens}, its
 * up-front reservation), all known before the answer is written; latency and stream pacing hold a server thread, so size
 * {@link Builder#threads(int)} for the concurrency a load test drives.
 */
public final class Simulator implements AutoCloseable {

    static {
        // The JDK HttpServer leaves Nagle's algorithm on: small answers would wait ~40 ms for the
        // peer's delayed ACK. Only read when the first HttpServer class loads, hence here.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) System.setProperty("sun.net.httpserver.nodelay", "true");
        // Its default of 200 idle connections makes it close kept-alive connections under load
        // tests with many clients; a real provider keeps them.
        if (System.getProperty("sun.net.httpserver.maxIdleConnections") == null) {
            System.setProperty("sun.net.httpserver.maxIdleConnections", "2000");
        }
    }

    private static final Logger LOG = LoggerFactory.getLogger(Simulator.class);

    private final String host;
    private final int requestedPort;
    private final int threads;
    private final Map<ProviderKind, ProviderControl> providers;
    private final SimStats stats = new SimStats();
    private final SimHandler handler;
    private HttpServer server;
    private ThreadPoolExecutor executor;

    private Simulator(Builder b) {
        this.host = b.host;
        this.requestedPort = b.port;
        this.threads = b.threads;
        Map<ProviderKind, ProviderControl> map = new EnumMap<>(ProviderKind.class);
        b.providers.forEach((k, v) -> map.put(k, new ProviderControl(v)));
        this.providers = Collections.unmodifiableMap(map);
        this.handler = new SimHandler(providers, stats, b.clock, b.latency, b.chunkInterval);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Binds and starts serving; returns {@code this}. */
    public synchronized Simulator start() {
        if (server != null || executor != null) {
            throw new IllegalStateException("a simulator starts once; build a new one");
        }
        AtomicInteger n = new AtomicInteger();
        ThreadFactory tf = r -> {
            Thread t = new Thread(r, "keycycle-sim-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        executor = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(4096), tf,
                new ThreadPoolExecutor.CallerRunsPolicy());
        executor.allowCoreThreadTimeOut(true);
        try {
            server = HttpServer.create(new InetSocketAddress(host, requestedPort), 512);
        } catch (IOException e) {
            executor.shutdownNow();
            throw new UncheckedIOException("cannot bind simulator to " + host + ":" + requestedPort, e);
        }
        server.createContext("/", handler);
        server.setExecutor(executor);
        server.start();
        LOG.info("keycycle-sim listening on http://{}:{} ({})", host, port(), providers.keySet());
        return this;
    }

    /** The bound port (the real one when built with port 0). */
    public int port() {
        return requireStarted().getAddress().getPort();
    }

    /** {@code http://127.0.0.1:PORT} */
    public String rootUrl() {
        String h = host.contains(":") ? "[" + host + "]" : host;
        return "http://" + h + ":" + port();
    }

    /** The OpenAI-style base URL of a provider, e.g. {@code http://127.0.0.1:PORT/groq/openai/v1}. */
    public String baseUrl(String provider) {
        return baseUrl(ProviderKind.of(provider));
    }

    public String baseUrl(ProviderKind kind) {
        control(kind);
        return rootUrl() + kind.pathPrefix();
    }

    /** Runtime switches of a configured provider. */
    public ProviderControl provider(String provider) {
        return control(ProviderKind.of(provider));
    }

    public ProviderControl provider(ProviderKind kind) {
        return control(kind);
    }

    /** The configured providers. */
    public Set<ProviderKind> providers() {
        return providers.keySet();
    }

    /** Live counters of everything answered so far. */
    public SimStats stats() {
        return stats;
    }

    /** Returns every provider to its configuration (keys, limits, faults, windows) and clears the stats. */
    public void reset() {
        providers.values().forEach(ProviderControl::reset);
        stats.reset();
    }

    /** Stops serving at once; in-flight streams are cut. Idempotent. */
    @Override
    public synchronized void close() {
        if (server != null) {
            server.stop(0);
            executor.shutdownNow();
            server = null;
            LOG.info("keycycle-sim stopped");
        }
    }

    private ProviderControl control(ProviderKind kind) {
        ProviderControl c = providers.get(kind);
        if (c == null) {
            throw new IllegalArgumentException("provider " + kind.id() + " is not configured in this simulator; configured: "
                    + providers.keySet());
        }
        return c;
    }

    private synchronized HttpServer requireStarted() {
        if (server == null) {
            throw new IllegalStateException("simulator not started; call start()");
        }
        return server;
    }

    /** Validating builder. Defaults: 127.0.0.1, port 0 (ephemeral), no latency, 32 threads, system UTC clock. */
    public static final class Builder {
        private String host = "127.0.0.1";
        private int port;
        private Duration latency = Duration.ZERO;
        private Duration chunkInterval = Duration.ZERO;
        private Clock clock = Clock.systemUTC();
        private int threads = 32;
        private final Map<ProviderKind, SimProvider> providers = new EnumMap<>(ProviderKind.class);

        private Builder() {
        }

        /** 0 picks a free port. */
        public Builder port(int port) {
            if (port < 0 || port > 65_535) {
                throw new IllegalArgumentException("port must be 0..65535, was " + port);
            }
            this.port = port;
            return this;
        }

        public Builder host(String host) {
            if (host == null || host.isBlank()) {
                throw new IllegalArgumentException("host must not be blank");
            }
            this.host = host;
            return this;
        }

        /** Added before every successful answer (time to first byte). */
        public Builder latency(Duration latency) {
            this.latency = nonNegative("latency", latency);
            return this;
        }

        /** Pause between stream frames (each frame is flushed on its own either way). */
        public Builder chunkInterval(Duration interval) {
            this.chunkInterval = nonNegative("chunkInterval", interval);
            return this;
        }

        /** The clock windows, day resets and {@code created} fields use. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** Server threads; each in-flight request (including its latency and stream pacing) holds one. */
        public Builder threads(int threads) {
            if (threads < 1) {
                throw new IllegalArgumentException("threads must be >= 1, was " + threads);
            }
            this.threads = threads;
            return this;
        }

        public Builder provider(SimProvider... configs) {
            for (SimProvider p : configs) {
                if (providers.putIfAbsent(p.kind(), p) != null) {
                    throw new IllegalArgumentException("provider " + p.kind().id() + " configured twice");
                }
            }
            return this;
        }

        /**
         * Reads a {@code sim.yaml} (see the module README): top-level settings and providers. Settings
         * given on the builder afterwards override the file's.
         *
         * @throws IllegalArgumentException naming the bad key or value
         */
        public Builder configFile(java.nio.file.Path file) {
            SimConfig.load(Objects.requireNonNull(file, "file"), this);
            return this;
        }

        /** The providers configured so far. */
        public Set<ProviderKind> configuredProviders() {
            return Collections.unmodifiableSet(providers.keySet());
        }

        /** All four providers with their free-tier tables and {@code keysPerProvider} fake keys each, one scope per key. */
        public Builder freeTierProviders(int keysPerProvider) {
            for (ProviderKind k : ProviderKind.values()) {
                provider(SimProvider.freeTier(k, keysPerProvider));
            }
            return this;
        }

        public Simulator build() {
            if (providers.isEmpty()) {
                throw new IllegalArgumentException("configure at least one provider (provider(...) or freeTierProviders(n))");
            }
            return new Simulator(this);
        }

        private static Duration nonNegative(String what, Duration d) {
            Objects.requireNonNull(d, what);
            if (d.isNegative()) {
                throw new IllegalArgumentException(what + " must be >= 0, was " + d);
            }
            return d;
        }
    }
}
