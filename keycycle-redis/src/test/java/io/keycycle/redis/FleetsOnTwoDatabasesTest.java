package io.keycycle.redis;

import io.keycycle.core.pool.PoolStateStore;
import io.keycycle.redis.testing.RedisFleet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two fleets on one Redis kept apart by their database numbers (production on /0, staging on /1,
 * the same default key prefix, the same free-tier keys): Redis's publish/subscribe ignores database
 * numbers, so the fleets' channel must not be the same. An operator disabling a key in staging does
 * not take it out of use in production.
 */
class FleetsOnTwoDatabasesTest {

    @RegisterExtension
    final RedisFleet fleet = new RedisFleet().withTimings(Duration.ofSeconds(2), Duration.ofMillis(200), Duration.ofSeconds(2));

    private RedisCluster join(int db, String id) {
        return fleet.join(fleet.settings(fleet.url() + "/" + db, id));
    }

    @Test
    void aKeyDisabledInOneDatabaseStaysInUseInTheOther() {
        RedisCluster prod = join(0, "prod-1");
        RedisCluster staging = join(1, "staging-1");
        PoolStateStore.KeyFlag inProd = prod.stateStore().key("groq", "fp-shared");
        PoolStateStore.KeyFlag other = prod.stateStore().key("groq", "fp-prod-only");
        PoolStateStore.KeyFlag inStaging = staging.stateStore().key("groq", "fp-shared");

        // staging's operator disables the key both fleets hold
        assertThat(inStaging.disable("disabled by an operator (staging)", System.currentTimeMillis())).isTrue();
        // then production's own news: once prod hears it, any message published before it has arrived too
        RedisCluster prod2 = join(0, "prod-2");
        PoolStateStore.KeyFlag otherElsewhere = prod2.stateStore().key("groq", "fp-prod-only");
        otherElsewhere.disable("disabled by an operator (production)", System.currentTimeMillis());
        await().atMost(5, TimeUnit.SECONDS).until(other::disabled);

        assertThat(inProd.disabled()).as("production's copy of the key staging disabled").isFalse();
    }
}
