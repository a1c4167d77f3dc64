package io.keycycle.bench;

import ch.qos.logback.classic.Level;
import io.keycycle.core.KeycycleEvent;
import io.keycycle.core.pool.KeyPool;
import io.keycycle.core.pool.PoolSnapshot;
import io.keycycle.store.HydrationSummary;
import io.keycycle.store.KeycycleStore;
import io.keycycle.store.StoreConfig;
import io.keycycle.store.StoreHealth;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

/**
 * Throughput of the store's writer and time to hydrate, on SQLite (a temporary file) and MariaDB
 * (a fresh database {@code kc_bench_<random>}, dropped afterwards). A plain main class with its own
 * timing ({@link System#nanoTime()}): each phase is one long measurement, not a micro-benchmark.
 *
 * <p><b>Writer throughput.</b> One thread offers {@code --events} {@link KeycycleEvent.Settled}
 * events through {@link KeycycleStore#onEvent} as fast as it can (the 208-key workload of
 * {@link StoreWorkload}, admission instants spread over the offering time), then calls
 * {@link KeycycleStore#flush}. The figure is events / (time from the first {@code onEvent} until
 * {@code flush} returned true); events that spilled to the journal count only once they are in the
 * table. The row count and the per-minute aggregate are checked afterwards. Before the timed run,
 * {@code --warmup} events are written and flushed on the same store (JIT). The latency of every
 * {@code onEvent} call is recorded (max and percentiles).
 *
 * <p><b>Hydration.</b> {@code --hydrate} events spread evenly over the last 24 hours (in time order)
 * are written through the store (their write rate is reported too), then
 * {@link KeycycleStore#hydrate} replays them into fresh, real {@link KeyPool}s (one per provider,
 * built-in limits, system clock) {@code --hydrate-rounds} times; each round is timed.
 *
 * <pre>
 * java -cp keycycle-bench/target/benchmarks.jar io.keycycle.bench.StoreBenchmark --db sqlite
 * java -cp keycycle-bench/target/benchmarks.jar io.keycycle.bench.StoreBenchmark --db mariadb --events 500000 --hydrate 1000000
 * </pre>
 * Options: {@code --db sqlite|mariadb|both}, {@code --events N} (0 skips), {@code --warmup N},
 * {@code --hydrate N} (0 skips), {@code --hydrate-rounds N}, {@code --queue N} and
 * {@code --batch-interval-ms N}, {@code --batch-size N} (store settings; default: the store's defaults), {@code --url-params k=v&...}
 * (appended to the JDBC URL), {@code --keep} (leave the databases for inspection). MariaDB address: {@code -Dkeycycle.bench.mariadb=127.0.0.1:3306}, user
 * {@code -Dkeycycle.bench.mariadb.user=root} (no password).
 */
public final class StoreBenchmark {

    private StoreBenchmark() {
    }

    record Options(List<String> dbs, int events, int warmup, int hydrate, int hydrateRounds, Integer queue,
                   Integer batchIntervalMs, Integer batchSize, String urlParams, boolean keep) {

        static Options parse(String[] args) {
            List<String> dbs = List.of("sqlite", "mariadb");
            int events = 500_000, warmup = 20_000, hydrate = 1_000_000, rounds = 3;
            Integer queue = null, interval = null, batch = null;
            String params = "";
            boolean keep = false;
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                if (a.equals("--keep")) {
                    keep = true;
                    continue;
                }
                if (i + 1 >= args.length) throw new IllegalArgumentException("option " + a + " needs a value");
                String v = args[++i];
                switch (a) {
                    case "--db" -> dbs = switch (v) {
                        case "both" -> List.of("sqlite", "mariadb");
                        case "sqlite", "mariadb" -> List.of(v);
                        default -> throw new IllegalArgumentException("--db must be sqlite, mariadb or both, was " + v);
                    };
                    case "--events" -> events = nonNegative(a, v);
                    case "--warmup" -> warmup = nonNegative(a, v);
                    case "--hydrate" -> hydrate = nonNegative(a, v);
                    case "--hydrate-rounds" -> rounds = Math.max(1, nonNegative(a, v));
                    case "--queue" -> queue = nonNegative(a, v);
                    case "--batch-interval-ms" -> interval = nonNegative(a, v);
                    case "--batch-size" -> batch = nonNegative(a, v);
                    case "--url-params" -> params = v;
                    default -> throw new IllegalArgumentException("unknown option " + a
                            + "; known: --db --events --warmup --hydrate --hydrate-rounds --queue --batch-interval-ms --batch-size --url-params --keep");
                }
            }
            return new Options(dbs, events, warmup, hydrate, rounds, queue, interval, batch, params, keep);
        }

        private static int nonNegative(String name, String v) {
            try {
                int n = Integer.parseInt(v.replace("_", ""));
                if (n < 0) throw new NumberFormatException();
                return n;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(name + " must be a whole number >= 0, was " + v);
            }
        }
    }

    public static void main(String[] args) throws Exception {
        Options o = Options.parse(args);
        ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).setLevel(Level.INFO);
        ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("com.zaxxer.hikari")).setLevel(Level.WARN);
        StoreWorkload w = new StoreWorkload();
        System.out.printf("java %s, %d cores, max heap %d MiB; workload: %d keys, %d (key, model) pairs; %s%n",
                System.getProperty("java.version"), Runtime.getRuntime().availableProcessors(),
                Runtime.getRuntime().maxMemory() >> 20, w.keyCount(), w.targets.size(), o);
        for (String db : o.dbs) {
            if (o.events > 0) {
                try (Db d = Db.create(db, o.urlParams, o.keep)) {
                    throughput(w, d, o);
                }
            }
            if (o.hydrate > 0) {
                try (Db d = Db.create(db, o.urlParams, o.keep)) {
                    hydration(w, d, o);
                }
            }
        }
    }

    // ---------------------------------------------------------------- phases

    static void throughput(StoreWorkload w, Db db, Options o) throws Exception {
        System.out.printf("%n== %s: writer throughput, %,d events (load %s) ==%n", db, o.events, loadAverage());
        try (KeycycleStore store = KeycycleStore.open(config(db, o))) {
            if (o.warmup > 0) {
                Instant now = Instant.now();
                for (StoreWorkload.Events e = w.events(o.warmup, now.minusSeconds(1), now, 1); e.hasNext(); ) store.onEvent(e.next());
                if (!store.flush(Duration.ofMinutes(2))) throw new IllegalStateException("warm-up did not flush: " + store.health());
            }
            // Admission instants as a fast engine would produce them: the offering takes seconds.
            Instant now = Instant.now();
            Run r = offerAndFlush(store, w.events(o.events, now, now.plusSeconds(Math.max(1, o.events / 50_000)), 2), db.server());
            long expected = o.warmup + (long) o.events;
            verify(db, expected);
            report("throughput", r, store.health());
        }
        System.out.printf("  load after: %s%n", loadAverage());
    }

    static void hydration(StoreWorkload w, Db db, Options o) throws Exception {
        System.out.printf("%n== %s: hydration of %,d events over 24 h (load %s) ==%n", db, o.hydrate, loadAverage());
        try (KeycycleStore store = KeycycleStore.open(config(db, o))) {
            Instant now = Instant.now();
            // 24 h minus 5 min, so no record leaves the window while the benchmark runs
            Run r = offerAndFlush(store, w.events(o.hydrate, now.minus(Duration.ofHours(24)).plus(Duration.ofMinutes(5)), now, 3), db.server());
            verify(db, o.hydrate);
            report("writing the day", r, store.health());
            System.out.printf("  per-minute aggregate rows: %,d%n", count(db, "SELECT COUNT(*) FROM keycycle_usage_minute"));
            for (int round = 1; round <= o.hydrateRounds; round++) {
                Map<String, KeyPool> pools = w.pools();
                System.gc();
                Cpu.Mark cpu = Cpu.mark(db.server());
                long t0 = System.nanoTime();
                HydrationSummary s = store.hydrate(StoreWorkload.restorer(pools), Instant.now());
                long took = System.nanoTime() - t0;
                Cpu c = cpu.since();
                System.out.printf("  hydrate round %d: %,d ms (%,d aggregate records, %,d requests, %d states; CPU %s); "
                                + "requests now in the pools' day windows: %,d%n",
                        round, took / 1_000_000, s.usageRecords(), s.requests(), s.states(), c.total(), dayRequests(pools));
            }
        }
        System.out.printf("  load after: %s%n", loadAverage());
    }

    /** What one offer-then-flush run measured. */
    record Run(int events, long offerNanos, long totalNanos, long[] latencies, GcPauses.Stats gc, Cpu cpu) { }

    static Run offerAndFlush(KeycycleStore store, StoreWorkload.Events events, boolean server) {
        long[] lat = new long[events.size];
        GcPauses gc = GcPauses.start();
        Cpu.Mark cpu = Cpu.mark(server);
        long t0 = System.nanoTime();
        for (int i = 0; events.hasNext(); i++) {
            KeycycleEvent e = events.next();
            long s = System.nanoTime();
            store.onEvent(e);
            lat[i] = System.nanoTime() - s;
        }
        long offered = System.nanoTime();
        if (!store.flush(Duration.ofMinutes(5))) throw new IllegalStateException("flush timed out: " + store.health());
        long done = System.nanoTime();
        return new Run(events.size, offered - t0, done - t0, lat, gc.stop(), cpu.since());
    }

    static void report(String what, Run r, StoreHealth h) {
        long[] s = r.latencies.clone();
        Arrays.sort(s);
        long over1ms = Arrays.stream(s).filter(x -> x > 1_000_000).count();
        System.out.printf(Locale.ROOT, "  %s: %,d events in %,d ms until flush() returned -> %,.0f events/s "
                        + "(offering took %,d ms = %,.0f offers/s)%n",
                what, r.events, r.totalNanos / 1_000_000, r.events / (r.totalNanos / 1e9), r.offerNanos / 1_000_000,
                r.events / (r.offerNanos / 1e9));
        System.out.printf(Locale.ROOT, "  onEvent latency: p50 %s, p99 %s, p99.9 %s, p99.99 %s, max %s; %d calls over 1 ms%n",
                us(pct(s, 0.50)), us(pct(s, 0.99)), us(pct(s, 0.999)), us(pct(s, 0.9999)), us(s[s.length - 1]), over1ms);
        System.out.printf(Locale.ROOT, "  CPU per event: %s%n", r.cpu.perEvent(r.events));
        System.out.printf("  GC during the run: %s%n", r.gc);
        System.out.printf("  store: %,d written, %,d spilled to the journal, %,d duplicates, %,d rejected, last error %s%n",
                h.eventsWritten(), h.eventsSpilled(), h.eventsDuplicate(), h.eventsRejected(), h.lastError());
    }

    private static long pct(long[] sorted, double p) { return sorted[(int) Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]; }

    private static String us(long nanos) { return String.format(Locale.ROOT, "%.1f µs", nanos / 1000.0); }

    static void verify(Db db, long expected) throws SQLException {
        long rows = count(db, "SELECT COUNT(*) FROM keycycle_usage");
        long aggregated = count(db, "SELECT COALESCE(SUM(requests), 0) FROM keycycle_usage_minute");
        if (rows != expected || aggregated != expected) {
            throw new IllegalStateException("expected " + expected + " usage rows and aggregated requests, found "
                    + rows + " rows and " + aggregated + " aggregated requests");
        }
        System.out.printf("  verified: %,d rows in keycycle_usage, %,d requests in keycycle_usage_minute%n", rows, aggregated);
    }

    static long count(Db db, String sql) throws SQLException {
        try (Connection c = db.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Requests counted in the day window of every bucket (sliding or calendar), summed over the pools. */
    static long dayRequests(Map<String, KeyPool> pools) {
        long sum = 0;
        for (KeyPool p : pools.values()) {
            for (PoolSnapshot.BucketView b : p.snapshot().buckets()) {
                for (PoolSnapshot.MetricUsage u : b.usage()) {
                    if (u.metric() == io.keycycle.core.Limits.Metric.RPD) sum += u.used();
                }
            }
        }
        return sum;
    }

    static StoreConfig config(Db db, Options o) {
        StoreConfig.Builder b = StoreConfig.builder(db.url()).journalDir(db.workDir().resolve("journal")).shutdownHook(false)
                .closeTimeout(Duration.ofSeconds(30));
        if (o.queue != null) b.queueCapacity(o.queue);
        if (o.batchIntervalMs != null) b.batchInterval(Duration.ofMillis(o.batchIntervalMs));
        if (o.batchSize != null) b.batchSize(o.batchSize);
        return b.build();
    }

    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    /**
     * CPU time spent by this JVM (all threads) and, when it runs on this machine, by the database
     * server process ({@code mariadbd} or {@code mysqld}, read from {@code /proc}): unlike wall time,
     * it does not grow when other work on the machine takes the cores.
     */
    record Cpu(long jvmNanos, long serverNanos, long writerNanos) {

        /** A starting point. */
        record Mark(long jvm, long server, long writer) {
            Cpu since() {
                return new Cpu(jvmCpu() - jvm, server < 0 ? -1 : serverCpu() - server, writer < 0 ? -1 : writerCpu() - writer);
            }
        }

        /** {@code server}: also count the local database server's CPU (MariaDB; SQLite runs inside the JVM). */
        static Mark mark(boolean server) { return new Mark(jvmCpu(), server ? serverCpu() : -1, writerCpu()); }

        String perEvent(int events) {
            return String.format(Locale.ROOT, "JVM %.1f µs", jvmNanos / 1e3 / events)
                    + (serverNanos < 0 ? "" : String.format(Locale.ROOT, " + database server %.1f µs", serverNanos / 1e3 / events))
                    + (writerNanos < 0 ? "" : String.format(Locale.ROOT, "; of the JVM's, the writer thread %.1f µs", writerNanos / 1e3 / events));
        }

        /**
         * CPU time of the store's writer thread ({@code keycycle-store-writer}: batching, binding, the
         * JDBC driver and, for SQLite, the database engine itself), or -1 when there is none or not one.
         */
        static long writerCpu() {
            List<Thread> writers = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().equals("keycycle-store-writer")).toList();
            if (writers.size() != 1) return -1;
            long nanos = java.lang.management.ManagementFactory.getThreadMXBean().getThreadCpuTime(writers.get(0).getId());
            return nanos < 0 ? -1 : nanos;
        }

        String total() {
            return String.format(Locale.ROOT, "JVM %,d ms", jvmNanos / 1_000_000)
                    + (serverNanos < 0 ? "" : String.format(Locale.ROOT, " + server %,d ms", serverNanos / 1_000_000));
        }

        static long jvmCpu() {
            return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                    .getProcessCpuTime();
        }

        private static final Path SERVER_STAT = findServer();

        /** utime + stime of the local database server in ns, or -1 if there is none. */
        static long serverCpu() {
            if (SERVER_STAT == null) return -1;
            try {
                String stat = Files.readString(SERVER_STAT);
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * (1_000_000_000L / 100); // USER_HZ = 100
            } catch (IOException | RuntimeException e) {
                return -1;
            }
        }

        private static Path findServer() {
            try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
                return procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit))
                        .filter(p -> {
                            try {
                                String comm = Files.readString(p.resolve("comm")).trim();
                                return comm.equals("mariadbd") || comm.equals("mysqld");
                            } catch (IOException | RuntimeException e) {
                                return false;
                            }
                        })
                        .map(p -> p.resolve("stat")).findFirst().orElse(null);
            } catch (IOException | RuntimeException e) {
                return null;
            }
        }
    }

    // ---------------------------------------------------------------- databases

    /** A database that exists for one phase: a temporary SQLite file, or a MariaDB database dropped at close. */
    static final class Db implements AutoCloseable {
        final String kind;
        final String url;
        final String user;
        final String database;
        final Path workDir;
        final boolean keep;

        private Db(String kind, String url, String user, String database, Path workDir, boolean keep) {
            this.kind = kind;
            this.url = url;
            this.user = user;
            this.database = database;
            this.workDir = workDir;
            this.keep = keep;
        }

        static Db create(String kind, String urlParams, boolean keep) throws IOException, SQLException {
            Path dir = Files.createTempDirectory("kc-bench-store-");
            String q = urlParams.isEmpty() ? "" : "?" + urlParams;
            if (kind.equals("sqlite")) return new Db(kind, "jdbc:sqlite:" + dir.resolve("bench.db") + q, null, null, dir, keep);
            String hostPort = System.getProperty("keycycle.bench.mariadb", "127.0.0.1:3306");
            String user = System.getProperty("keycycle.bench.mariadb.user", "root");
            String name = "kc_bench_" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
            try (Connection c = DriverManager.getConnection("jdbc:mysql://" + hostPort + "/", user, "");
                 Statement st = c.createStatement()) {
                st.execute("CREATE DATABASE " + name + " CHARACTER SET utf8mb4");
            }
            return new Db(kind, "jdbc:mysql://" + user + "@" + hostPort + "/" + name + q, user, name, dir, keep);
        }

        String url() { return url; }

        /** True for a database served by another process on this machine (MariaDB). */
        boolean server() { return database != null; }

        Path workDir() { return workDir; }

        Connection connect() throws SQLException {
            return user == null ? DriverManager.getConnection(url) : DriverManager.getConnection(url, user, "");
        }

        @Override public String toString() { return database == null ? "SQLite " + workDir.resolve("bench.db") : "MariaDB " + database; }

        @Override
        public void close() throws Exception {
            if (keep) {
                System.out.println("  kept (--keep): " + this + "; drop it when done");
                return;
            }
            if (database != null) {
                try (Connection c = connect(); Statement st = c.createStatement()) {
                    st.execute("DROP DATABASE " + database);
                }
            }
            List<Path> all = new ArrayList<>();
            try (Stream<Path> s = Files.walk(workDir)) {
                s.sorted(Comparator.reverseOrder()).forEach(all::add);
            }
            for (Path p : all) Files.deleteIfExists(p);
        }
    }
}
