package io.keycycle.bench;

import io.keycycle.core.ApiKey;
import io.keycycle.core.Limits;
import io.keycycle.core.ProviderSpec;
import io.keycycle.core.Usage;
import io.keycycle.core.classify.ProviderProfiles;
import io.keycycle.core.config.Catalog;
import io.keycycle.core.pool.KeyPool;
import io.keycycle.core.pool.Lease;
import io.keycycle.core.pool.Selection;
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

import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Cost of one admission + settlement as the number of keys grows (100, 1 000, 10 000 Groq keys,
 * one model, each key its own scope) and as the windows fill.
 *
 * <p><b>Time.</b> A {@link SteppingClock} advances {@code 50 000 / keys} µs per operation, so each
 * bucket is visited on average once every {@value #VISIT_MILLIS} simulated ms whatever the pool
 * size: minute windows hold 1 200 requests, hour windows 72 000, day windows 1 728 000, and the rings
 * roll forward (old usage leaving) at the same pace per visit for every size. Only the pool size
 * varies between rows; the work per bucket visit does not.
 *
 * <p><b>Fill.</b> {@code nearly-full}: before measuring, each bucket is loaded through the public
 * hydration path ({@link KeyPool#restoreUsage}) with a full simulated day of traffic at exactly the
 * rate the benchmark then produces, and the limits are set so that this steady state is 95% of
 * every one of the six limits. Windows therefore stay 95% to 99% full during the run (the ring keeps
 * one extra sub-bucket) and admission always succeeds; the set-up checks the fill and the tear-down
 * prints it. {@code empty}: the same traffic with every limit 1 000 times larger and no pre-load
 * (windows stay below 0.1%).
 */
@State(Scope.Benchmark)
@Threads(1)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ScalingBenchmark {

    static final String PROVIDER = "groq";
    static final long VISIT_MILLIS = 50;
    static final long ESTIMATE = 500;
    static final Usage USAGE = Usage.of(300, 150);
    /** 2026-01-01T00:00:00Z: a whole number of minute, hour and day sub-buckets, so the pre-load is exact. */
    static final long START = 1_767_225_600_000L;

    @Param({"100", "1000", "10000"})
    public int keys;

    @Param({"empty", "nearly-full"})
    public String fill;

    /**
     * {@code nearly-full} only: the steady-state fill of every limit, as a fraction (95% by default;
     * the previous engine's figures used 0.90, see docs/benchmarks.md).
     */
    @Param({"0.95"})
    public double target;

    /** The pool's selection policy (default headroom, the pool's default); {@code -p selection=round-robin} to compare. */
    @Param({"headroom"})
    public String selection;

    SteppingClock clock;
    KeyPool pool;
    String model;

    @Setup(Level.Trial)
    public void setUp() {
        Catalog catalog = Catalog.builtIn();
        ProviderSpec spec = catalog.provider(PROVIDER);
        model = spec.defaultModel();
        boolean full = switch (fill) {
            case "empty" -> false;
            case "nearly-full" -> true;
            default -> throw new IllegalArgumentException("fill must be empty or nearly-full, was " + fill);
        };
        clock = new SteppingClock(START, VISIT_MILLIS * 1000 / keys);
        List<ApiKey> ks = FakeKeys.of(PROVIDER, keys);
        pool = KeyPool.builder(spec)
                .keys(ks)
                .limits(steadyStateLimits(full ? 1 : 1000, target))
                .profile(ProviderProfiles.forProvider(PROVIDER))
                .clock(clock)
                .selection(Selection.parse(selection))
                .build();
        if (full && (target <= 0 || target >= 1)) throw new IllegalArgumentException("target must be in (0, 1), was " + target);
        if (full) {
            for (ApiKey k : ks) preload(k);
            Fill f = Fill.of(pool);
            if (f.min() < target - 0.01 || f.max() > target + 0.01) {
                throw new IllegalStateException("pre-load missed its target of " + target + ": " + f);
            }
        } else {
            pool.acquire(model, ESTIMATE).release(); // creates the ring and its buckets, as the pre-load does
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        System.err.println("  [" + keys + " keys, " + fill + (fill.equals("empty") ? "" : " " + Math.round(target * 100) + "%")
                + ", " + selection + "] after the run: " + Fill.of(pool)
                + ", simulated time " + (clock.millis() - START) / 60_000 + " min");
    }

    @Benchmark
    public Lease admitAndSettle() {
        clock.step();
        Lease l = pool.acquire(model, ESTIMATE);
        l.success(USAGE);
        return l;
    }

    /** Requests in a window of {@code spanMillis} at one request per bucket every {@value #VISIT_MILLIS} ms. */
    private static long steady(long spanMillis) { return spanMillis / VISIT_MILLIS; }

    private static long limit(long steadyCount, long factor, double target) { return (long) Math.ceil(steadyCount / target) * factor; }

    static Limits steadyStateLimits(long factor, double target) {
        long t = USAGE.charged();
        long m = Limits.Span.MINUTE.millis(), h = Limits.Span.HOUR.millis(), d = Limits.Span.DAY.millis();
        return new Limits(limit(steady(m), factor, target), limit(steady(h), factor, target), limit(steady(d), factor, target),
                limit(steady(m) * t, factor, target), limit(steady(h) * t, factor, target), limit(steady(d) * t, factor, target));
    }

    /**
     * A simulated day of usage at one request every {@value #VISIT_MILLIS} ms: per minute-ring
     * sub-bucket (2.5 s) for the last hour, per hour-ring sub-bucket (150 s) before that, each record
     * in the middle of its sub-bucket.
     */
    private void preload(ApiKey k) {
        long minuteSlot = Limits.Span.MINUTE.millis() / 24, hourSlot = Limits.Span.HOUR.millis() / 24;
        long hourAgo = START - Limits.Span.HOUR.millis(), dayAgo = START - Limits.Span.DAY.millis();
        for (long at = dayAgo; at < hourAgo; at += hourSlot) {
            long n = hourSlot / VISIT_MILLIS;
            pool.restoreUsage(PROVIDER, k.fingerprint(), model, Instant.ofEpochMilli(at + hourSlot / 2), n, n * USAGE.charged());
        }
        for (long at = hourAgo; at < START; at += minuteSlot) {
            long n = minuteSlot / VISIT_MILLIS;
            pool.restoreUsage(PROVIDER, k.fingerprint(), model, Instant.ofEpochMilli(at + minuteSlot / 2), n, n * USAGE.charged());
        }
    }
}
