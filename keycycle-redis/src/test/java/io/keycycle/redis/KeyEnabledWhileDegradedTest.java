package io.keycycle.redis;

import io.keycycle.core.ApiKey;
import io.keycycle.core.EngineClock;
import io.keycycle.core.KeyState;
import io.keycycle.core.Limits;
import io.keycycle.core.Usage;
import io.keycycle.core.pool.KeyPool;
import io.keycycle.core.pool.PoolSnapshot;
import io.keycycle.core.testing.TcpProxy;
import io.keycycle.core.testing.TestPools;
import io.keycycle.redis.testing.PrivateRedis;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * An operator enables a key on instance A while A is cut off from Redis (through a TCP proxy; B
 * still reaches it), after the key had been disabled fleet-wide: once A reaches Redis again the key
 * is back in use everywhere, unless it was disabled again after the enable.
 */
class KeyEnabledWhileDegradedTest {

    PrivateRedis redis;
    TcpProxy proxy;
    RedisCluster a, b, c;
    final List<ApiKey> keys = TestPools.keys("p", 2);
    final Limits limits = new Limits(100, Limits.NONE, Limits.NONE, Limits.NONE, Limits.NONE, Limits.NONE);

    @BeforeEach
    void start() throws Exception {
        assumeTrue(PrivateRedis.installed(), "redis-server is not installed");
        redis = PrivateRedis.start(null);
        proxy = new TcpProxy("127.0.0.1", redis.port()).start();
    }

    @AfterEach
    void stop() throws Exception {
        for (RedisCluster x : new RedisCluster[]{c, b, a}) if (x != null) x.close();
        if (proxy != null) proxy.close();
        if (redis != null) redis.close();
    }

    RedisCluster join(String url, String id) {
        return RedisCluster.join(RedisSettings.of(url).withInstanceId(id)
                .withTimings(Duration.ofMillis(300), Duration.ofMillis(200), Duration.ofSeconds(10)), EngineClock.system());
    }

    KeyPool pool(RedisCluster x) {
        return KeyPool.builder(TestPools.spec("p")).keys(keys).limits(limits).profile(TestPools.statusProfile("p"))
                .clock(EngineClock.system()).stateStore(x.stateStore()).build();
    }

    static KeyState state(KeyPool p) {
        PoolSnapshot s = p.snapshot();
        return s.status(s.keys().get(0), "m1").state();
    }

    @Test
    void aKeyEnabledWhileCutOffFromRedisIsBackInUseEverywhereOnceItIsBack() throws Exception {
        a = join("redis://127.0.0.1:" + proxy.port(), "a");
        b = join(redis.url(), "b");
        KeyPool poolA = pool(a), poolB = pool(b);
        poolA.disable("1", "suspected leak"); // out of use on every instance
        await().atMost(5, TimeUnit.SECONDS).until(() -> state(poolB) == KeyState.DISABLED);

        proxy.stop(); // a loses Redis; b does not
        await().atMost(5, TimeUnit.SECONDS).until(() -> a.mode().equals("degraded"));
        poolA.enable("1"); // the operator finds the key fine and enables it, on instance a
        assertThat(state(poolA)).isEqualTo(KeyState.READY);
        proxy.start();
        await().atMost(10, TimeUnit.SECONDS).until(() -> a.mode().equals("shared"));

        await().atMost(5, TimeUnit.SECONDS).untilAsserted(() -> assertThat(state(poolB)).as("key 1 as instance b sees it")
                .isEqualTo(KeyState.READY));
        c = join(redis.url(), "c");
        assertThat(state(pool(c))).as("key 1 as a new instance sees it").isEqualTo(KeyState.READY);
        assertThat(state(poolA)).as("key 1 as instance a sees it, after reading the shared states back").isEqualTo(KeyState.READY);
    }
}
