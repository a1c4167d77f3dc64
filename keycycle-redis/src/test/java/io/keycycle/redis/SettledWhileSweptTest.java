package io.keycycle.redis;

import io.keycycle.core.ApiKey;
import io.keycycle.core.Limits;
import io.keycycle.core.Usage;
import io.keycycle.core.pool.KeyPool;
import io.keycycle.core.testing.TestPools;
import io.keycycle.redis.testing.RedisFleet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import io.keycycle.core.pool.Lease;

/**
 * A call admitted in shared mode settles while its instance is cut off from Redis (through a TCP
 * proxy) for longer than the instance TTL: the others sweep the instance as dead and expire its
 * reservation (the request stays counted, the estimate's tokens come back). When the instance is
 * back, the tokens its call really used still reach Redis, and so do those of a call that settles
 * after it is back.
 */
class SettledWhileSweptTest {

    @RegisterExtension
    final RedisFleet fleet = new RedisFleet().withProxy()
            .withTimings(Duration.ofMillis(300), Duration.ofMillis(200), Duration.ofSeconds(2));
    final List<ApiKey> keys = TestPools.keys("p", 1);
    final Limits limits = new Limits(100, Limits.NONE, Limits.NONE, 100_000, Limits.NONE, Limits.NONE);

    RedisCluster join(String url, String id) {
        return fleet.join(fleet.settings(url, id).withBlocks(1, Duration.ofMillis(100)));
    }

    @Test
    void theTokensOfACallSettledWhileItsInstanceWasSweptReachRedisWhenItIsBack() throws Exception {
        RedisCluster a = join(fleet.proxyUrl(), "a");
        RedisCluster b = join(fleet.url(), "b");
        KeyPool poolA = RedisFleet.pool(a, keys, limits);
        Lease l = poolA.acquire("m1", 100); // shared: 100 tokens reserved in Redis
        Lease longer = poolA.acquire("m1", 100); // a longer call (a stream): it settles once a is back

        fleet.proxy().stop(); // a loses Redis; b does not
        await().atMost(5, TimeUnit.SECONDS).until(() -> a.mode().equals("degraded"));
        l.success(Usage.of(3_000, 5_000)); // the call used 8,000 tokens: kept for the resume
        var sync = b.link().connection().sync();
        String prefix = b.windows().prefix();
        // b sweeps a as dead (silent for longer than the 2-s TTL): the reservation expires
        await().atMost(10, TimeUnit.SECONDS).until(() -> sync.zscore(prefix + ":inst", "a") == null);
        SharedWindows w = b.windows();
        BucketRef ref = w.bucket("p", keys.get(0).scope(), "m1", limits, TestPools.spec("p").dailyReset());
        assertThat(w.peek(ref, 0).used(Limits.Metric.TPM)).as("tokens after the sweep").isZero();

        fleet.proxy().start();
        await().atMost(10, TimeUnit.SECONDS).until(() -> a.mode().equals("shared"));
        await().atMost(5, TimeUnit.SECONDS).untilAsserted(() -> assertThat(w.peek(ref, 0).used(Limits.Metric.TPM))
                .as("the 8,000 tokens the call used, in Redis once a is back").isEqualTo(8_000));
        longer.success(Usage.of(1_000, 1_000));
        await().atMost(5, TimeUnit.SECONDS).untilAsserted(() -> assertThat(w.peek(ref, 0).used(Limits.Metric.TPM))
                .as("and the 2,000 of the call that settled after").isEqualTo(10_000));
        assertThat(w.peek(ref, 0).used(Limits.Metric.RPM)).as("their requests, counted once").isEqualTo(2);
    }
}
