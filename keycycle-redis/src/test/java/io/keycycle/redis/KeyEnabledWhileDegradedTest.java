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
 * An operator enables a key on instance A while A is cut off from Redis (through a TCP proxy; B
 * still reaches it), after the key had been disabled fleet-wide: once A reaches Redis again the key
 * is back in use everywhere, unless it was disabled again after the enable.
 */
class KeyEnabledWhileDegradedTest {

    @RegisterExtension
    final RedisFleet fleet = new RedisFleet().withProxy()
            .withTimings(Duration.ofMillis(300), Duration.ofMillis(200), Duration.ofSeconds(10));
    final List<ApiKey> keys = TestPools.keys("p", 2);
    final Limits limits = new Limits(100, Limits.NONE, Limits.NONE, Limits.NONE, Limits.NONE, Limits.NONE);

    KeyPool pool(RedisCluster x) { return RedisFleet.pool(x, keys, limits); }

    static KeyState state(KeyPool p) {
        PoolSnapshot s = p.snapshot();
        return s.status(s.keys().get(0), "m1").state();
    }

    @Test
    void aKeyEnabledWhileCutOffFromRedisIsBackInUseEverywhereOnceItIsBack() throws Exception {
        RedisCluster a = fleet.joinThroughProxy("a");
        RedisCluster b = fleet.join("b");
        KeyPool poolA = pool(a), poolB = pool(b);
        poolA.disable("1", "suspected leak"); // out of use on every instance
        await().atMost(5, TimeUnit.SECONDS).until(() -> state(poolB) == KeyState.DISABLED);

        fleet.proxy().stop(); // a loses Redis; b does not
        await().atMost(5, TimeUnit.SECONDS).until(() -> a.mode().equals("degraded"));
        poolA.enable("1"); // the operator finds the key fine and enables it, on instance a
        assertThat(state(poolA)).isEqualTo(KeyState.READY);
        fleet.proxy().start();
        await().atMost(10, TimeUnit.SECONDS).until(() -> a.mode().equals("shared"));

        await().atMost(5, TimeUnit.SECONDS).untilAsserted(() -> assertThat(state(poolB)).as("key 1 as instance b sees it")
                .isEqualTo(KeyState.READY));
        RedisCluster c = fleet.join("c");
        assertThat(state(pool(c))).as("key 1 as a new instance sees it").isEqualTo(KeyState.READY);
        assertThat(state(poolA)).as("key 1 as instance a sees it, after reading the shared states back").isEqualTo(KeyState.READY);
    }
}
