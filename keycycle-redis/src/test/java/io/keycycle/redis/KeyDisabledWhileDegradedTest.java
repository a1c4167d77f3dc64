package io.keycycle.redis;

import io.keycycle.core.ApiKey;
import io.keycycle.core.KeyState;
import io.keycycle.core.Limits;
import io.keycycle.core.Usage;
import io.keycycle.core.pool.KeyPool;
import io.keycycle.core.pool.PoolSnapshot;
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
 * A key disabled on instance A while A is cut off from Redis (through a TCP proxy; B still reaches
 * it) is out of use on B too once A reaches Redis again.
 */
class KeyDisabledWhileDegradedTest {

    @RegisterExtension
    final RedisFleet fleet = new RedisFleet().withProxy()
            .withTimings(Duration.ofMillis(300), Duration.ofMillis(200), Duration.ofSeconds(10));
    final List<ApiKey> keys = TestPools.keys("p", 2);
    final Limits limits = new Limits(100, Limits.NONE, Limits.NONE, Limits.NONE, Limits.NONE, Limits.NONE);

    KeyPool pool(RedisCluster c) { return RedisFleet.pool(c, keys, limits); }

    @Test
    void aKeyDisabledWhileCutOffFromRedisIsOutOfUseEverywhereOnceItIsBack() throws Exception {
        RedisCluster a = fleet.joinThroughProxy("a");
        RedisCluster b = fleet.join("b");
        KeyPool poolA = pool(a), poolB = pool(b);
        poolA.acquire("m1", 1).success(Usage.of(1, 0));
        poolB.acquire("m1", 1).success(Usage.of(1, 0));

        fleet.proxy().stop(); // a loses Redis; b does not
        await().atMost(5, TimeUnit.SECONDS).until(() -> a.mode().equals("degraded"));
        poolA.disable("1", "leaked"); // an operator takes key 1 out of use, on instance a
        fleet.proxy().start();
        await().atMost(10, TimeUnit.SECONDS).until(() -> a.mode().equals("shared"));

        await().atMost(5, TimeUnit.SECONDS).untilAsserted(() -> {
            PoolSnapshot s = poolB.snapshot();
            assertThat(s.status(s.keys().get(0), "m1").state()).as("key 1 as instance b sees it").isEqualTo(KeyState.DISABLED);
        });
        for (int i = 0; i < 4; i++) {
            var l = poolB.acquire("m1", 1);
            assertThat(l.key().index()).as("b sends with the other key").isEqualTo(2);
            l.success(Usage.of(1, 0));
        }
        fleet.leave(b); // a newcomer reads it from Redis too
        PoolSnapshot s = pool(fleet.join("c")).snapshot();
        assertThat(s.status(s.keys().get(0), "m1").state()).as("key 1 as a new instance sees it").isEqualTo(KeyState.DISABLED);
    }
}
