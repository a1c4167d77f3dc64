package io.keycycle.store;

import io.keycycle.core.ApiKey;
import io.keycycle.core.DailyReset;
import io.keycycle.core.KeyState;
import io.keycycle.core.Limits;
import io.keycycle.core.NoAvailableKeyException;
import io.keycycle.core.Outcome;
import io.keycycle.core.OutcomeKind;
import io.keycycle.core.ProviderSpec;
import io.keycycle.core.Strategy;
import io.keycycle.core.Usage;
import io.keycycle.core.pool.AcquireOptions;
import io.keycycle.core.pool.KeyPool;
import io.keycycle.core.pool.PoolSnapshot;
import io.keycycle.core.testing.ManualClock;
import io.keycycle.core.testing.TestPools;
import io.keycycle.store.testing.DatabaseTest;
import io.keycycle.store.testing.TestDatabase;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A restart with a real key pool on both sides: what one process learnt (a day-parked scope, a
 * disabled key, a cooling scope, the windows' counts) is still true in the next process that opens
 * the same database.
 */
class EngineRestartTest {

    static final Limits LIMITS = new Limits(100, 1000, 5000, 100_000, 1_000_000, 10_000_000);

    KeyPool pool(ManualClock clock, List<ApiKey> keys, KeycycleStore store) {
        ProviderSpec spec = TestPools.spec("gemini", Strategy.PER_MODEL, DailyReset.midnight(ZoneId.of("America/Los_Angeles")));
        return KeyPool.builder(spec).keys(keys).limits(LIMITS).profile(TestPools.statusProfile("gemini"))
                .clock(clock).listener(store).build();
    }

    @DatabaseTest
    void aNewProcessContinuesWhereThePreviousOneStopped(TestDatabase db) throws Exception {
        ManualClock clock = ManualClock.at("2026-11-28T18:00:00Z");
        List<ApiKey> keys = TestPools.keys("gemini", 4, "project-a", "project-b", "project-c", "project-d");

        KeycycleStore store1 = db.open();
        KeyPool first = pool(clock, keys, store1);
        // an hour of mixed traffic on every key
        for (int minute = 0; minute < 60; minute++) {
            for (int k = 1; k <= 4; k++) {
                first.acquire(AcquireOptions.of("m1", 50).pinned(String.valueOf(k))).success(Usage.of(30, 10 + k));
            }
            clock.advance(Duration.ofMinutes(1));
        }
        // project-a: day quota gone; key 2 dead; project-c cooling for 30 minutes
        first.acquire(AcquireOptions.of("m1", 10).pinned("1"))
                .report(Outcome.of(OutcomeKind.QUOTA_EXHAUSTED, 429, "GenerateRequestsPerDayPerProjectPerModel"));
        first.acquire(AcquireOptions.of("m1", 10).pinned("2")).report(Outcome.of(OutcomeKind.KEY_INVALID, 400, "API_KEY_INVALID"));
        first.acquire(AcquireOptions.of("m1", 10).pinned("3"))
                .report(Outcome.of(OutcomeKind.RATE_LIMITED, 429, "PerMinute").withRetryAfter(Duration.ofMinutes(30)));
        PoolSnapshot before = first.snapshot();
        assertThat(store1.flush(Duration.ofSeconds(20))).isTrue();
        store1.close();

        clock.advance(Duration.ofSeconds(5)); // the restart
        KeycycleStore store2 = db.open();
        KeyPool second = pool(clock, keys, store2);
        store2.hydrate(second, clock.now());
        PoolSnapshot after = second.snapshot();

        Map<String, PoolSnapshot.BucketView> b1 = byScope(before), b2 = byScope(after);
        assertThat(b2.get("project-a").state()).isEqualTo(KeyState.PARKED);
        assertThat(b2.get("project-a").until()).isEqualTo(Instant.parse("2026-11-29T08:00:00Z")).isEqualTo(b1.get("project-a").until());
        assertThat(b2.get("project-c").state()).isEqualTo(KeyState.COOLING);
        assertThat(b2.get("project-c").until()).isEqualTo(b1.get("project-c").until());
        assertThat(after.keys().get(1).state()).isEqualTo(KeyState.DISABLED);
        assertThat(after.keys().get(1).reason()).contains("API_KEY_INVALID");

        // the hour and day windows hold the same counts as before the restart (the minute window is
        // rebuilt at minute precision, which can only count more, never less)
        for (String scope : List.of("project-a", "project-b", "project-c", "project-d")) {
            Map<Limits.Metric, Long> u1 = used(b1.get(scope)), u2 = used(b2.get(scope));
            for (Limits.Metric m : List.of(Limits.Metric.RPH, Limits.Metric.RPD, Limits.Metric.TPH, Limits.Metric.TPD)) {
                assertThat(u2.get(m)).as("%s %s", scope, m).isEqualTo(u1.get(m));
            }
            assertThat(u2.get(Limits.Metric.RPM)).as("%s rpm", scope).isGreaterThanOrEqualTo(u1.get(Limits.Metric.RPM));
        }
        // and the engine acts on it: only project-d's key is usable
        for (int i = 0; i < 10; i++) assertThat(second.acquire("m1", 10).key().index()).isEqualTo(4);
        assertThatThrownBy(() -> second.acquire(AcquireOptions.of("m1", 10).pinned("1"))).isInstanceOf(NoAvailableKeyException.class);
        store2.close();
    }

    private static Map<String, PoolSnapshot.BucketView> byScope(PoolSnapshot s) {
        return s.buckets().stream().collect(Collectors.toMap(PoolSnapshot.BucketView::scope, Function.identity()));
    }

    private static Map<Limits.Metric, Long> used(PoolSnapshot.BucketView b) {
        return b.usage().stream().collect(Collectors.toMap(PoolSnapshot.MetricUsage::metric, PoolSnapshot.MetricUsage::used));
    }
}
