package io.keycycle.redis;

import io.keycycle.core.pool.PoolStateStore;
import io.keycycle.core.pool.PoolStateStoreProperties;
import io.keycycle.core.testing.ManualClock;
import io.keycycle.redis.testing.RedisTestSupport;
import net.jqwik.api.lifecycle.AfterTry;
import net.jqwik.api.lifecycle.BeforeTry;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The core's window-oracle properties, unchanged, against the Redis store: pools admit, settle,
 * release, abandon and get rate-limited over days of fake-clock time, and in the concurrent
 * property three pools — three clients with their own connection and instance id, as three
 * processes would be — share one set of windows while a fourth thread drives the clock. The
 * pools' instants are sent to the script (the engine clock is a test clock), so the clock driver
 * moves Redis's windows too. No window is exceeded, nothing is refused while the exact oracle has
 * room, no reservation leaks or is freed twice.
 */
class RedisStateStorePropertiesTest extends PoolStateStoreProperties {

    static final int DB = 1;
    private final List<RedisCluster> open = new ArrayList<>();
    private final Map<PoolStateStore, RedisCluster> clusters = new IdentityHashMap<>();

    @BeforeTry
    void redisAnswers() {
        assumeTrue(RedisTestSupport.available(), "Redis does not answer at 127.0.0.1:6379");
    }

    @Override
    protected PoolStateStore newStore() { return join(RedisTestSupport.randomPrefix(), "client-0"); }

    @Override
    protected PoolStateStore peer(PoolStateStore first) {
        RedisCluster c = clusters.get(first);
        return join(c.link().settings().keyPrefix(), "client-" + open.size());
    }

    private synchronized PoolStateStore join(String prefix, String instance) {
        // a test clock: the script takes the pools' instants instead of Redis TIME
        RedisCluster c = RedisCluster.join(RedisTestSupport.settings(DB, prefix, instance), new ManualClock(java.time.Instant.parse("2026-11-28T22:30:00Z")));
        open.add(c);
        PoolStateStore s = c.stateStore();
        clusters.put(s, c);
        return s;
    }

    @AfterTry
    void leave() {
        if (!open.isEmpty()) RedisTestSupport.clean(open.get(0).link());
        for (RedisCluster c : open) c.close();
        open.clear();
        clusters.clear();
    }
}
