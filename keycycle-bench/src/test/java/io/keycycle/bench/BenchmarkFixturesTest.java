package io.keycycle.bench;

import io.keycycle.core.Limits;
import io.keycycle.core.ResolvedLimits;
import io.keycycle.core.config.Catalog;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The benchmarks' premises, checked cheaply in the normal build (the benchmarks themselves never run here). */
class BenchmarkFixturesTest {

    @Test
    void scaledLimitsMultiplyLimitedMetricsOnly() {
        Limits base = new Limits(30, Limits.NONE, 1000, 0, Limits.NONE, 100_000);
        ScaledLimits scaled = new ScaledLimits((k, m) -> new ResolvedLimits(base, Map.of()), 1_000_000);
        assertThat(scaled.resolve(null, "m").limits())
                .isEqualTo(new Limits(30_000_000, Limits.NONE, 1_000_000_000, 0, Limits.NONE, 100_000_000_000L));
        assertThatThrownBy(() -> new ScaledLimits(scaled, 0)).hasMessageContaining("factor must be >= 1, was 0");
    }

    @Test
    void fakeKeysAreDistinctAndOfTheProvider() {
        var keys = FakeKeys.of("groq", 3);
        assertThat(keys).extracting(k -> k.provider()).containsOnly("groq");
        assertThat(keys).extracting(k -> k.fingerprint()).doesNotHaveDuplicates();
        assertThat(keys.get(0).secret()).startsWith("gsk_bench_").endsWith("1");
    }

    @Test
    void steppingClockMovesOnlyWhenStepped() {
        SteppingClock c = new SteppingClock(1_000, 2_500);
        assertThat(c.millis()).isEqualTo(1_000);
        c.step();
        assertThat(c.millis()).isEqualTo(1_002); // 2.5 ms, truncated
        c.step();
        assertThat(c.millis()).isEqualTo(1_005);
    }

    @Test
    void nearlyFullPreloadHitsItsTargetAndAdmissionStillSucceeds() {
        ScalingBenchmark b = new ScalingBenchmark();
        b.keys = 100;
        b.fill = "nearly-full";
        b.target = 0.95;
        b.selection = "headroom";
        b.setUp(); // throws unless every bucket is at 95% +- 1%
        for (int i = 0; i < 10_000; i++) b.admitAndSettle(); // 100 visits per bucket, 5 s simulated
        Fill f = Fill.of(b.pool);
        assertThat(f.min()).isGreaterThan(0.94);
        assertThat(f.max()).isLessThan(1.0);
        assertThat(f.refusing()).isEmpty();
        assertThat(b.pool.openLeases()).isZero();
    }

    @Test
    void admissionBenchmarkSpreadsOverTheFourProvidersByKeyCount() {
        AdmissionBenchmark b = new AdmissionBenchmark();
        b.setUp();
        assertThat(b.sequence).hasSize(208);
        Map<String, Long> perProvider = java.util.Arrays.stream(b.sequence)
                .collect(java.util.stream.Collectors.groupingBy(t -> t.pool().provider(), java.util.stream.Collectors.counting()));
        assertThat(perProvider).containsExactlyInAnyOrderEntriesOf(Map.of("cerebras", 51L, "groq", 16L, "gemini", 110L, "openrouter", 31L));
        for (AdmissionBenchmark.Target t : b.sequence) {
            assertThat(t.model()).isEqualTo(Catalog.builtIn().provider(t.pool().provider()).defaultModel());
            AdmissionBenchmark.admitAndSettle(t);
        }
        b.tearDown(); // throws if a lease stayed open
    }
}
