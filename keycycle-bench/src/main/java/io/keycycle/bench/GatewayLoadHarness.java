package io.keycycle.bench;

import io.keycycle.Keycycle;
import io.keycycle.core.config.KeycycleConfig;
import io.keycycle.gateway.KeycycleGateway;
import io.keycycle.sim.ProviderKind;
import io.keycycle.sim.SimKey;
import io.keycycle.sim.SimLimits;
import io.keycycle.sim.SimProvider;
import io.keycycle.sim.Simulator;
import io.keycycle.store.KeycycleStore;
import io.keycycle.store.StoreConfig;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * Load harness for the gateway: the same open-loop load (a fixed request rate, latency measured
 * from each request's scheduled send time, so a stall is not hidden by coordinated omission) first
 * directly against the simulator, then through the gateway to the same simulator, in one JVM and
 * one run. The difference of the two latency distributions is what the gateway adds: admission,
 * routing, the second HTTP hop, settlement, the store's event queue. A closed-loop phase then
 * finds the sustained maximum throughput through the gateway (and directly, for comparison).
 *
 * <p>The upstream has limits far above the load (this measures overhead, not rate limiting), a
 * fixed latency of 0 by default, 32 Groq keys, and a SQLite store records every call (as in
 * production). Run:
 * <pre>
 * java -cp keycycle-bench/target/benchmarks.jar io.keycycle.bench.GatewayLoadHarness \
 *      [--rate 1000] [--seconds 20] [--warmup 10] [--concurrency 64] [--max-seconds 15] [--no-store] [--split]
 * </pre>
 * With {@code --split} the gateway runs in a child JVM ({@code -Xmx1g}) and the load generator and
 * the simulator stay in this one: the gateway's latency is then not mixed with the garbage
 * collection of the simulator's and the load generator's HTTP stacks (they still share the cores).
 */
public final class GatewayLoadHarness {

    private static final String MODEL = "llama-3.1-8b-instant";
    private static final String BODY = "{\"model\":\"groq/" + MODEL + "\",\"max_tokens\":16,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"Say hello in five words.\"}]}";
    private static final String DIRECT_BODY = BODY.replace("groq/" + MODEL, MODEL);

    private static final int KEYS = 32;

    public static void main(String[] args) throws Exception {
        Map<String, String> o = options(args);
        if (o.containsKey("gateway-only")) {
            serveGateway(o.get("upstream"), !o.containsKey("no-store"));
            return;
        }
        int rate = Integer.parseInt(o.getOrDefault("rate", "1000"));
        int seconds = Integer.parseInt(o.getOrDefault("seconds", "20"));
        int warmup = Integer.parseInt(o.getOrDefault("warmup", "10"));
        int concurrency = Integer.parseInt(o.getOrDefault("concurrency", "64"));
        int maxSeconds = Integer.parseInt(o.getOrDefault("max-seconds", "15"));
        boolean store = !o.containsKey("no-store");
        boolean split = o.containsKey("split");

        SimProvider.Builder groq = SimProvider.groq().model(MODEL, SimLimits.UNLIMITED.rpm(1_000_000).tpm(1_000_000_000));
        for (int i = 1; i <= KEYS; i++) groq.key(SimKey.fakeSecret(ProviderKind.GROQ, i), "org-" + i);
        try (Simulator sim = Simulator.builder().port(0).threads(64).provider(groq.build()).build().start()) {
            GatewayProcess gw = split ? GatewayProcess.child(sim.baseUrl("groq"), store) : GatewayProcess.inProcess(sim.baseUrl("groq"), store);
            try {
                URI direct = URI.create(sim.baseUrl("groq") + "/chat/completions");
                URI viaGateway = URI.create(gw.url() + "/v1/chat/completions");
                HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                        .executor(Executors.newFixedThreadPool(8)).connectTimeout(Duration.ofSeconds(5)).build();
                System.out.printf(Locale.ROOT, "gateway load harness: %d keys, upstream latency 0, store %s, gateway %s, %d cores, %s%n",
                        KEYS, store ? "SQLite" : "off", split ? "in a child JVM (-Xmx1g)" : "in this JVM",
                        Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));

                String auth = "Bearer " + SimKey.fakeSecret(ProviderKind.GROQ, 1);
                System.out.println("warm-up (" + warmup + " s each path, not recorded)…");
                openLoop(http, direct, DIRECT_BODY, auth, rate, warmup);
                openLoop(http, viaGateway, BODY, null, rate, warmup);

                Result d = openLoop(http, direct, DIRECT_BODY, auth, rate, seconds);
                Result g = openLoop(http, viaGateway, BODY, null, rate, seconds);
                System.out.println();
                System.out.printf(Locale.ROOT, "open loop at %d requests/s for %d s (latency from scheduled send, ms):%n", rate, seconds);
                System.out.println("  path       sent     ok   errors   achieved/s      p50      p90      p99    p99.9      max");
                d.print("direct");
                g.print("gateway");
                System.out.printf(Locale.ROOT, "  added by the gateway: p50 %+.3f ms, p90 %+.3f ms, p99 %+.3f ms%n",
                        g.pct(50) - d.pct(50), g.pct(90) - d.pct(90), g.pct(99) - d.pct(99));

                System.out.println();
                System.out.printf(Locale.ROOT, "closed loop, %d concurrent clients, %d s each path (sustained maximum):%n", concurrency, maxSeconds);
                double dMax = closedLoop(http, direct, DIRECT_BODY, auth, concurrency, maxSeconds);
                double gMax = closedLoop(http, viaGateway, BODY, null, concurrency, maxSeconds);
                System.out.printf(Locale.ROOT, "  direct   %8.0f requests/s%n  gateway  %8.0f requests/s%n", dMax, gMax);
            } finally {
                gw.close();
            }
        }
        System.exit(0);
    }

    /** The environment and configuration of the gateway's Keycycle: the harness's keys, huge limits. */
    private static Keycycle keycycle(String upstream, KeycycleStore store) {
        Map<String, String> env = new HashMap<>();
        env.put("NUM_GROQ", String.valueOf(KEYS));
        for (int i = 1; i <= KEYS; i++) env.put("GROQ_API_KEY_" + i, SimKey.fakeSecret(ProviderKind.GROQ, i));
        env.put("GROQ_BASE_URL", upstream);
        KeycycleConfig config = KeycycleConfig.parse("""
                providers:
                  groq:
                    models:
                      %s: { rpm: 1000000, tpm: 1000000000 }
                """.formatted(MODEL), env, "load harness");
        return Keycycle.builder().env(env).config(config).persistence(store).shutdownHook(false).build();
    }

    /** The gateway (with its Keycycle and store) wherever it runs. */
    interface GatewayProcess extends AutoCloseable {
        String url();

        @Override
        void close() throws Exception;

        static GatewayProcess inProcess(String upstream, boolean withStore) throws Exception {
            Path dir = Files.createTempDirectory("keycycle-load");
            KeycycleStore st = withStore ? KeycycleStore.open(StoreConfig.builder("jdbc:sqlite:" + dir.resolve("load.db")).shutdownHook(false).build()) : null;
            Keycycle kc = keycycle(upstream, st);
            KeycycleGateway gw = KeycycleGateway.builder().keycycle(kc).store(st).port(0).build();
            gw.start();
            return new GatewayProcess() {
                @Override public String url() { return gw.url(); }

                @Override public void close() {
                    gw.close();
                    kc.close();
                    if (st != null) {
                        st.flush(Duration.ofSeconds(60));
                        System.out.printf(Locale.ROOT, "store: %s%n", st.health());
                        st.close();
                    }
                }
            };
        }

        /** Starts this class with --gateway-only in a child JVM and reads the port it prints. */
        static GatewayProcess child(String upstream, boolean withStore) throws Exception {
            String javaBin = ProcessHandle.current().info().command().orElse("java");
            java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of(javaBin, "-Xmx1g", "-cp",
                    System.getProperty("java.class.path"), GatewayLoadHarness.class.getName(), "--gateway-only", "--upstream", upstream));
            if (!withStore) cmd.add("--no-store");
            Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            java.io.BufferedReader out = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(), java.nio.charset.StandardCharsets.UTF_8));
            String line;
            String url = null;
            while ((line = out.readLine()) != null) {
                if (line.startsWith("GATEWAY ")) {
                    url = line.substring("GATEWAY ".length()).trim();
                    break;
                }
                System.out.println("[gateway] " + line);
            }
            if (url == null) throw new IllegalStateException("the gateway child process exited before listening");
            String gatewayUrl = url;
            Thread pump = new Thread(() -> {
                try {
                    String l;
                    while ((l = out.readLine()) != null) System.out.println("[gateway] " + l);
                } catch (java.io.IOException ignored) {
                    // the child is gone
                }
            }, "gateway-output");
            pump.setDaemon(true);
            pump.start();
            return new GatewayProcess() {
                @Override public String url() { return gatewayUrl; }

                @Override public void close() throws Exception {
                    p.getOutputStream().close(); // the child stops when its stdin closes
                    if (!p.waitFor(90, TimeUnit.SECONDS)) p.destroyForcibly();
                    pump.join(2000);
                }
            };
        }
    }

    /** Child-process mode: serve until stdin closes, then drain the store and report its health. */
    private static void serveGateway(String upstream, boolean withStore) throws Exception {
        if (upstream == null) throw new IllegalArgumentException("--gateway-only needs --upstream URL");
        try (GatewayProcess gw = GatewayProcess.inProcess(upstream, withStore)) {
            System.out.println("GATEWAY " + gw.url());
            System.out.flush();
            while (System.in.read() >= 0) {
                // wait for the parent to close our stdin
            }
        }
        System.exit(0);
    }

    /** Latencies (µs) of one phase. */
    record Result(long sent, long ok, long errors, double seconds, long[] micros) {
        double pct(double p) {
            if (micros.length == 0) return Double.NaN;
            int i = (int) Math.min(micros.length - 1, Math.ceil(p / 100.0 * micros.length) - 1);
            return micros[Math.max(0, i)] / 1000.0;
        }

        void print(String name) {
            System.out.printf(Locale.ROOT, "  %-8s %6d %6d %8d %12.0f %8.3f %8.3f %8.3f %8.3f %8.3f%n", name, sent, ok, errors,
                    ok / seconds, pct(50), pct(90), pct(99), pct(99.9), micros.length == 0 ? Double.NaN : micros[micros.length - 1] / 1000.0);
        }
    }

    /** Sends at a fixed rate for {@code seconds}; latency from each request's scheduled instant. */
    static Result openLoop(HttpClient http, URI uri, String body, String auth, int rate, int seconds) throws Exception {
        long interval = 1_000_000_000L / rate;
        long total = (long) rate * seconds;
        ConcurrentLinkedQueue<Long> lat = new ConcurrentLinkedQueue<>();
        LongAdder ok = new LongAdder(), errors = new LongAdder();
        AtomicLong inFlight = new AtomicLong();
        long start = System.nanoTime();
        CompletableFuture<?>[] all = new CompletableFuture<?>[(int) total];
        for (long i = 0; i < total; i++) {
            long scheduled = start + i * interval;
            long wait = scheduled - System.nanoTime();
            if (wait > 0) LockSupport.parkNanos(wait);
            HttpRequest.Builder rb = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
            if (auth != null) rb.header("Authorization", auth);
            inFlight.incrementAndGet();
            all[(int) i] = http.sendAsync(rb.build(), HttpResponse.BodyHandlers.ofByteArray()).whenComplete((r, e) -> {
                long t = System.nanoTime() - scheduled;
                inFlight.decrementAndGet();
                if (e == null && r.statusCode() == 200) {
                    ok.increment();
                    lat.add(t / 1000);
                } else {
                    errors.increment();
                }
            });
        }
        try {
            CompletableFuture.allOf(all).get(60, TimeUnit.SECONDS);
        } catch (Exception ignored) {
            // failures are counted per request
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        long[] micros = lat.stream().mapToLong(Long::longValue).toArray();
        Arrays.sort(micros);
        return new Result(total, ok.sum(), errors.sum(), elapsed, micros);
    }

    /** {@code concurrency} clients each sending the next request when the previous one answered. */
    static double closedLoop(HttpClient http, URI uri, String body, String auth, int concurrency, int seconds) throws Exception {
        LongAdder ok = new LongAdder();
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        CompletableFuture<?>[] clients = new CompletableFuture<?>[concurrency];
        long start = System.nanoTime();
        for (int c = 0; c < concurrency; c++) clients[c] = loop(http, uri, body, auth, end, ok);
        CompletableFuture.allOf(clients).get(seconds + 60L, TimeUnit.SECONDS);
        return ok.sum() / ((System.nanoTime() - start) / 1e9);
    }

    private static CompletableFuture<Void> loop(HttpClient http, URI uri, String body, String auth, long end, LongAdder ok) {
        if (System.nanoTime() >= end) return CompletableFuture.completedFuture(null);
        HttpRequest.Builder rb = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        if (auth != null) rb.header("Authorization", auth);
        return http.sendAsync(rb.build(), HttpResponse.BodyHandlers.ofByteArray())
                .handle((r, e) -> {
                    if (e == null && r.statusCode() == 200) ok.increment();
                    return null;
                })
                .thenCompose(x -> loop(http, uri, body, auth, end, ok));
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> o = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--")) throw new IllegalArgumentException("unexpected argument '" + a + "'; options: --rate N --seconds N --warmup N --concurrency N --max-seconds N --no-store --split");
            String k = a.substring(2);
            if (k.equals("no-store") || k.equals("split") || k.equals("gateway-only")) o.put(k, "true");
            else if (i + 1 < args.length) o.put(k, args[++i]);
            else throw new IllegalArgumentException("option " + a + " needs a value");
        }
        return o;
    }

    private GatewayLoadHarness() { }
}
