package io.keycycle.store;

import io.keycycle.core.ApiKey;
import io.keycycle.core.DailyReset;
import io.keycycle.core.Limits;
import io.keycycle.core.ProviderSpec;
import io.keycycle.core.Strategy;
import io.keycycle.core.Usage;
import io.keycycle.core.pool.AcquireOptions;
import io.keycycle.core.pool.KeyPool;
import io.keycycle.core.pool.Lease;
import io.keycycle.core.pool.PoolSnapshot;
import io.keycycle.core.testing.ManualClock;
import io.keycycle.core.testing.TestPools;
import io.keycycle.store.testing.DatabaseTest;
import io.keycycle.store.testing.TestDatabase;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A gateway client hangs up (the lease is abandoned: its estimate stays charged where it was
 * abandoned) and the provider's usage arrives minutes later, smaller than the estimate. The engine
 * gives the difference back where the estimate was charged; the store must not put that negative
 * difference into the minute of the report, where after a restart it would cancel other calls'
 * tokens in the minute window and let the engine admit past the limit.
 */
class LateUsageRestartTest {

    static final Limits LIMITS = new Limits(100, 1000, 5000, 100_000, 1_000_000, 10_000_000);

    KeyPool pool(ManualClock clock, List<ApiKey> keys, KeycycleStore store) {
        ProviderSpec spec = TestPools.spec("groq", Strategy.PER_MODEL, DailyReset.sliding());
        return KeyPool.builder(spec).keys(keys).limits(LIMITS).profile(TestPools.statusProfile("groq"))
                .clock(clock).listener(store).build();
    }

    @DatabaseTest
    void aSmallerLateReportAfterAHangUpDoesNotLowerTheRestoredMinuteWindow(TestDatabase db) throws Exception {
        ManualClock clock = ManualClock.at("2026-11-28T18:00:10Z");
        List<ApiKey> keys = TestPools.keys("groq", 1, "org-a");
        KeycycleStore store1 = db.open();
        KeyPool first = pool(clock, keys, store1);

        Lease hungUp = first.acquire(AcquireOptions.of("m1", 9_000));
        clock.advance(Duration.ofSeconds(20));
        hungUp.abandon("client hung up");                       // 9,000 estimated tokens stay counted at 18:00:30
        clock.advance(Duration.ofMinutes(5));                  // 18:05:30
        first.acquire(AcquireOptions.of("m1", 8_000)).success(Usage.of(7_000, 1_000)); // 8,000 tokens now
        assertThat(hungUp.success(Usage.of(900, 100))).isTrue(); // the late report: 1,000 used, 8,000 given back
        clock.advance(Duration.ofSeconds(10));
        long tpmBefore = used(first.snapshot()).get(Limits.Metric.TPM);
        assertThat(store1.flush(Duration.ofSeconds(20))).isTrue();
        store1.close();

        KeycycleStore store2 = db.open();
        KeyPool second = pool(clock, keys, store2);
        store2.hydrate(second, clock.now());
        Map<Limits.Metric, Long> after = used(second.snapshot());
        assertThat(tpmBefore).isEqualTo(8_000);
        assertThat(after.get(Limits.Metric.TPM)).as("tokens in the minute window after the restart").isGreaterThanOrEqualTo(tpmBefore);
        assertThat(after.get(Limits.Metric.TPD)).as("tokens of the day").isEqualTo(used(first.snapshot()).get(Limits.Metric.TPD));
        store2.close();
    }

    private static Map<Limits.Metric, Long> used(PoolSnapshot s) {
        return s.buckets().get(0).usage().stream().collect(Collectors.toMap(PoolSnapshot.MetricUsage::metric, PoolSnapshot.MetricUsage::used));
    }
}
