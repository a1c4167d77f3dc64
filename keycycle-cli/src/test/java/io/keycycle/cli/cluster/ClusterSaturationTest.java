package io.keycycle.cli.cluster;

import io.keycycle.redis.RedisLink;
import io.keycycle.redis.testing.RedisTestSupport;
import io.keycycle.sim.ProviderKind;
import io.keycycle.sim.SimKey;
import io.keycycle.sim.SimLimits;
import io.keycycle.sim.SimProvider;
import io.keycycle.sim.SimStats;
import io.keycycle.sim.Simulator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A saturating run through three {@code keycycle serve} JVMs sharing 4 keys × 30 requests per
 * minute through Redis: twelve clients (four per gateway) send back to back and, when refused,
 * wait as long as {@code Retry-After} says, for a little longer than one full window, so the run
 * crosses one roll-over of every key's minute window. The fleet must use at least 98 % of the
 * capacity the engine can promise, spread it evenly over the keys and never cause an upstream 429.
 *
 * <p><b>The capacity, exactly.</b> A minute window is 24 + 1 sub-buckets of w = 2.5 s on a fixed
 * grid of Redis time (sub-bucket {@code floor(t / w)}); a request counts in its sub-bucket until
 * that sub-bucket leaves the ring, i.e. for 60 to 62.5 s. A key therefore admits at most L = 30
 * requests in any 25 consecutive sub-buckets, and a demand that never lets up gets exactly L in
 * each: L at once, then L again as soon as the sub-buckets of the first L leave. Cut the run at
 * the sub-buckets k = floor(t0 / w) (the first request) and e = floor(tEnd / w): the sub-buckets
 * k .. e form n = 1 + floor((e − k) / 25) groups of 25 (the last one started), and the engine can
 * promise — and never exceeds — {@code capacity = keys × L × n}. The provider's nominal limit (L
 * per exact 60 s) would allow {@code keys × L × (1 + floor((tEnd − t0) / 60 s))}; for a run of
 * 62.5 to 120 s both are 2 L per key, over long runs the engine's is 24/25 = 96 % of nominal
 * (the price of refusing up to one sub-bucket early).
 */
class ClusterSaturationTest {

    static final String MODEL = "llama-3.1-8b-instant";
    static final String BODY = "{\"model\":\"groq/" + MODEL + "\",\"max_tokens\":16,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    /** A model of its own buckets (no limit that matters here) for warming the gateways up before the run. */
    static final String WARM_MODEL = "llama-3.3-70b-versatile";
    static final String WARM_BODY = BODY.replace(MODEL, WARM_MODEL);
    static final int WARM_UP_REQUESTS = 40;
    static final int DB = 7;
    static final int KEYS = 4;
    static final int RPM = 30;
    static final int INSTANCES = 3;
    static final int CLIENTS_PER_INSTANCE = 4;
    /** The minute window's sub-bucket width (60 s / 24). */
    static final long SUB_BUCKET_MS = 2_500;
    static final int RING = 25;

    @TempDir Path dir;
    Simulator sim;
    final List<ServeProcess> processes = new ArrayList<>();
    String prefix;

    @BeforeEach
    void setUp() {
        assumeTrue(RedisTestSupport.available(), "Redis does not answer at 127.0.0.1:6379");
        sim = Simulator.builder().provider(SimProvider.groq().fakeKeys(KEYS).model(MODEL, SimLimits.UNLIMITED.rpm(RPM))
                .model(WARM_MODEL, SimLimits.UNLIMITED).build()).build().start();
        prefix = RedisTestSupport.randomPrefix();
    }

    @AfterEach
    void tearDown() throws Exception {
        for (ServeProcess p : processes) p.close();
        if (sim != null) sim.close();
        if (prefix != null) {
            try (var link = RedisTestSupport.link(DB, prefix, "cleanup")) {
                RedisTestSupport.clean(link);
            }
        }
    }

    Map<String, String> env() throws Exception {
        Path yaml = dir.resolve("keycycle.yaml");
        Files.writeString(yaml, "providers:\n  groq:\n    models:\n      " + MODEL + ": { rpm: " + RPM + " }\n"
                + "      " + WARM_MODEL + ": { rpm: 100000, rpd: 1000000, tpm: 100000000, tpd: 1000000000 }\n"
                + "cluster:\n  key-prefix: " + prefix + "\n");
        Map<String, String> env = new HashMap<>();
        env.put("NUM_GROQ", Integer.toString(KEYS));
        for (int i = 1; i <= KEYS; i++) env.put("GROQ_API_KEY_" + i, SimKey.fakeSecret(ProviderKind.GROQ, i));
        env.put("GROQ_BASE_URL", sim.baseUrl("groq"));
        env.put("KEYCYCLE_CONFIG", yaml.toString());
        env.put("KEYCYCLE_DB_URL", "none");
        env.put("KEYCYCLE_REDIS_URL", RedisTestSupport.url(DB));
        return env;
    }

    /** Redis's clock, the one the windows count in (milliseconds since the epoch). */
    static long redisMillis(RedisLink link) {
        List<String> t = link.connection().sync().time();
        return Long.parseLong(t.get(0)) * 1000 + Long.parseLong(t.get(1)) / 1000;
    }

    @Test
    void aSaturatingRunUsesTheCapacityEvenlyWithoutUpstream429s() throws Exception {
        Map<String, String> env = env();
        List<CompletableFuture<ServeProcess>> starting = new ArrayList<>();
        for (int i = 1; i <= INSTANCES; i++) {
            String name = "gw" + i;
            starting.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return ServeProcess.serve(name, env, dir);
                } catch (Exception e) {
                    throw new IllegalStateException(name + " did not start", e);
                }
            }));
        }
        for (CompletableFuture<ServeProcess> s : starting) processes.add(s.join());
        // warm the JVMs up on another model's buckets: the run's first burst must land at once, not
        // spread over the seconds a cold JVM (on a busy two-core machine) takes, or the second
        // window's capacity only comes back after the run (the capacity below counts from t0)
        for (ServeProcess gw : processes) {
            for (int i = 0; i < WARM_UP_REQUESTS; i++) {
                HttpResponse<String> r = gw.chat(WARM_BODY).join();
                assertThat(r.statusCode()).as("warm-up on %s: %s", gw.name, r.body()).isEqualTo(200);
            }
        }
        sim.stats().reset();

        long t0, tEnd, localEnd;
        try (RedisLink clock = RedisTestSupport.link(DB, prefix, "clock")) {
            t0 = redisMillis(clock);
            // one full ring after the sub-bucket after t0 (the first burst may settle there), plus 5 s for the second burst
            tEnd = (Math.floorDiv(t0, SUB_BUCKET_MS) + RING + 1) * SUB_BUCKET_MS + 5_000;
            localEnd = System.currentTimeMillis() + (tEnd - redisMillis(clock));
        }

        long t0Final = t0, tEndFinal = tEnd;
        int clients = INSTANCES * CLIENTS_PER_INSTANCE;
        AtomicIntegerArray okPerInstance = new AtomicIntegerArray(INSTANCES);
        AtomicIntegerArray refusedPerInstance = new AtomicIntegerArray(INSTANCES);
        ConcurrentLinkedQueue<String> unexpected = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<String> retryAfters = new ConcurrentLinkedQueue<>();
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            int instance = c % INSTANCES;
            ServeProcess gw = processes.get(instance);
            Thread t = new Thread(() -> {
                try {
                    while (System.currentTimeMillis() < localEnd) {
                        HttpResponse<String> r = gw.chat(BODY).join();
                        if (r.statusCode() == 200) {
                            okPerInstance.incrementAndGet(instance);
                        } else if (r.statusCode() == 429 && r.headers().firstValue("retry-after").isPresent()) {
                            refusedPerInstance.incrementAndGet(instance);
                            long wait = Long.parseLong(r.headers().firstValue("retry-after").get()) * 1000;
                            retryAfters.add(wait / 1000 + " s at +" + (System.currentTimeMillis() - (localEnd - (tEndFinal - t0Final))) / 1000 + " s");
                            Thread.sleep(Math.max(0, Math.min(wait, localEnd - System.currentTimeMillis())));
                        } else {
                            unexpected.add(gw.name + ": " + r.statusCode() + " " + r.body());
                            return;
                        }
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (RuntimeException e) {
                    unexpected.add(gw.name + ": " + e);
                }
            }, "client-" + c);
            t.start();
            threads.add(t);
        }
        for (Thread t : threads) t.join(120_000);

        long groups = 1 + (Math.floorDiv(tEnd, SUB_BUCKET_MS) - Math.floorDiv(t0, SUB_BUCKET_MS)) / RING;
        long perKey = RPM * groups;
        long capacity = KEYS * perKey;
        int answered = 0;
        for (int i = 0; i < INSTANCES; i++) answered += okPerInstance.get(i);
        SimStats stats = sim.stats();
        String report = String.format("saturation: answered %d of capacity %d (%.1f %%) in %.1f s, per instance %s, refused %s (Retry-After: %s)%n%s",
                answered, capacity, 100.0 * answered / capacity, (tEnd - t0) / 1000.0, okPerInstance, refusedPerInstance, retryAfters, stats.table());
        System.out.println(report);

        assertThat(unexpected).as(report).isEmpty();
        assertThat(stats.total429()).as("upstream rate-limit violations\n" + report).isZero();
        assertThat(groups).as("the run crosses one roll-over of the minute window").isEqualTo(2);
        assertThat(stats.total().successes()).as("the simulator answered what the gateways answered").isEqualTo(answered);
        assertThat((long) answered).as("never past the capacity\n" + report).isLessThanOrEqualTo(capacity);
        assertThat((double) answered).as("≥ 98 %% of the capacity\n" + report).isGreaterThanOrEqualTo(0.98 * capacity);
        for (SimStats.Row row : stats.rows()) {
            // no herd: every key within 10 % of its own capacity (and never past it)
            assertThat(row.successes()).as("key %d\n%s", row.keyIndex(), report).isBetween((long) Math.ceil(0.9 * perKey), perKey);
        }
        for (int i = 0; i < INSTANCES; i++) assertThat(okPerInstance.get(i)).as("gw%d answered some\n%s", i + 1, report).isPositive();
    }
}
