// Lab scratch (not part of the build): a storm of refused calls on a shared pool whose keys are all full.
// Run from the repository root with Redis on 127.0.0.1:6379 (database 7, a random key prefix, removed after):
//   java -cp keycycle-bench/target/benchmarks.jar keycycle-bench/results/session7/refusal-storm/RefusalStorm.java [keys] [threads] [seconds]
// Prints refusals/s, Keycycle script calls per refusal (RedisLink.callCounts) and Redis CPU per refusal (INFO cpu).
import io.keycycle.core.EngineClock;
import io.keycycle.core.Limits;
import io.keycycle.core.NoAvailableKeyException;
import io.keycycle.core.config.Catalog;
import io.keycycle.core.pool.KeyPool;
import io.keycycle.redis.RedisCluster;
import io.keycycle.redis.RedisSettings;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

public class RefusalStorm {
    public static void main(String[] a) throws Exception {
        int keys = a.length > 0 ? Integer.parseInt(a[0]) : 16, threads = a.length > 1 ? Integer.parseInt(a[1]) : 4;
        int seconds = a.length > 2 ? Integer.parseInt(a[2]) : 10;
        String prefix = "kcstorm-" + Long.toHexString(System.nanoTime());
        RedisSettings s = RedisSettings.of("redis://127.0.0.1:6379/7").withKeyPrefix(prefix).withInstanceId("storm")
                .withTimings(Duration.ofSeconds(2), Duration.ofSeconds(1), Duration.ofSeconds(10));
        RedisCluster c = RedisCluster.join(s, EngineClock.system());
        Catalog catalog = Catalog.builtIn();
        String model = catalog.provider("groq").defaultModel();
        List<io.keycycle.core.ApiKey> ks = new ArrayList<>();
        for (int i = 1; i <= keys; i++) ks.add(io.keycycle.core.ApiKey.of("groq", i, String.format("storm-fake-key-%04d", i)));
        KeyPool pool = KeyPool.builder(catalog.provider("groq")).keys(ks)
                .limits(new Limits(1, Limits.NONE, Limits.NONE, Limits.NONE, Limits.NONE, Limits.NONE))
                .profile(io.keycycle.core.classify.ProviderProfiles.forProvider("groq"))
                .clock(EngineClock.system()).stateStore(c.stateStore()).build();
        for (int i = 0; i < keys; i++) pool.acquire(model, 1).success(io.keycycle.core.Usage.of(1, 0)); // every key full for the minute
        c.link().connection().sync().ping();
        LongAdder refused = new LongAdder();
        long end = System.nanoTime() + 2_000_000_000L; // 2 s warm-up
        Runnable storm = () -> {
            while (System.nanoTime() < endHolder[0]) {
                try { pool.acquire(model, 1).release(); } catch (NoAvailableKeyException e) { refused.increment(); }
            }
        };
        endHolder[0] = end;
        runThreads(storm, threads);
        refused.reset();
        long calls0 = c.link().callCounts()[0];
        double cpu0 = redisCpu(c);
        long t0 = System.nanoTime();
        endHolder[0] = t0 + seconds * 1_000_000_000L;
        runThreads(storm, threads);
        double secs = (System.nanoTime() - t0) / 1e9;
        long calls = c.link().callCounts()[0] - calls0;
        double cpu = redisCpu(c) - cpu0;
        long n = refused.sum();
        System.out.printf("keys %d, threads %d, %.1f s: %,d refusals (%.0f/s), %.3f script calls per refusal, %.1f us of Redis CPU per refusal%n",
                keys, threads, secs, n, n / secs, calls / (double) Math.max(1, n), cpu * 1e6 / Math.max(1, n));
        var sync = c.link().connection().sync();
        List<String> left = sync.keys(c.link().prefix() + "*");
        if (!left.isEmpty()) sync.del(left.toArray(String[]::new));
        c.close();
    }

    static final long[] endHolder = new long[1];

    static void runThreads(Runnable r, int n) throws InterruptedException {
        List<Thread> ts = new ArrayList<>();
        for (int i = 0; i < n; i++) { Thread t = new Thread(r); t.start(); ts.add(t); }
        for (Thread t : ts) t.join();
    }

    static double redisCpu(RedisCluster c) {
        double u = 0;
        for (String line : c.link().connection().sync().info("cpu").split("\r?\n")) {
            if (line.startsWith("used_cpu_sys:") || line.startsWith("used_cpu_user:")) u += Double.parseDouble(line.substring(line.indexOf(':') + 1));
        }
        return u;
    }
}
