package io.keycycle.redis;

import io.keycycle.core.ApiKey;
import io.keycycle.core.Limits;
import io.keycycle.core.Outcome;
import io.keycycle.core.RateLimitObservation;
import io.keycycle.core.Usage;
import io.keycycle.core.pool.KeyPool;
import io.keycycle.core.pool.Lease;
import io.keycycle.core.testing.TestPools;
import io.keycycle.redis.testing.RedisFleet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A success is settled on the thread that completed the call (the gateway's event loop): what it
 * changes in Redis is sent without waiting, also what the provider's rate-limit headers change (its
 * count ahead of ours, a window it says is used up) after a call that took more than a second. A
 * hung Redis must not hold that thread for the command timeout.
 */
class SuccessSettledWithoutWaitingTest {

    @RegisterExtension
    final RedisFleet fleet = new RedisFleet().withTimings(Duration.ofSeconds(10), Duration.ofMillis(200), Duration.ofSeconds(30));
    final List<ApiKey> keys = TestPools.keys("p", 1);
    final Limits limits = new Limits(100, Limits.NONE, Limits.NONE, 10_000, Limits.NONE, Limits.NONE);

    @Test
    void aSuccessWithRateLimitHeadersDoesNotWaitForAHungRedis() throws Exception {
        RedisCluster a = fleet.join("a");
        KeyPool pool = RedisFleet.pool(a, keys, limits);
        Lease l = pool.acquire("m1", 10);
        Thread.sleep(1_100); // an answer that took more than a second: what Redis said at admission is old
        fleet.redis().pause();
        // the provider says 60 of 100 requests are used (others call with this key too) and no token is left this minute
        Outcome ok = Outcome.success(Usage.of(5, 5)).withObservations(List.of(
                new RateLimitObservation(Limits.Metric.RPM, 100, 40, Duration.ofSeconds(30)),
                new RateLimitObservation(Limits.Metric.TPM, 10_000, 0, Duration.ofSeconds(20))));
        CompletableFuture<Boolean> settled = CompletableFuture.supplyAsync(() -> l.report(ok));
        // the command timeout is 10 s: a settlement that waits for Redis is still waiting after 3
        boolean done;
        try {
            settled.get(3, TimeUnit.SECONDS);
            done = true;
        } catch (java.util.concurrent.TimeoutException waiting) {
            done = false;
        }
        fleet.redis().resume();
        assertThat(done).as("the success settled while Redis was frozen").isTrue();

        // and what the headers said reached Redis once it answered again
        SharedWindows w = a.windows();
        BucketRef b = w.bucket("p", keys.get(0).scope(), "m1", limits, TestPools.spec("p").dailyReset());
        await().atMost(15, TimeUnit.SECONDS).untilAsserted(() -> {
            SharedWindows.Peek p = w.peek(b, 0);
            assertThat(p.used(Limits.Metric.RPM)).as("the provider's count of requests").isGreaterThanOrEqualTo(60);
            assertThat(p.coolingUntil()).as("cooling until the provider's token window resets").isGreaterThan(System.currentTimeMillis());
        });
    }

    @Test
    void usageReportedAfterAHangUpDoesNotWaitForAHungRedis() throws Exception {
        RedisCluster a = fleet.join("a");
        KeyPool pool = RedisFleet.pool(a, keys, limits);
        Lease l = pool.acquire("m1", 10);
        l.abandon("the client hung up"); // counted with its estimate
        fleet.redis().pause();
        // the stream's usage chunk arrives after the hang-up: it replaces the estimate
        CompletableFuture<Boolean> settled = CompletableFuture.supplyAsync(() -> l.success(Usage.of(400, 600)));
        boolean done;
        try {
            settled.get(3, TimeUnit.SECONDS);
            done = true;
        } catch (java.util.concurrent.TimeoutException waiting) {
            done = false;
        }
        fleet.redis().resume();
        assertThat(done).as("the late usage settled while Redis was frozen").isTrue();
        SharedWindows w = a.windows();
        BucketRef b = w.bucket("p", keys.get(0).scope(), "m1", limits, TestPools.spec("p").dailyReset());
        await().atMost(15, TimeUnit.SECONDS).untilAsserted(() -> assertThat(w.peek(b, 0).used(Limits.Metric.TPM))
                .as("the call's 1,000 tokens in Redis").isEqualTo(1_000));
    }
}
