package io.keycycle.bench;

import io.keycycle.core.pool.KeyPool;
import io.keycycle.core.pool.Lease;
import io.keycycle.store.KeycycleStore;
import io.keycycle.store.StoreConfig;
import io.keycycle.store.StoreHealth;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * {@link AdmissionBenchmark}'s operation (acquire + {@code success}, 208 keys over four providers)
 * with a {@link KeycycleStore} on a temporary SQLite file registered as every pool's listener
 * ({@code -p store=sqlite}), against no listener ({@code store=none}). The store runs with its
 * default settings (queue of 10 000 events, batches of 500, 200 ms linger); its writer thread runs
 * in the same JVM, so {@code cpu.time.norm} includes the writer's work per admission.
 *
 * <ul>
 *   <li>{@code saturated}: admissions as fast as one thread can go (throughput). Far above what any
 *       database takes, so after the first few milliseconds the store's queue is full and every
 *       settled event is appended to the journal on the admitting thread: this measures the
 *       overload path.</li>
 *   <li>{@code paced}: one admission every {@code 1/rate} s (default 10 000/s, below the writer's
 *       throughput, so the store stays on its queue), sample-time mode: the latency distribution of
 *       one admission while the writer commits in the background. The wait between admissions is a
 *       per-invocation set-up, outside the measured time.</li>
 * </ul>
 * The tear-down prints the store's health (queue, journal, rows written). For {@code paced},
 * {@code cpu.time.norm} includes the pacing spin and means nothing.
 */
@State(Scope.Benchmark)
@Threads(1)
public class AdmissionStoreBenchmark {

    /** {@code none} (no listener) or {@code sqlite} (a store on a temporary SQLite file). */
    @Param({"none", "sqlite"})
    public String store;

    /** Admissions per second of {@code paced}. */
    @Param({"10000"})
    public int rate;

    List<KeyPool> pools;
    AdmissionBenchmark.Target[] sequence;
    KeycycleStore kcStore;
    Path dir;
    int next;
    long periodNanos;
    long due;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        if (rate < 1) throw new IllegalArgumentException("rate must be >= 1, was " + rate);
        periodNanos = 1_000_000_000L / rate;
        pools = new ArrayList<>();
        switch (store) {
            case "none" -> sequence = AdmissionBenchmark.build(pools, null);
            case "sqlite" -> {
                // logback's default is DEBUG to the console: keep the pool's housekeeping out of the run
                ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME))
                        .setLevel(ch.qos.logback.classic.Level.WARN);
                dir = Files.createTempDirectory("kc-bench-admission-store-");
                kcStore = KeycycleStore.open(StoreConfig.builder("jdbc:sqlite:" + dir.resolve("bench.db"))
                        .journalDir(dir.resolve("journal")).shutdownHook(false).build());
                sequence = AdmissionBenchmark.build(pools, kcStore);
            }
            default -> throw new IllegalArgumentException("store must be none or sqlite, was " + store);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        for (KeyPool p : pools) {
            if (p.openLeases() != 0) throw new IllegalStateException(p.provider() + ": " + p.openLeases() + " leases left open");
        }
        if (kcStore == null) return;
        StoreHealth h = kcStore.health();
        System.err.printf("  [store] at the end: queue %d/%d, journaling %s, %,d events waiting in the journal (%,d bytes), "
                        + "%,d written, %,d spilled, last error %s%n", h.queueDepth(), h.queueCapacity(), h.journaling(),
                h.journalEvents(), h.journalBytes(), h.eventsWritten(), h.eventsSpilled(), h.lastError());
        kcStore.close(Duration.ofSeconds(2));
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }

    /** Waits (outside the measured time) until the next admission of {@code paced} is due. */
    @State(Scope.Thread)
    public static class Pacer {
        @Setup(Level.Invocation)
        public void pace(AdmissionStoreBenchmark b) {
            long now = System.nanoTime();
            if (b.due - now > 0) {
                while (System.nanoTime() - b.due < 0) Thread.onSpinWait();
                b.due += b.periodNanos;
            } else {
                b.due = now + b.periodNanos; // fell behind (e.g. a GC pause): do not catch up in a burst
            }
        }
    }

    private Lease admitAndSettle() {
        int i = next;
        next = i + 1 == sequence.length ? 0 : i + 1;
        return AdmissionBenchmark.admitAndSettle(sequence[i]);
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    public Lease saturated() {
        return admitAndSettle();
    }

    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    public Lease paced(Pacer pacer) {
        return admitAndSettle();
    }
}
