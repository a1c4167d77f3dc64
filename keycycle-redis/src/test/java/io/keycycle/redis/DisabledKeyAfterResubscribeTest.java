package io.keycycle.redis;

import io.keycycle.core.ApiKey;
import io.keycycle.core.KeyState;
import io.keycycle.core.Limits;
import io.keycycle.core.Usage;
import io.keycycle.core.pool.AcquireOptions;
import io.keycycle.core.pool.KeyPool;
import io.keycycle.core.pool.PoolSnapshot;
import io.keycycle.core.testing.TestPools;
import io.keycycle.redis.testing.RedisFleet;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A key disabled by instance A while B's subscription to the fleet's channel is down (a link blip:
 * the message is lost) reaches B all the same: B reads the shared states back when it re-subscribes.
 * Before, B kept sending with the disabled key until a restart.
 */
class DisabledKeyAfterResubscribeTest {

    @RegisterExtension
    final RedisFleet fleet = new RedisFleet().withTimings(Duration.ofMillis(500), Duration.ofMillis(200), Duration.ofSeconds(2));
    final List<ApiKey> keys = TestPools.keys("p", 2);
    final Limits limits = new Limits(100, Limits.NONE, Limits.NONE, Limits.NONE, Limits.NONE, Limits.NONE);

    @Test
    void aKeyDisabledWhileTheSubscriptionReconnectsIsSeenByTheOtherInstance() throws Exception {
        RedisCluster a = fleet.join("a");
        RedisCluster b = fleet.join("b");
        KeyPool poolA = RedisFleet.pool(a, keys, limits), poolB = RedisFleet.pool(b, keys, limits);
        poolA.acquire("m1", 1).success(Usage.of(1, 0));
        poolB.acquire("m1", 1).success(Usage.of(1, 0));
        RedisClient admin = RedisClient.create(RedisURI.create(fleet.url()));
        try (var conn = admin.connect()) {
            // the link between B and Redis blips: B's subscription connection drops (Lettuce reconnects and re-subscribes)
            conn.sync().clientKill(io.lettuce.core.KillArgs.Builder.typePubsub());
        } finally {
            admin.shutdown(Duration.ZERO, Duration.ofSeconds(1));
        }
        poolA.disable("1", "billing"); // published while nobody is subscribed
        // B reconnects and re-subscribes within about a second; before the fix it never learned of the key
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            PoolSnapshot s = poolB.snapshot();
            assertThat(s.status(s.keys().get(0), "m1").state()).as("key 1 as instance B sees it").isEqualTo(KeyState.DISABLED);
        });
        assertThat(a.mode()).isEqualTo("shared");
        assertThat(b.mode()).isEqualTo("shared");
        assertThat(poolB.acquire("m1", 1).key().index()).as("B sends with the other key").isEqualTo(2);
    }
}
