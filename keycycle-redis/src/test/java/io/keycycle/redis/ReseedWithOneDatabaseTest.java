package io.keycycle.redis;

import io.keycycle.core.ApiKey;
import io.keycycle.core.Limits;
import io.keycycle.core.pool.KeyPool;
import io.keycycle.core.testing.TestPools;
import io.keycycle.redis.testing.RedisFleet;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two instances started on one database (both hydrate the same usage from it) and one Redis that
 * later loses its data: the usage from the database is put back once, by the instance that starts
 * the new dataset, as at start-up, not once per instance.
 */
class ReseedWithOneDatabaseTest {

    // a long heartbeat: the test beats by hand
    @RegisterExtension
    final RedisFleet fleet = new RedisFleet().withTimings(Duration.ofSeconds(1), Duration.ofSeconds(30), Duration.ofSeconds(90));
    final List<ApiKey> keys = TestPools.keys("p", 1);
    final Limits limits = new Limits(Limits.NONE, Limits.NONE, 1_000, Limits.NONE, Limits.NONE, Limits.NONE);

    KeyPool pool(RedisCluster c) { return RedisFleet.pool(c, keys, limits); }

    long requestsToday(RedisCluster c) {
        SharedWindows w = c.windows();
        return w.peek(w.bucket("p", keys.get(0).scope(), "m1", limits, TestPools.spec("p").dailyReset()), 0).used(Limits.Metric.RPD);
    }

    @Test
    void usageHydratedFromOneDatabaseIsReseededOnceNotOncePerInstance() throws Exception {
        RedisCluster a = fleet.join("a");
        RedisCluster b = fleet.join("b");
        KeyPool poolA = pool(a), poolB = pool(b);
        // what the store's hydration does at start: the fleet's 600 requests of the last hours, on both instances
        Instant twoHoursAgo = Instant.now().minus(Duration.ofHours(2));
        poolA.restoreUsage("p", keys.get(0).fingerprint(), "m1", twoHoursAgo, 600, 0);
        poolB.restoreUsage("p", keys.get(0).fingerprint(), "m1", twoHoursAgo, 600, 0);
        assertThat(requestsToday(a)).as("put into Redis by the instance that started the dataset only").isEqualTo(600);

        RedisClient admin = RedisClient.create(RedisURI.create(fleet.url()));
        try (var c = admin.connect()) {
            c.sync().flushall(); // Redis loses its data
        } finally {
            admin.shutdown(Duration.ZERO, Duration.ofSeconds(1));
        }
        a.fleet().beat(); // each notices and re-seeds
        b.fleet().beat();
        assertThat(requestsToday(a)).as("requests of the day after the re-seed (600 made)").isEqualTo(600);
    }
}
