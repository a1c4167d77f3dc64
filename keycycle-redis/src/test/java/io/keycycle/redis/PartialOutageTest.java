package io.keycycle.redis;

import io.keycycle.core.ApiKey;
import io.keycycle.core.EngineClock;
import io.keycycle.core.Limits;
import io.keycycle.core.NoAvailableKeyException;
import io.keycycle.core.Usage;
import io.keycycle.core.pool.KeyPool;
import io.keycycle.core.testing.TcpProxy;
import io.keycycle.core.testing.TestPools;
import io.keycycle.redis.testing.RedisTestSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Redis unreachable for one instance only (a network cut between it and Redis, through a TCP
 * proxy) while the two others still reach it: the cut-off instance admits locally against its
 * share only after the others have set that share aside, so the fleet stays within the limit.
 */
class PartialOutageTest {

    static final int DB = 4;
    /** One key, 30 requests per minute; three instances: a share is 10. */
    static final Limits RPM_30 = new Limits(30, Limits.NONE, Limits.NONE, Limits.NONE, Limits.NONE, Limits.NONE);

    final List<RedisCluster> clusters = new ArrayList<>();
    final List<ApiKey> keys = TestPools.keys("p", 1);
    TcpProxy proxy;

    @AfterEach
    void tearDown() {
        if (!clusters.isEmpty()) RedisTestSupport.clean(clusters.get(clusters.size() - 1).link());
        for (RedisCluster c : clusters) c.close();
        if (proxy != null) proxy.close();
    }

    RedisCluster join(String url, String prefix, String id) {
        RedisCluster c = RedisCluster.join(RedisSettings.of(url).withKeyPrefix(prefix).withInstanceId(id)
                // heartbeat every 200 ms; an instance silent for 10 s is dead (longer than this test's cut)
                .withTimings(Duration.ofMillis(200), Duration.ofMillis(200), Duration.ofSeconds(10)), EngineClock.system());
        clusters.add(c);
        return c;
    }

    KeyPool pool(RedisCluster c) {
        return KeyPool.builder(TestPools.spec("p")).keys(keys).limits(RPM_30).profile(TestPools.statusProfile("p"))
                .clock(EngineClock.system()).stateStore(c.stateStore()).build();
    }

    static int drain(KeyPool pool) { return RedisTestSupport.drain(pool, "m1"); }

    @Test
    void anInstanceCutOffFromRedisAdmitsItsShareOnlyOnceTheOthersHaveSetItAside() throws Exception {
        assumeTrue(RedisTestSupport.available(), "Redis does not answer at 127.0.0.1:6379");
        proxy = new TcpProxy(RedisTestSupport.HOST, RedisTestSupport.PORT).start();
        String prefix = RedisTestSupport.randomPrefix();
        RedisCluster a = join("redis://127.0.0.1:" + proxy.port() + "/" + DB, prefix, "a");
        RedisCluster b = join(RedisTestSupport.url(DB), prefix, "b");
        RedisCluster c = join(RedisTestSupport.url(DB), prefix, "c");
        KeyPool poolA = pool(a), poolB = pool(b), poolC = pool(c);
        await().atMost(5, TimeUnit.SECONDS).until(() -> {
            for (RedisCluster x : clusters) x.fleet().beat();
            return clusters.stream().allMatch(x -> x.fleet().liveInstances() == 3);
        });
        for (int i = 0; i < 3; i++) poolA.acquire("m1", 1).success(Usage.of(1, 0));
        poolB.acquire("m1", 1).success(Usage.of(1, 0));
        // calls in quick succession admit from blocks; once a block's time is over, its unused part
        // goes back (an instance cut off before that keeps it reserved until it reaches Redis again)
        Thread.sleep(3 * a.fleet().settings().blockTime().toMillis());

        proxy.stop(); // a loses Redis; b and c do not
        long cut = System.currentTimeMillis();
        assertThatThrownBy(() -> poolA.acquire("m1", 1)).as("a degrades, and waits before admitting locally")
                .isInstanceOf(NoAvailableKeyException.class);
        assertThat(a.mode()).isEqualTo("degraded");
        long from = a.fleet().localAdmissionFrom(3);
        assertThat(from).as("a's local admission starts after the others must have noticed it").isGreaterThan(System.currentTimeMillis());

        // b and c notice that a is silent and set its share aside: together they admit up to 20 of the 30
        await().atMost(5, TimeUnit.SECONDS).until(() -> b.fleet().missingInstances() == 1 && c.fleet().missingInstances() == 1);
        long noticed = System.currentTimeMillis();
        assertThat(b.silentInstances()).as("what /readyz and /metrics report").isEqualTo(1);
        int shared = drain(poolB) + drain(poolC);

        // once its wait is over, a admits its share (10) less its share of what it last saw used (3 or 4: 1 or 2);
        // 'from' is on the wall clock and the pool admits by engine time (the wall clock as of the
        // pool's start plus the monotonic clock since), which may lag it by some milliseconds: a margin
        await().atMost(10, TimeUnit.SECONDS).pollInterval(Duration.ofMillis(50)).until(() -> System.currentTimeMillis() >= from + 250);
        int local = drain(poolA);

        int total = 3 + 1 + shared + local;
        System.out.println("partial outage: a waits " + (from - cut) + " ms after the cut, the others noticed after " + (noticed - cut)
                + " ms; shared admitted " + shared
                + ", a locally " + local + ", total " + total + " of 30");
        assertThat(shared).as("b and c admit against two shares (20) with 4 used").isEqualTo(16);
        assertThat(local).as("a admits its share less what it knew was used").isBetween(8, 9);
        assertThat(total).as("the fleet stays within the limit of 30 per minute").isLessThanOrEqualTo(30);

        // a reaches Redis again: its local admissions are replayed, everyone is back to the whole limit
        proxy.start();
        await().atMost(10, TimeUnit.SECONDS).until(() -> a.mode().equals("shared")
                && b.fleet().missingInstances() == 0 && c.fleet().missingInstances() == 0);
        assertThat(drain(poolB) + drain(poolA) + drain(poolC)).as("the minute's rest").isEqualTo(30 - total);
    }
}
