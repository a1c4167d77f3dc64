package io.keycycle.bench;

import io.keycycle.core.ApiKey;
import io.keycycle.core.EngineClock;
import io.keycycle.core.KeycycleListener;
import io.keycycle.core.Usage;
import io.keycycle.core.classify.ProviderProfiles;
import io.keycycle.core.config.Catalog;
import io.keycycle.core.pool.KeyPool;
import io.keycycle.core.pool.Lease;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.infra.ThreadParams;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * One admission and its settlement ({@code acquire} then {@code lease.success(usage)}) on a
 * realistic deployment: 208 keys over the four built-in providers (51 Cerebras, 16 Groq, 110
 * Gemini, 31 OpenRouter), each provider's default model, the system clock, no listeners.
 *
 * <p>Each operation goes to the provider of the next entry of a fixed, shuffled sequence in which
 * each provider appears once per key it has, so traffic is spread over providers in proportion to
 * their keys. Limits are the built-in catalog's multiplied by {@value #LIMIT_FACTOR}: the benchmark
 * measures admission at steady state, not the "every key full" path (which rejects instead). The
 * tear-down prints the fullest window so the premise can be checked.
 */
@State(Scope.Benchmark)
public class AdmissionBenchmark {

    static final long LIMIT_FACTOR = 1_000_000;
    static final long ESTIMATE = 500;
    static final Usage USAGE = Usage.of(300, 150);
    static final String[] PROVIDERS = {"cerebras", "groq", "gemini", "openrouter"};
    static final int[] KEYS = {51, 16, 110, 31};

    /** A pool and the model its traffic uses. */
    record Target(KeyPool pool, String model) { }

    List<KeyPool> pools;
    Target[] sequence;

    @Setup(Level.Trial)
    public void setUp() {
        pools = new ArrayList<>();
        sequence = build(pools, null);
    }

    /**
     * Builds the four pools into {@code pools} (each with {@code listener}, if not null) and returns the
     * shuffled admission sequence over them.
     */
    static Target[] build(List<KeyPool> pools, KeycycleListener listener) {
        Catalog catalog = Catalog.builtIn();
        List<Target> seq = new ArrayList<>();
        for (int p = 0; p < PROVIDERS.length; p++) {
            String name = PROVIDERS[p];
            List<ApiKey> keys = FakeKeys.of(name, KEYS[p]);
            KeyPool.Builder b = KeyPool.builder(catalog.provider(name))
                    .keys(keys)
                    .limits(new ScaledLimits(catalog.resolver(name), LIMIT_FACTOR))
                    .profile(ProviderProfiles.forProvider(name))
                    .clock(EngineClock.system());
            if (listener != null) b.listener(listener);
            KeyPool pool = b.build();
            pools.add(pool);
            Target t = new Target(pool, catalog.provider(name).defaultModel());
            for (int i = 0; i < keys.size(); i++) seq.add(t);
        }
        Collections.shuffle(seq, new Random(42));
        return seq.toArray(new Target[0]);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        for (KeyPool p : pools) {
            if (p.openLeases() != 0) throw new IllegalStateException(p.provider() + ": " + p.openLeases() + " leases left open");
            System.err.println("  [" + p.provider() + "] " + Fill.of(p));
        }
    }

    /** Each thread walks the sequence from its own offset. */
    @State(Scope.Thread)
    public static class Cursor {
        int next;

        @Setup(Level.Trial)
        public void setUp(ThreadParams t) { next = t.getThreadIndex() * 104; }

        Target advance(Target[] seq) {
            int i = next;
            next = i + 1 == seq.length ? 0 : i + 1;
            return seq[i];
        }
    }

    static Lease admitAndSettle(Target t) {
        Lease l = t.pool.acquire(t.model, ESTIMATE);
        l.success(USAGE);
        return l;
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @Threads(1)
    public Lease throughput1Thread(Cursor c) {
        return admitAndSettle(c.advance(sequence));
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @Threads(2)
    public Lease throughput2Threads(Cursor c) {
        return admitAndSettle(c.advance(sequence));
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    @Threads(1)
    public Lease averageTime1Thread(Cursor c) {
        return admitAndSettle(c.advance(sequence));
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    @Threads(2)
    public Lease averageTime2Threads(Cursor c) {
        return admitAndSettle(c.advance(sequence));
    }
}
