package io.keycycle.redis;

import io.keycycle.core.ApiKey;
import io.keycycle.core.Limits;
import io.keycycle.core.Usage;
import io.keycycle.core.pool.KeyPool;
import io.keycycle.core.pool.Lease;
import io.keycycle.core.testing.TestPools;
import io.keycycle.redis.testing.RedisFleet;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Redis lost its data (flushed, or restarted faster than a heartbeat) while the instance stayed
 * shared: a reservation made in the new, empty dataset before the heartbeat noticed and re-seeded
 * it is still in Redis. Its call is re-seeded as usage like every call in flight, so its record
 * must not stay in flight for ever once the call settles.
 */
class ReservationMadeBeforeTheReseedTest {

    // a long heartbeat: the test beats by hand, so the flush is noticed exactly when it says
    @RegisterExtension
    final RedisFleet fleet = new RedisFleet().withTimings(Duration.ofSeconds(1), Duration.ofSeconds(30), Duration.ofSeconds(90));
    final List<ApiKey> keys = TestPools.keys("p", 1);
    final Limits threePerMinute = new Limits(3, Limits.NONE, Limits.NONE, Limits.NONE, Limits.NONE, Limits.NONE);

    @Test
    void aCallReservedInTheEmptiedDatasetBeforeTheReseedLeavesNothingInFlight() throws Exception {
        RedisCluster a = fleet.join("a");
        KeyPool pool = RedisFleet.pool(a, keys, threePerMinute);
        pool.acquire("m1", 1).success(Usage.of(1, 0));

        RedisClient admin = RedisClient.create(RedisURI.create(fleet.url()));
        try (var c = admin.connect()) {
            c.sync().flushall(); // the dataset is gone; the instance does not know yet
        } finally {
            admin.shutdown(Duration.ZERO, Duration.ofSeconds(1));
        }
        Lease l = pool.acquire("m1", 1); // reserved in the new dataset
        a.fleet().beat(); // notices the new dataset: re-seeds it with this instance's usage (l in flight included)
        assertThat(a.mode()).isEqualTo("shared");
        l.success(Usage.of(1, 0));

        SharedWindows w = a.windows();
        BucketRef b = w.bucket("p", keys.get(0).scope(), "m1", threePerMinute, TestPools.spec("p").dailyReset());
        var sync = a.link().connection().sync();
        await().atMost(5, TimeUnit.SECONDS).untilAsserted(() -> {
            assertThat(sync.hlen(a.link().prefix() + ":ri:a")).as("reservations still open in Redis, every call settled").isZero();
            assertThat(w.peek(b, 0).used(Limits.Metric.RPM)).as("requests Redis counts in the minute (2 made)").isEqualTo(2);
        });
        pool.acquire("m1", 1).success(Usage.of(1, 0)); // the third of three
    }
}
