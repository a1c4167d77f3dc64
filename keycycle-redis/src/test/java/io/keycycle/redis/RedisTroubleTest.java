package io.keycycle.redis;

import io.keycycle.core.ApiKey;
import io.keycycle.core.KeyState;
import io.keycycle.core.Limits;
import io.keycycle.core.NoAvailableKeyException;
import io.keycycle.core.Outcome;
import io.keycycle.core.OutcomeKind;
import io.keycycle.core.Usage;
import io.keycycle.core.pool.AcquireOptions;
import io.keycycle.core.pool.KeyPool;
import io.keycycle.core.pool.Lease;
import io.keycycle.core.pool.PoolSnapshot;
import io.keycycle.core.testing.TestPools;
import io.keycycle.redis.testing.RedisFleet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** Redis slow, and Redis restarted empty, on a redis-server of the test's own. */
class RedisTroubleTest {

    @RegisterExtension
    final RedisFleet fleet = new RedisFleet().withTimings(Duration.ofMillis(200), Duration.ofMillis(200), Duration.ofSeconds(2));
    final List<ApiKey> keys = TestPools.keys("p", 2);
    final Limits twoPerMinute = new Limits(2, Limits.NONE, Limits.NONE, Limits.NONE, Limits.NONE, Limits.NONE);

    RedisCluster join(String id, Duration commandTimeout, Duration heartbeat, Duration instanceTtl) {
        return fleet.join(fleet.settings(id).withTimings(commandTimeout, heartbeat, instanceTtl));
    }

    KeyPool pool(RedisCluster c) { return RedisFleet.pool(c, keys, twoPerMinute); }

    @Test
    void aSlowRedisDegradesWithoutMakingCallersWaitAndSharedModeResumesWithTheLocalUsage() throws Exception {
        RedisCluster a = fleet.join("a");
        KeyPool pool = pool(a);
        pool.acquire("m1", 1).success(Usage.of(1, 0));
        Thread sleeper = fleet.redis().busyFor(3000); // Redis answers nobody for 3 s
        long t0 = System.nanoTime();
        Lease l = pool.acquire("m1", 1); // Redis does not answer within 200 ms: local admission (1 of 2 per key)
        assertThat((System.nanoTime() - t0) / 1_000_000).as("ms the caller waited").isLessThan(1_000);
        assertThat(a.mode()).isEqualTo("degraded");
        l.success(Usage.of(1, 0));
        sleeper.join();
        await().atMost(5, TimeUnit.SECONDS).until(() -> a.mode().equals("shared"));
        // the local admission was replayed: 3 of the 4 requests of this minute are counted in Redis
        SharedWindows w = a.windows();
        long used = 0;
        for (ApiKey k : keys) used += w.peek(w.bucket("p", k.scope(), "m1", twoPerMinute, TestPools.spec("p").dailyReset()), 0).used(Limits.Metric.RPM);
        assertThat(used).isEqualTo(2);
        pool.acquire("m1", 1).success(Usage.of(1, 0));
        pool.acquire("m1", 1).success(Usage.of(1, 0));
        assertThatThrownBy(() -> pool.acquire("m1", 1)).isInstanceOf(NoAvailableKeyException.class);
    }

    @Test
    void theNonBlockingCallApiNeverWaitsForRedisOnTheCallersThread() throws Exception {
        // a command timeout long enough to tell waiting for it from not waiting at all
        RedisCluster a = join("a", Duration.ofMillis(1500), Duration.ofMillis(300), Duration.ofSeconds(2));
        KeyPool pool = pool(a);
        assertThat(pool.callAsync(io.keycycle.core.pool.CallOptions.of("m1", 1),
                key -> java.util.concurrent.CompletableFuture.completedFuture(Usage.of(1, 0))).get(5, TimeUnit.SECONDS)).isNotNull();
        Thread sleeper = fleet.redis().busyFor(3000);
        java.util.concurrent.atomic.AtomicReference<String> ranOn = new java.util.concurrent.atomic.AtomicReference<>();
        long t0 = System.nanoTime();
        java.util.concurrent.CompletableFuture<Usage> f = pool.callAsync(io.keycycle.core.pool.CallOptions.of("m1", 1), key -> {
            ranOn.set(Thread.currentThread().getName());
            return java.util.concurrent.CompletableFuture.completedFuture(Usage.of(1, 0));
        });
        long returnedMs = (System.nanoTime() - t0) / 1_000_000;
        // the admission waits for Redis (up to the 1.5-s command timeout, then local admission), on the store's threads
        assertThat(returnedMs).as("ms the calling thread waited").isLessThan(500);
        assertThat(f.get(10, TimeUnit.SECONDS)).isNotNull();
        assertThat(ranOn.get()).startsWith("keycycle-redis-step-");
        sleeper.join();
        await().atMost(5, TimeUnit.SECONDS).until(() -> a.mode().equals("shared"));
    }

    @Test
    void aCallWhoseDeadlineComesBeforeTheCommandTimeoutEndsAtItsDeadlineAndReservesNothing() throws Exception {
        // a 3-s command timeout: a Redis busy for 2 s is slow, not trouble (the instance stays shared)
        RedisCluster a = join("a", Duration.ofSeconds(3), Duration.ofMillis(300), Duration.ofSeconds(10));
        KeyPool pool = pool(a);
        pool.call(io.keycycle.core.pool.CallOptions.of("m1", 1), key -> Usage.of(1, 0));
        io.keycycle.core.pool.CallOptions short300 = io.keycycle.core.pool.CallOptions.of("m1", 1).timeout(Duration.ofMillis(300));
        java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();

        Thread sleeper = fleet.redis().busyFor(2000);
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> pool.call(short300, key -> {
            calls.incrementAndGet();
            return Usage.of(1, 0);
        })).isInstanceOf(NoAvailableKeyException.class).hasMessageContaining("deadline passed while the shared pool state had not answered");
        long blockingMs = (System.nanoTime() - t0) / 1_000_000;
        long t1 = System.nanoTime();
        java.util.concurrent.CompletableFuture<Usage> f = pool.callAsync(short300, key -> {
            calls.incrementAndGet();
            return java.util.concurrent.CompletableFuture.completedFuture(Usage.of(1, 0));
        });
        assertThatThrownBy(() -> f.get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(NoAvailableKeyException.class);
        long asyncMs = (System.nanoTime() - t1) / 1_000_000;
        assertThat(blockingMs).as("ms the blocking call took (deadline 300 ms, Redis busy for 2 s)").isBetween(250L, 1_000L);
        assertThat(asyncMs).as("ms the non-blocking call took").isLessThan(1_000L);
        assertThat(calls).as("calls made without a reservation").hasValue(0);
        assertThat(a.mode()).as("a caller's deadline is not Redis trouble").isEqualTo("shared");
        sleeper.join();

        // Redis made both reservations once it answered; they were given back: only the first call is counted
        SharedWindows w = a.windows();
        await().atMost(5, TimeUnit.SECONDS).untilAsserted(() -> {
            long used = 0;
            for (ApiKey k : keys) used += w.peek(w.bucket("p", k.scope(), "m1", twoPerMinute, TestPools.spec("p").dailyReset()), 0).used(Limits.Metric.RPM);
            assertThat(used).isEqualTo(1);
        });
        assertThat(a.mode()).isEqualTo("shared");
        // Redis answers again: a deadline shorter than the command timeout (the bounded wait) is no obstacle
        pool.call(io.keycycle.core.pool.CallOptions.of("m1", 1).timeout(Duration.ofSeconds(2)), key -> Usage.of(1, 0));
    }

    @Test
    void aCooldownKnownBeforeTheOutageStillHoldsWhileDegraded() throws Exception {
        RedisCluster a = fleet.join("a");
        KeyPool pool = pool(a);
        Lease cooled = pool.acquire(AcquireOptions.of("m1", 1).pinned("1"));
        cooled.report(Outcome.of(OutcomeKind.RATE_LIMITED, 429, "test").withRetryAfter(Duration.ofSeconds(60)));
        Thread sleeper = fleet.redis().busyFor(3000);
        // Redis does not answer within 200 ms: local admission, which must still honour the cooldown
        assertThatThrownBy(() -> pool.acquire(AcquireOptions.of("m1", 1).pinned("1"))).isInstanceOf(NoAvailableKeyException.class)
                .hasMessageContaining("cooling");
        assertThat(a.mode()).isEqualTo("degraded");
        pool.acquire(AcquireOptions.of("m1", 1).pinned("2")).success(Usage.of(1, 0));
        sleeper.join();
    }

    @Test
    void aRedisRestartedEmptyIsReseededWithUsageAndHolds() throws Exception {
        RedisCluster a = fleet.join("a");
        KeyPool pool = pool(a);
        pool.acquire(AcquireOptions.of("m1", 1).pinned("1")).success(Usage.of(1, 0));
        Lease cooled = pool.acquire(AcquireOptions.of("m1", 1).pinned("2"));
        cooled.report(Outcome.of(OutcomeKind.RATE_LIMITED, 429, "test").withRetryAfter(Duration.ofSeconds(60)));

        fleet.redis().kill();
        fleet.redis().startAgain();
        await().atMost(10, TimeUnit.SECONDS).until(() -> {
            a.fleet().beat();
            return a.mode().equals("shared") && fleet.redis().port() > 0
                    && a.link().connection().sync().exists(a.link().prefix() + ":ri:none") == 0
                    && a.link().connection().sync().keys(a.link().prefix() + ":w" + BucketRef.LAYOUT + ":*").size() >= 2;
        });
        // another instance joining the new dataset sees the re-seeded usage and the cooldown
        KeyPool other = pool(fleet.join("b"));
        other.acquire("m1", 1).release();
        PoolSnapshot s = other.snapshot();
        assertThat(s.status(s.keys().get(1), "m1").state()).isEqualTo(KeyState.COOLING);
        other.acquire(AcquireOptions.of("m1", 1).pinned("1")).success(Usage.of(1, 0)); // 2 of 2 on key 1 with the re-seeded one
        assertThatThrownBy(() -> other.acquire(AcquireOptions.of("m1", 1).pinned("1"))).isInstanceOf(NoAvailableKeyException.class);
    }
}
