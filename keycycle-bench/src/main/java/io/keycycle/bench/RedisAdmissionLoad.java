package io.keycycle.bench;

import io.keycycle.core.DailyReset;
import io.keycycle.core.EngineClock;
import io.keycycle.core.Limits;
import io.keycycle.redis.RedisLink;
import io.keycycle.redis.RedisSettings;
import io.keycycle.redis.SharedWindows;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * Shared admission through Redis against the physical limit, side by side in one run: for each
 * number of processes (separate JVMs) and threads per process, first a plain Redis {@code INCR}
 * round trip in a closed loop, then one shared admission through a {@code KeyPool} on the Redis
 * store ({@code acquire(model, 100)} on 16 Groq keys with limits far above the load, then
 * {@code lease.success(usage)}: two script calls, the settlement sent without waiting for its
 * answer), same concurrency, same duration. Then an open-loop run at a fixed rate (latency from
 * each operation's scheduled start, so stalls are not hidden) for the percentiles of acquire alone
 * and of acquire + settle. (Ops {@code admit} and {@code admit-only} call the script directly,
 * without the pool.)
 *
 * <p>Each child JVM connects once (one Lettuce connection shared by its threads, as a Keycycle
 * process does), warms up until a common start instant, then counts for the given seconds.
 * <pre>
 * java -cp keycycle-bench/target/benchmarks.jar io.keycycle.bench.RedisAdmissionLoad \
 *      [--redis redis://127.0.0.1:6379/5] [--seconds 10] [--threads 1,4,16] [--processes 1,3] \
 *      [--rate 10000] [--rate-threads 16] [--rate-seconds 15]
 * </pre>
 * {@code --seconds 0} skips the closed-loop table and runs the open-loop rows only.
 * Keys written start with a random prefix and are deleted at the end.
 */
public final class RedisAdmissionLoad {

    private static final int BUCKETS = 16;
    private static final long TOKENS = 100;
    private static final io.keycycle.core.Usage USAGE = io.keycycle.core.Usage.of(60, 30);
    private static final Limits HIGH = new Limits(1_000_000_000L, 1_000_000_000L, 1_000_000_000L,
            1_000_000_000_000L, 1_000_000_000_000L, 1_000_000_000_000L);

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("--child")) {
            child(args);
            return;
        }
        String url = arg(args, "--redis", "redis://127.0.0.1:6379/5");
        int seconds = Integer.parseInt(arg(args, "--seconds", "10"));
        int[] threads = ints(arg(args, "--threads", "1,4,16"));
        int[] processes = ints(arg(args, "--processes", "1,3"));
        int rate = Integer.parseInt(arg(args, "--rate", "10000"));
        int rateThreads = Integer.parseInt(arg(args, "--rate-threads", "16"));
        int rateSeconds = Integer.parseInt(arg(args, "--rate-seconds", "15"));
        String prefix = "kcbench-" + UUID.randomUUID().toString().substring(0, 8);
        System.out.printf(Locale.ROOT, "# RedisAdmissionLoad %s, redis %s, prefix %s, %d s per row, %d buckets, %d tokens per admission%n",
                Instant.now(), RedisSettings.redact(url), prefix, seconds, BUCKETS, TOKENS);
        System.out.println("# uptime: " + uptime());
        System.out.println("# redis us/op: Redis's own CPU time (INFO cpu, user + sys) over the measured window divided by the operations"
                + " counted in it (every client of that Redis included: on a shared Redis, other clients' work counts too)");
        System.out.println("processes threads/process  incr ops/s  admissions/s  admit/incr  incr p99 us  admission p99 us  incr redis us/op  admission redis us/op  scripts/admission  us/script  incr client us/op  admission client us/op");
        for (int p : seconds > 0 ? processes : new int[0]) { // --seconds 0: the open-loop run only
            for (int t : threads) {
                Result incr = run("incr", url, prefix, p, t, seconds, 0);
                Result admit = run("pool", url, prefix, p, t, seconds, 0);
                System.out.printf(Locale.ROOT, "%9d %17d %11.0f %13.0f %10.2f %12d %17d %17.1f %22.1f %18.2f %10.1f %18.1f %23.1f%n", p, t, incr.rate(), admit.rate(),
                        admit.rate() / incr.rate(), incr.p99, admit.p99, incr.redisMicrosPerOp(), admit.redisMicrosPerOp(),
                        admit.scriptCallsPerOp(), admit.scriptMicrosPerCall(), incr.clientMicrosPerOp(), admit.clientMicrosPerOp());
            }
        }
        System.out.println("# uptime: " + uptime());
        System.out.printf(Locale.ROOT, "# open loop at %d/s, 1 process x %d threads, %d s (latency from the scheduled start)%n", rate, rateThreads, rateSeconds);
        System.out.println("# start late: how late the load threads began operations (timer slack, wake-up, a late thread catching up): part of every latency below");
        System.out.println("operation             achieved/s   p50 us   p90 us   p99 us  p99.9 us   max us  redis us/op  us/script  client us/op  start late p50/p99 us");
        for (String op : List.of("incr", "pool-acquire", "pool")) {
            Result r = run(op, url, prefix, 1, rateThreads, rateSeconds, rate);
            System.out.printf(Locale.ROOT, "%-20s %11.0f %8d %8d %8d %9d %8d %12.1f %10.1f %13.1f %12d / %d%n", op.equals("pool") ? "acquire + settle" : op.equals("pool-acquire") ? "acquire" : "incr",
                    r.rate(), r.p50, r.p90, r.p99, r.p999, r.max, r.redisMicrosPerOp(), r.scriptMicrosPerCall(), r.clientMicrosPerOp(), r.lateP50(), r.lateP99());
        }
        System.out.println("# uptime: " + uptime());
        try (RedisLink link = RedisLink.open(RedisSettings.of(url).withKeyPrefix(prefix).withInstanceId("bench-cleanup"))) {
            var sync = link.connection().sync();
            List<String> keys = sync.keys(link.prefix().replace("{", "\\{").replace("}", "\\}") + "*");
            if (!keys.isEmpty()) sync.del(keys.toArray(String[]::new));
        }
    }

    /** Summed rates of the children (each over the window it measured), worst percentiles. */
    record Result(double rate, long p50, long p90, long p99, long p999, long max, double redisMicrosPerOp,
                  double scriptCallsPerOp, double scriptMicrosPerCall, double clientMicrosPerOp, long lateP50, long lateP99) { }

    /** Runs {@code processes} child JVMs with {@code threads} each; sums their counts, takes the worst percentiles. */
    private static Result run(String op, String url, String prefix, int processes, int threads, int seconds, int rate) throws Exception {
        long startAt = System.currentTimeMillis() + 15_000;
        RedisCpu cpu = new RedisCpu(url, startAt, startAt + seconds * 1000L);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<Process> ps = new ArrayList<>();
        for (int i = 0; i < processes; i++) {
            List<String> cmd = new ArrayList<>(List.of(java, "-Xmx512m"));
            // keycycle.* system properties (e.g. -Dkeycycle.redis.lazySettle=false) go to the children, which do the work
            System.getProperties().stringPropertyNames().stream().filter(k -> k.startsWith("keycycle.")).sorted()
                    .forEach(k -> cmd.add("-D" + k + "=" + System.getProperty(k)));
            cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), RedisAdmissionLoad.class.getName(),
                    "--child", op, url, prefix, "p" + i, Integer.toString(threads), Integer.toString(seconds), Long.toString(startAt),
                    Integer.toString(rate / processes)));
            ps.add(new ProcessBuilder(cmd).redirectErrorStream(true).start());
        }
        long p50 = 0, p90 = 0, p99 = 0, p999 = 0, max = 0, lateP50 = 0, lateP99 = 0;
        double clientCpuMicros = 0, clientOps = 0;
        double total = 0;
        for (Process p : ps) {
            String result = null;
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    if (line.startsWith("RESULT ")) result = line;
                    else if (!line.isBlank() && !line.contains("SLF4J")) System.out.println("# child: " + line);
                }
            }
            if (p.waitFor() != 0 || result == null) throw new IllegalStateException("child " + op + " failed (exit " + p.exitValue() + ")");
            String[] f = result.split(" ");
            total += Long.parseLong(f[1]) / Double.parseDouble(f[2]);
            p50 = Math.max(p50, Long.parseLong(f[3]));
            p90 = Math.max(p90, Long.parseLong(f[4]));
            p99 = Math.max(p99, Long.parseLong(f[5]));
            p999 = Math.max(p999, Long.parseLong(f[6]));
            max = Math.max(max, Long.parseLong(f[7]));
            if (f.length > 8) {
                clientCpuMicros += Double.parseDouble(f[8]);
                clientOps += Long.parseLong(f[1]);
            }
            if (f.length > 10) {
                lateP50 = Math.max(lateP50, Long.parseLong(f[9]));
                lateP99 = Math.max(lateP99, Long.parseLong(f[10]));
            }
        }
        double cpuMicros = cpu.micros();
        double ops = total * seconds;
        return new Result(total, p50, p90, p99, p999, max, Double.isNaN(cpuMicros) ? Double.NaN : cpuMicros / ops,
                cpu.scriptCalls / ops, cpu.scriptCalls == 0 ? 0 : (double) cpu.scriptMicros / cpu.scriptCalls,
                clientOps == 0 ? Double.NaN : clientCpuMicros / clientOps, lateP50, lateP99);
    }

    /** This JVM's CPU time (all threads: load threads, Lettuce, GC, JIT) between two instants. */
    private static final class ClientCpu {
        private final Thread thread;
        private volatile double micros = Double.NaN;

        ClientCpu(long from, long to) {
            thread = new Thread(() -> {
                try {
                    var os = (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
                    RedisCpu.sleepUntil(from);
                    long a = os.getProcessCpuTime();
                    RedisCpu.sleepUntil(to);
                    micros = (os.getProcessCpuTime() - a) / 1000.0;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "client-cpu");
            thread.setDaemon(true);
            thread.start();
        }

        double micros() throws InterruptedException {
            thread.join(10_000);
            return micros;
        }
    }

    /** Redis's CPU time (INFO cpu: used_cpu_user + used_cpu_sys) between two instants, read on its own thread. */
    private static final class RedisCpu {
        private final Thread thread;
        private volatile double micros = Double.NaN;
        /** Script calls (EVALSHA or FCALL) and their microseconds (INFO commandstats) over the window. */
        private volatile long scriptCalls;
        private volatile long scriptMicros;

        RedisCpu(String url, long from, long to) {
            thread = new Thread(() -> {
                io.lettuce.core.RedisClient client = io.lettuce.core.RedisClient.create(url);
                try (var c = client.connect()) {
                    sleepUntil(from);
                    double a = cpuSeconds(c.sync().info("cpu"));
                    long[] sa = evalsha(c.sync().info("commandstats"));
                    sleepUntil(to);
                    double b = cpuSeconds(c.sync().info("cpu"));
                    long[] sb = evalsha(c.sync().info("commandstats"));
                    micros = (b - a) * 1e6;
                    scriptCalls = sb[0] - sa[0];
                    scriptMicros = sb[1] - sa[1];
                } catch (RuntimeException | InterruptedException e) {
                    System.out.println("# redis cpu not read: " + e);
                } finally {
                    client.shutdown();
                }
            }, "redis-cpu");
            thread.setDaemon(true);
            thread.start();
        }

        double micros() throws InterruptedException {
            thread.join(10_000);
            return micros;
        }

        private static void sleepUntil(long t) throws InterruptedException {
            for (long d; (d = t - System.currentTimeMillis()) > 0; ) Thread.sleep(d);
        }

        /** cmdstat_evalsha and cmdstat_fcall (calls=N,usec=M,...) summed, as {N, M}: Keycycle's script calls. */
        private static long[] evalsha(String info) {
            long calls = 0, usec = 0;
            for (String line : info.split("\r?\n")) {
                if (!line.startsWith("cmdstat_evalsha:") && !line.startsWith("cmdstat_fcall:")) continue;
                for (String kv : line.substring(line.indexOf(':') + 1).split(",")) {
                    String[] p = kv.split("=", 2);
                    if (p[0].equals("calls")) calls += Long.parseLong(p[1]);
                    if (p[0].equals("usec")) usec += Long.parseLong(p[1]);
                }
            }
            return new long[]{calls, usec};
        }

        private static double cpuSeconds(String info) {
            double s = 0;
            for (String line : info.split("\r?\n")) {
                if (line.startsWith("used_cpu_user:") || line.startsWith("used_cpu_sys:")) s += Double.parseDouble(line.substring(line.indexOf(':') + 1).trim());
            }
            return s;
        }
    }

    private static void child(String[] a) throws Exception {
        String op = a[1], url = a[2], prefix = a[3], instance = a[4];
        int threads = Integer.parseInt(a[5]), seconds = Integer.parseInt(a[6]);
        long startAt = Long.parseLong(a[7]);
        int rate = Integer.parseInt(a[8]);
        RedisSettings settings = RedisSettings.of(url).withKeyPrefix(prefix).withInstanceId(instance)
                .withTimings(Duration.ofSeconds(2), Duration.ofSeconds(1), Duration.ofSeconds(10));
        io.keycycle.redis.RedisCluster cluster = op.startsWith("pool")
                ? io.keycycle.redis.RedisCluster.join(settings, EngineClock.system()) : null;
        io.keycycle.core.pool.KeyPool pool = null;
        String model = null;
        if (cluster != null) {
            io.keycycle.core.config.Catalog catalog = io.keycycle.core.config.Catalog.builtIn();
            model = catalog.provider("groq").defaultModel();
            pool = io.keycycle.core.pool.KeyPool.builder(catalog.provider("groq")).keys(FakeKeys.of("groq", BUCKETS))
                    .limits(HIGH).profile(io.keycycle.core.classify.ProviderProfiles.forProvider("groq"))
                    .clock(EngineClock.system()).stateStore(cluster.stateStore()).build();
        }
        final io.keycycle.core.pool.KeyPool thePool = pool;
        final String theModel = model;
        try (RedisLink link = RedisLink.open(settings)) {
            SharedWindows w = new SharedWindows(link, EngineClock.system(), true);
            List<SharedWindows.Candidate> buckets = new ArrayList<>();
            for (int i = 0; i < BUCKETS; i++) {
                buckets.add(new SharedWindows.Candidate(w.bucket("bench", "scope-" + i, "m", HIGH, DailyReset.sliding()), "fp" + i));
            }
            var async = link.connection().async();
            long ready = System.currentTimeMillis();
            ClientCpu clientCpu = new ClientCpu(startAt, startAt + seconds * 1000L);
            String counter = link.prefix() + ":incr";
            long endAt = startAt + seconds * 1000L;
            long[][] lat = new long[threads][];
            long[][] late = new long[threads][];
            long[] counts = new long[threads];
            CountDownLatch done = new CountDownLatch(threads);
            AtomicReference<Throwable> error = new AtomicReference<>();
            double perThread = rate > 0 ? (double) rate / threads : 0;
            for (int t = 0; t < threads; t++) {
                int ti = t;
                Thread th = new Thread(() -> {
                    long[] l = new long[1 << 16];
                    long[] lateBy = new long[1 << 16];
                    int n = 0, nl = 0;
                    long count = 0;
                    int k = ti;
                    try {
                        long next = 0;
                        long intervalNanos = perThread > 0 ? (long) (1e9 / perThread) : 0;
                        boolean measuring = false;
                        while (true) {
                            long nowMs = System.currentTimeMillis();
                            if (nowMs >= endAt) break;
                            if (!measuring && nowMs >= startAt) {
                                measuring = true;
                                next = System.nanoTime();
                            }
                            long scheduled;
                            if (measuring && intervalNanos > 0) {
                                scheduled = next;
                                next += intervalNanos;
                                long wait = scheduled - System.nanoTime();
                                if (wait > 0) LockSupport.parkNanos(wait);
                                // how late this operation starts: the pacing's own delay (timer slack, wake-up), part of every row's latency
                                if (nl == lateBy.length) lateBy = Arrays.copyOf(lateBy, nl * 2);
                                lateBy[nl++] = System.nanoTime() - scheduled;
                            } else {
                                scheduled = System.nanoTime();
                            }
                            SharedWindows.Candidate c = buckets.get(k++ % BUCKETS);
                            switch (op) {
                                case "incr" -> async.incr(counter).get();
                                case "pool" -> thePool.acquire(theModel, TOKENS).success(USAGE);
                                case "pool-acquire" -> {
                                    io.keycycle.core.pool.Lease lease = thePool.acquire(theModel, TOKENS);
                                    long took = System.nanoTime() - scheduled;
                                    lease.success(USAGE);
                                    if (measuring) {
                                        if (n == l.length) l = Arrays.copyOf(l, n * 2);
                                        l[n++] = took;
                                        count++;
                                    }
                                    continue;
                                }
                                case "admit-only" -> {
                                    SharedWindows.Reservation r = w.reserve(List.of(c), TOKENS, null, null);
                                    long took = System.nanoTime() - scheduled;
                                    if (!r.admitted()) throw new IllegalStateException("refused: limits are far above the load");
                                    w.settleAsync(c.bucket(), r.id(), true, TOKENS, null);
                                    if (measuring) {
                                        if (n == l.length) l = Arrays.copyOf(l, n * 2);
                                        l[n++] = took;
                                        count++;
                                    }
                                    continue;
                                }
                                default -> {
                                    SharedWindows.Reservation r = w.reserve(List.of(c), TOKENS, null, null);
                                    if (!r.admitted()) throw new IllegalStateException("refused: limits are far above the load");
                                    // as the pool settles: sent at once, not waited for (the connection keeps the order)
                                    w.settleAsync(c.bucket(), r.id(), true, TOKENS, null);
                                }
                            }
                            if (measuring) {
                                if (n == l.length) l = Arrays.copyOf(l, n * 2);
                                l[n++] = System.nanoTime() - scheduled;
                                count++;
                            }
                        }
                    } catch (Throwable e) {
                        error.compareAndSet(null, e);
                    } finally {
                        lat[ti] = Arrays.copyOf(l, n);
                        late[ti] = Arrays.copyOf(lateBy, nl);
                        counts[ti] = count;
                        done.countDown();
                    }
                }, "load-" + t);
                th.start();
            }
            done.await();
            if (error.get() != null) throw new IllegalStateException(error.get());
            if (ready > startAt) System.out.println("late by " + (ready - startAt) + " ms: measured over the rest of the window only");
            long total = Arrays.stream(counts).sum();
            long[] all = Arrays.stream(lat).flatMapToLong(Arrays::stream).sorted().toArray();
            double measured = (endAt - Math.max(startAt, ready)) / 1000.0;
            if (cluster != null) {
                cluster.close();
            }
            long[] starts = Arrays.stream(late).flatMapToLong(Arrays::stream).sorted().toArray();
            System.out.printf(Locale.ROOT, "RESULT %d %.3f %d %d %d %d %d %.0f %d %d%n", total, measured, pct(all, 0.50), pct(all, 0.90),
                    pct(all, 0.99), pct(all, 0.999), all.length == 0 ? 0 : all[all.length - 1] / 1000, clientCpu.micros(),
                    pct(starts, 0.50), pct(starts, 0.99));
        }
    }

    private static long pct(long[] sorted, double q) {
        if (sorted.length == 0) return 0;
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)] / 1000;
    }

    private static String arg(String[] args, String name, String def) {
        for (int i = 0; i < args.length - 1; i++) if (args[i].equals(name)) return args[i + 1];
        return def;
    }

    private static int[] ints(String s) { return Arrays.stream(s.split(",")).mapToInt(Integer::parseInt).toArray(); }

    private static String uptime() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (Exception e) {
            return "?";
        }
    }
}
