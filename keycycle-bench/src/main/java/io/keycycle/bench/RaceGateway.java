package io.keycycle.bench;

import io.keycycle.Keycycle;
import io.keycycle.core.config.KeycycleConfig;
import io.keycycle.gateway.KeycycleGateway;
import io.keycycle.store.KeycycleStore;
import io.keycycle.store.StoreConfig;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The gateway as one contestant of {@code keycycle-bench/race.sh}: a {@link KeycycleGateway} in its
 * own JVM with a SQLite store, serving one OpenAI-compatible provider {@code race} (the static
 * upstream the script starts) with limits far above any load, so the race measures the path, not
 * rate limiting. Prints {@code GATEWAY <url>} once it listens; serves until stdin closes, then
 * drains the store and prints its health.
 *
 * <pre>
 * java -cp keycycle-bench/target/benchmarks.jar io.keycycle.bench.RaceGateway --upstream http://127.0.0.1:PORT/v1 [--db FILE] [--keys 8] [--no-store] [--redis URL]
 * </pre>
 */
public final class RaceGateway {

    static final String PROVIDER = "race";
    static final String MODEL = "static-model";

    public static void main(String[] args) throws Exception {
        String upstream = null;
        Path db = null;
        Path journal = null; // the store's default: next to the database file
        int keys = 8;
        boolean store = true;
        int memoryEvery = 0;
        int eventLoops = 0;
        int batchSize = 0; // the store's default
        boolean nativeTransport = false;
        String redis = null; // the pool shared through Redis (shared mode) instead of this process alone
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--upstream" -> upstream = args[++i];
                case "--db" -> db = Path.of(args[++i]);
                case "--journal" -> journal = Path.of(args[++i]);
                case "--keys" -> keys = Integer.parseInt(args[++i]);
                case "--no-store" -> store = false;
                case "--memory-every" -> memoryEvery = Integer.parseInt(args[++i]);
                case "--event-loops" -> eventLoops = Integer.parseInt(args[++i]);
                case "--batch-size" -> batchSize = Integer.parseInt(args[++i]);
                case "--native" -> nativeTransport = true;
                case "--redis" -> redis = args[++i];
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + "; options: --upstream URL [--db FILE] [--journal DIR] [--keys N] [--no-store] [--memory-every SECONDS] [--event-loops N] [--native] [--redis URL] [--batch-size N]");
            }
        }
        if (upstream == null) throw new IllegalArgumentException("--upstream URL is required (the static upstream's /v1)");
        if (db == null) db = Files.createTempDirectory("keycycle-race").resolve("race.db");

        StoreConfig.Builder storeConfig = StoreConfig.builder("jdbc:sqlite:" + db).shutdownHook(false);
        if (batchSize > 0) storeConfig.batchSize(batchSize);
        if (journal != null) storeConfig.journalDir(Files.createDirectories(journal));
        KeycycleStore st = store ? KeycycleStore.open(storeConfig.build()) : null;
        Map<String, String> env = new HashMap<>();
        env.put("NUM_RACE", String.valueOf(keys));
        for (int i = 1; i <= keys; i++) env.put("RACE_API_KEY_" + i, String.format(Locale.ROOT, "race-fake-key-for-bench-%04d", i));
        KeycycleConfig config = KeycycleConfig.parse("""
                providers:
                  %s:
                    base-url: %s
                    default-model: %s
                    models:
                      %s: { rpm: unlimited, rph: unlimited, rpd: unlimited, tpm: unlimited, tph: unlimited, tpd: unlimited }
                %s""".formatted(PROVIDER, upstream, MODEL, MODEL, redis == null ? ""
                        : "cluster:\n  redis-url: " + redis + "\n  key-prefix: race-" + Long.toHexString(System.nanoTime()) + "\n"),
                env, "race gateway");
        Keycycle kc = Keycycle.builder().env(env).config(config).persistence(st).shutdownHook(false).build();
        KeycycleGateway gw = KeycycleGateway.builder().keycycle(kc).store(st).port(0).eventLoops(eventLoops).nativeTransport(nativeTransport).build();
        gw.start();
        System.out.println("transport: " + (nativeTransport ? "native asked for (see the gateway's log if unavailable)" : "Java NIO"));
        System.out.println("GATEWAY " + gw.url());
        System.out.flush();
        if (memoryEvery > 0) startMemoryReports(memoryEvery);
        while (System.in.read() >= 0) {
            // serve until the script closes our stdin
        }
        long requests = (long) gw.meterRegistry().find("keycycle.gateway.requests").timers().stream()
                .mapToLong(t -> t.count()).sum();
        long allocated = allocatedBytes();
        System.out.printf(Locale.ROOT, "requests served: %d; heap allocated by the JVM's live threads: %.1f MB (%.1f KB per request, warm-up included)%n",
                requests, allocated / 1e6, requests == 0 ? 0.0 : allocated / 1e3 / requests);
        gw.close();
        kc.close();
        if (st != null) {
            st.flush(Duration.ofSeconds(60));
            System.out.println("store: " + st.health());
            st.close();
        }
        System.exit(0);
    }

    /**
     * Every {@code seconds}: {@code MEM <epoch s> heap-after-gc=<MB> heap-used=<MB> rss=<MB>}, the
     * heap left by the last collection being what "flat memory" is judged on.
     */
    private static void startMemoryReports(int seconds) {
        Thread t = new Thread(() -> {
            while (true) {
                try {
                    Thread.sleep(seconds * 1000L);
                } catch (InterruptedException e) {
                    return;
                }
                long afterGc = 0, used = 0;
                for (var pool : java.lang.management.ManagementFactory.getMemoryPoolMXBeans()) {
                    if (pool.getType() != java.lang.management.MemoryType.HEAP) continue;
                    if (pool.getCollectionUsage() != null) afterGc += pool.getCollectionUsage().getUsed();
                    used += pool.getUsage().getUsed();
                }
                System.out.printf(Locale.ROOT, "MEM %d heap-after-gc=%.1f heap-used=%.1f rss=%.1f%n", System.currentTimeMillis() / 1000,
                        afterGc / 1e6, used / 1e6, rssBytes() / 1e6);
                System.out.flush();
            }
        }, "memory-report");
        t.setDaemon(true);
        t.start();
    }

    private static long rssBytes() {
        try {
            for (String l : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
                if (l.startsWith("VmRSS:")) return Long.parseLong(l.replaceAll("[^0-9]", "")) * 1024;
            }
        } catch (java.io.IOException | RuntimeException e) {
            // not Linux: no RSS
        }
        return -1;
    }

    /** Bytes allocated so far by the threads still alive (the event loops serve every request). */
    private static long allocatedBytes() {
        var mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long sum = 0;
        for (long b : mx.getThreadAllocatedBytes(mx.getAllThreadIds())) if (b > 0) sum += b;
        return sum;
    }

    private RaceGateway() { }
}
