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
 * A key disabled on instance A while A is cut off from Redis (through a TCP proxy; B still reaches
 * it) is out of use on B too once A reaches Redis again.
 */
class KeyDisabledWhileDegradedTest {

    PrivateRedis redis;
    TcpProxy proxy;
    RedisCluster a, b;
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
        if (a != null) a.close();
        if (b != null) b.close();
        if (proxy != null) proxy.close();
        if (redis != null) redis.close();
    }

    RedisCluster join(String url, String id) {
        return RedisCluster.join(RedisSettings.of(url).withInstanceId(id)
                .withTimings(Duration.ofMillis(300), Duration.ofMillis(200), Duration.ofSeconds(10)), EngineClock.system());
    }

    KeyPool pool(RedisCluster c) {
        return KeyPool.builder(TestPools.spec("p")).keys(keys).limits(limits).profile(TestPools.statusProfile("p"))
                .clock(EngineClock.system()).stateStore(c.stateStore()).build();
    }

    @Test
    void aKeyDisabledWhileCutOffFromRedisIsOutOfUseEverywhereOnceItIsBack() throws Exception {
        a = join("redis://127.0.0.1:" + proxy.port(), "a");
        b = join(redis.url(), "b");
        KeyPool poolA = pool(a), poolB = pool(b);
        poolA.acquire("m1", 1).success(Usage.of(1, 0));
        poolB.acquire("m1", 1).success(Usage.of(1, 0));

        proxy.stop(); // a loses Redis; b does not
        await().atMost(5, TimeUnit.SECONDS).until(() -> a.mode().equals("degraded"));
        poolA.disable("1", "leaked"); // an operator takes key 1 out of use, on instance a
        proxy.start();
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
        b.close(); // a newcomer reads it from Redis too
        b = join(redis.url(), "c");
        PoolSnapshot s = pool(b).snapshot();
        assertThat(s.status(s.keys().get(0), "m1").state()).as("key 1 as a new instance sees it").isEqualTo(KeyState.DISABLED);
    }
}
