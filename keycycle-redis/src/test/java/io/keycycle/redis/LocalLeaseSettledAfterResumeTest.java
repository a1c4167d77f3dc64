package io.keycycle.redis;

import io.keycycle.core.ApiKey;
import io.keycycle.core.Limits;
import io.keycycle.core.Usage;
import io.keycycle.core.pool.KeyPool;
import io.keycycle.core.pool.Lease;
import io.keycycle.core.testing.TestPools;
import io.keycycle.redis.testing.RedisFleet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A lease admitted locally while Redis did not answer and settled after shared mode resumed (the call
 * outlived the outage): its real tokens reach Redis at once, not at the next outage's replay.
 */
class LocalLeaseSettledAfterResumeTest {

    @RegisterExtension
    final RedisFleet fleet = new RedisFleet().withTimings(Duration.ofMillis(200), Duration.ofMillis(200), Duration.ofSeconds(2));
    final List<ApiKey> keys = TestPools.keys("p", 1);
    final Limits limits = new Limits(100, Limits.NONE, Limits.NONE, 10_000, Limits.NONE, Limits.NONE);

    @Test
    void actualTokensOfALocalLeaseSettledAfterTheResumeReachRedis() throws Exception {
        RedisCluster a = fleet.join(fleet.settings("a").withBlocks(1, Duration.ofMillis(100)));
        KeyPool pool = RedisFleet.pool(a, keys, limits);
        pool.acquire("m1", 10).success(Usage.of(5, 5)); // shared: 10 tokens
        Thread sleeper = fleet.redis().busyFor(1500);
        Lease l = pool.acquire("m1", 10); // admitted locally (estimate 10 tokens)
        assertThat(a.mode()).isEqualTo("degraded");
        sleeper.join();
        await().atMost(5, TimeUnit.SECONDS).until(() -> a.mode().equals("shared"));
        l.success(Usage.of(4000, 4990)); // the call used 8,990 tokens, settled after the resume
        SharedWindows w = a.windows();
        BucketRef b = w.bucket("p", keys.get(0).scope(), "m1", limits, TestPools.spec("p").dailyReset());
        await().atMost(5, TimeUnit.SECONDS).untilAsserted(() -> assertThat(w.peek(b, 0).used(Limits.Metric.TPM))
                .as("tokens Redis counts in the minute (10 + 8,990 used; it kept the estimate, 20, before)").isEqualTo(9000));
    }
}
