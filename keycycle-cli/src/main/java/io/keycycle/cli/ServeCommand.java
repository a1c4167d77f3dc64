package io.keycycle.cli;

import io.keycycle.Keycycle;
import io.keycycle.core.config.GatewayConfig;
import io.keycycle.gateway.KeycycleGateway;
import io.keycycle.store.KeycycleStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * {@code keycycle serve}: the OpenAI-compatible gateway over the configured keys, with the
 * dashboard, metrics and admin API, until Ctrl-C.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {
                "Run the OpenAI-compatible gateway over your keys until Ctrl-C.",
                "",
                "POST /v1/chat/completions (plain and streaming) and GET /v1/models for any OpenAI client; the "
                        + "dashboard at /, Prometheus metrics at /metrics, /healthz, /readyz and the admin API at "
                        + "/admin/keys. 'model' is provider/model, a bare model, a provider or a tier. Bound to "
                        + "127.0.0.1 by default; any other address requires client tokens."},
        footerHeading = "%nExamples:%n",
        footer = {
                "  keycycle serve                                   http://127.0.0.1:8787/v1",
                "  keycycle serve --port 9000 --config keycycle.yaml",
                "  KEYCYCLE_GATEWAY_TOKEN=s3cret-token keycycle serve --host 0.0.0.0",
                "  keycycle serve --host 0.0.0.0 --token-file /run/secrets/gateway-token --admin-token-file /run/secrets/admin-token",
                "  keycycle serve --db 'mysql+pymysql://app:pw@tidb.example:4000/keycycle?ssl_ca=/etc/ssl/ca.pem'",
                "  keycycle serve --redis redis://10.0.0.5:6379   several gateways share one pool (docs/cluster.md)",
                "",
                "  curl http://127.0.0.1:8787/v1/chat/completions -H 'Content-Type: application/json' \\",
                "       -d '{\"model\":\"fast\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}'"})
final class ServeCommand extends KeycycleCommand {

    @Option(names = {"-p", "--port"}, paramLabel = "PORT",
            description = "Port to listen on (default: gateway.port of the file, else 8787; 0 picks a free port).")
    Integer port;

    @Option(names = "--host", paramLabel = "HOST",
            description = "Address to bind (default: gateway.host of the file, else 127.0.0.1).")
    String host;

    @Option(names = "--token", paramLabel = "TOKEN",
            description = "A bearer token clients must send (repeatable; adds to gateway.tokens of the file). "
                    + "Visible to every user of the machine in the process list: prefer --token-file or "
                    + "KEYCYCLE_GATEWAY_TOKEN.")
    List<String> tokens = new ArrayList<>();

    @Option(names = "--token-file", paramLabel = "FILE",
            description = "A file holding client tokens, one per line (# comments and blank lines ignored); "
                    + "adds to gateway.tokens. The environment variable KEYCYCLE_GATEWAY_TOKEN adds one more.")
    Path tokenFile;

    @Option(names = "--admin-token-file", paramLabel = "FILE",
            description = "A file holding admin tokens for /admin, one per line; adds to gateway.admin-tokens. "
                    + "The environment variable KEYCYCLE_GATEWAY_ADMIN_TOKEN adds one more.")
    Path adminTokenFile;

    @Option(names = "--forecast-minutes", paramLabel = "N", defaultValue = "15",
            description = "Quota forecasts (dashboard, /api/state, /metrics) use the rate of the last N complete minutes, "
                    + "1..120 (default: ${DEFAULT-VALUE}).")
    int forecastMinutes;

    @Option(names = "--redis", paramLabel = "URL",
            description = "Share the pool with every gateway and library process using this Redis "
                    + "(redis://[:password@]host[:port][/db]; default: $KEYCYCLE_REDIS_URL, else cluster.redis-url of the file).")
    String redis;

    @Option(names = "--max-streams", paramLabel = "N",
            description = "Streams served at once; one more is answered 503 with Retry-After (default: gateway.max-streams "
                    + "of the file, else 2048).")
    Integer maxStreams;

    @Option(names = "--max-in-flight", paramLabel = "N",
            description = "Plain requests in flight at once; one more is answered 503 with Retry-After (default: "
                    + "gateway.max-in-flight of the file, else 8192).")
    Integer maxInFlight;

    @Option(names = "--stream-idle-timeout", paramLabel = "DURATION", converter = Durations.class,
            description = "Longest silence between two chunks of an upstream stream, the first included, e.g. 90s "
                    + "(default: gateway.stream-idle-timeout of the file, else 120s).")
    java.time.Duration streamIdleTimeout;

    @Option(names = "--stream-deadline", paramLabel = "DURATION", converter = Durations.class,
            description = "Longest an upstream stream may run in total, e.g. 10m (default: gateway.stream-deadline "
                    + "of the file, else 30m).")
    java.time.Duration streamDeadline;

    @Option(names = "--shutdown-grace", paramLabel = "DURATION",
            description = "How long Ctrl-C or SIGTERM lets requests under way finish before cutting them, e.g. 2m; "
                    + "0 cuts them at once (default: gateway.shutdown-grace of the file, else 10s).")
    String shutdownGrace;

    @Option(names = "--timeout", paramLabel = "DURATION", converter = Durations.class,
            description = "Deadline of a request: no attempt (a rotation or a fallback) starts later than this after it "
                    + "arrived, e.g. 5m (default: calls.timeout of the file, else 120s; a wait for a key replaces it "
                    + "while it lasts).")
    java.time.Duration timeout;

    @Option(names = "--request-timeout", paramLabel = "DURATION", converter = Durations.class,
            description = "Longest one plain request to a provider may take to answer whole; a slower one is cut and the "
                    + "call rotates to another key, e.g. 30s (default: calls.request-timeout of the file, else 120s).")
    java.time.Duration requestTimeout;

    @Option(names = "--wait-for-key", paramLabel = "DURATION",
            description = "How long a request that finds no free key may wait for one, e.g. 30s; 0 fails fast with 429 "
                    + "and Retry-After (default: gateway.wait-for-key of the file, else 0). A client may ask for less with "
                    + "the header x-keycycle-wait: SECONDS.")
    String waitForKey;

    @Option(names = "--max-upstream-body-bytes", paramLabel = "SIZE", converter = Sizes.class,
            description = "Largest upstream body buffered (a plain answer, an error), e.g. 16MiB; at least 1024 "
                    + "(default: gateway.max-upstream-body-bytes of the file, else 32MiB).")
    Long maxUpstreamBodyBytes;

    @Option(names = "--max-sse-line-bytes", paramLabel = "SIZE", converter = Sizes.class,
            description = "Longest line of an upstream event stream, e.g. 1MiB; at least 1024 (default: "
                    + "gateway.max-sse-line-bytes of the file, else 4MiB).")
    Long maxSseLineBytes;

    @Override
    protected boolean quietByDefault() { return false; }

    @Override
    protected int execute() throws Exception {
        if (port != null && (port < 0 || port > 65535)) throw usage("--port must be within 0..65535, was " + port);
        if (forecastMinutes < 1 || forecastMinutes > 120) throw usage("--forecast-minutes must be within 1..120, was " + forecastMinutes);
        if (maxStreams != null && maxStreams < 1) throw usage("--max-streams must be >= 1, was " + maxStreams);
        if (maxInFlight != null && maxInFlight < 1) throw usage("--max-in-flight must be >= 1, was " + maxInFlight);
        if (maxUpstreamBodyBytes != null && maxUpstreamBodyBytes < 1024) {
            throw usage("--max-upstream-body-bytes must be >= 1024, was " + maxUpstreamBodyBytes);
        }
        if (maxSseLineBytes != null && (maxSseLineBytes < 1024 || maxSseLineBytes > Integer.MAX_VALUE - 8)) {
            throw usage("--max-sse-line-bytes must be within 1024.." + (Integer.MAX_VALUE - 8) + ", was " + maxSseLineBytes);
        }
        java.time.Duration wait = waitForKey == null ? null : zeroOrDuration("--wait-for-key", waitForKey, "to fail fast");
        java.time.Duration grace = shutdownGrace == null ? null : zeroOrDuration("--shutdown-grace", shutdownGrace, "to cut them at once");
        KeycycleFactory f = factory();
        GatewayConfig file = f.config().gateway();
        List<String> allTokens = new ArrayList<>(file.tokens());
        allTokens.addAll(tokens);
        if (!tokens.isEmpty()) {
            err().println("warning: --token puts the token in the process list, where every user of this machine can read it; "
                    + "use --token-file FILE or KEYCYCLE_GATEWAY_TOKEN instead");
        }
        allTokens.addAll(TokenSources.read(tokenFile, f.environment().workDir(), "--token-file", this::usage));
        TokenSources.fromEnv(f.env(), "KEYCYCLE_GATEWAY_TOKEN").ifPresent(allTokens::add);
        List<String> adminTokens = new ArrayList<>(file.edge().adminTokens());
        adminTokens.addAll(TokenSources.read(adminTokenFile, f.environment().workDir(), "--admin-token-file", this::usage));
        TokenSources.fromEnv(f.env(), "KEYCYCLE_GATEWAY_ADMIN_TOKEN").ifPresent(adminTokens::add);
        KeycycleStore store = f.openStore();
        Keycycle keycycle = null;
        KeycycleGateway gateway = null;
        try {
            try {
                keycycle = f.keycycle(store, redis, requestTimeout);
            } catch (io.keycycle.core.ClusterException e) {
                closeAll(null, null, store);
                err().println("error: " + e.getMessage());
                err().flush();
                return CliErrors.USAGE;
            }
            if (keycycle.providers().isEmpty()) {
                throw new CliFailure("no keys found: set NUM_<PROVIDER> and <PROVIDER>_API_KEY_<i> (e.g. NUM_GROQ=2, "
                        + "GROQ_API_KEY_1=…) in the environment or a .env file; `keycycle check` shows what was read. "
                        + "To try Keycycle without keys: `keycycle demo`.");
            }
            KeycycleGateway.Builder b = KeycycleGateway.builder().keycycle(keycycle).store(store).config(file)
                    .host(host != null ? host : file.host()).port(port != null ? port : file.port())
                    .tokens(distinct(allTokens)).adminTokens(distinct(adminTokens)).forecastMinutes(forecastMinutes);
            if (maxStreams != null) b.maxStreams(maxStreams);
            if (maxInFlight != null) b.maxInFlight(maxInFlight);
            if (streamIdleTimeout != null) b.streamIdleTimeout(streamIdleTimeout);
            if (streamDeadline != null) b.streamDeadline(streamDeadline);
            if (grace != null) b.shutdownGrace(grace);
            if (timeout != null) b.callSpec(keycycle.callSpec().withTimeout(timeout));
            if (wait != null) b.waitForKey(wait);
            if (maxUpstreamBodyBytes != null) b.maxUpstreamBodyBytes(maxUpstreamBodyBytes);
            if (maxSseLineBytes != null) b.maxSseLineBytes(maxSseLineBytes.intValue());
            gateway = b.build();
            try {
                gateway.start();
            } catch (RuntimeException e) {
                if (!(rootCause(e) instanceof java.net.BindException)) throw e;
                String at = (host != null ? host : file.host()) + ":" + (port != null ? port : file.port());
                throw new CliFailure("cannot listen on " + at + ": " + rootCause(e).getMessage()
                        + (rootCause(e).getMessage() != null && rootCause(e).getMessage().contains("in use") ? ""
                        : " (in use, or not an address of this machine)")
                        + "; choose another port with --port (0 picks a free one) or gateway.port in keycycle.yaml", e);
            }
            out().println("keycycle gateway listening on " + gateway.url() + "/v1  (dashboard " + gateway.url()
                    + "/, metrics " + gateway.url() + "/metrics)");
            out().println("providers: " + String.join(", ", keycycle.providers())
                    + (keycycle.tiers().isEmpty() ? "" : "; tiers: " + String.join(", ", keycycle.tiers().keySet()))
                    + (store == null ? "; no database" : "; database " + store.url().redacted())
                    + keycycle.cluster().map(c -> "; shared pool " + c.location() + " as " + c.instanceId()
                            + " (" + c.liveInstances() + " live instance(s))").orElse(""));
            out().println("Ctrl-C to stop.");
            out().flush();
            for (String w : HostCheck.damonWarnings(HostCheck.DAMON_KDAMONDS)) err().println("warning: " + w);
            err().flush();
            CountDownLatch stopped = new CountDownLatch(1);
            KeycycleGateway g = gateway;
            Keycycle k = keycycle;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                closeAll(g, k, store);
                stopped.countDown();
            }, "keycycle-serve-shutdown"));
            stopped.await();
            return 0;
        } catch (RuntimeException | InterruptedException e) {
            closeAll(gateway, keycycle, store);
            throw e;
        }
    }

    /** {@code --wait-for-key}, {@code --shutdown-grace}: a duration, or 0 ({@code zeroMeans}). */
    private java.time.Duration zeroOrDuration(String option, String value, String zeroMeans) {
        String v = value.trim();
        if (v.equals("0")) return java.time.Duration.ZERO;
        java.time.Duration d;
        try {
            d = io.keycycle.core.config.Quantities.duration(v);
        } catch (IllegalArgumentException e) {
            throw usage(option + " must be a duration such as 30s, 2m or PT30S, or 0 " + zeroMeans + ", was '" + v + "'");
        }
        if (d.isNegative()) throw usage(option + " must be >= 0, was '" + v + "'");
        return d;
    }

    private static Throwable rootCause(Throwable t) {
        while (t.getCause() != null && t.getCause() != t) t = t.getCause();
        return t;
    }

    private static List<String> distinct(List<String> ts) { return List.copyOf(new java.util.LinkedHashSet<>(ts)); }

    static void closeAll(KeycycleGateway gateway, Keycycle keycycle, KeycycleStore store) {
        try {
            if (gateway != null) gateway.close();
        } finally {
            try {
                if (keycycle != null) keycycle.close();
            } finally {
                if (store != null) store.close();
            }
        }
    }
}
