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
 * java -cp keycycle-bench/target/benchmarks.jar io.keycycle.bench.RaceGateway --upstream http://127.0.0.1:PORT/v1 [--db FILE] [--keys 8] [--no-store]
 * </pre>
 */
public final class RaceGateway {

    static final String PROVIDER = "race";
    static final String MODEL = "static-model";

    public static void main(String[] args) throws Exception {
        String upstream = null;
        Path db = null;
        int keys = 8;
        boolean store = true;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--upstream" -> upstream = args[++i];
                case "--db" -> db = Path.of(args[++i]);
                case "--keys" -> keys = Integer.parseInt(args[++i]);
                case "--no-store" -> store = false;
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + "; options: --upstream URL [--db FILE] [--keys N] [--no-store]");
            }
        }
        if (upstream == null) throw new IllegalArgumentException("--upstream URL is required (the static upstream's /v1)");
        if (db == null) db = Files.createTempDirectory("keycycle-race").resolve("race.db");

        KeycycleStore st = store ? KeycycleStore.open(StoreConfig.builder("jdbc:sqlite:" + db).shutdownHook(false).build()) : null;
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
                """.formatted(PROVIDER, upstream, MODEL, MODEL), env, "race gateway");
        Keycycle kc = Keycycle.builder().env(env).config(config).persistence(st).shutdownHook(false).build();
        KeycycleGateway gw = KeycycleGateway.builder().keycycle(kc).store(st).port(0).build();
        gw.start();
        System.out.println("GATEWAY " + gw.url());
        System.out.flush();
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

    /** Bytes allocated so far by the threads still alive (the event loops serve every request). */
    private static long allocatedBytes() {
        var mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long sum = 0;
        for (long b : mx.getThreadAllocatedBytes(mx.getAllThreadIds())) if (b > 0) sum += b;
        return sum;
    }

    private RaceGateway() { }
}
