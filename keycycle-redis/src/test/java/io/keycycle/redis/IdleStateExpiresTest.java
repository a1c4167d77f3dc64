package io.keycycle.redis;

import io.keycycle.core.ApiKey;
import io.keycycle.core.Limits;
import io.keycycle.core.Outcome;
import io.keycycle.core.OutcomeKind;
import io.keycycle.core.Usage;
import io.keycycle.core.pool.AcquireOptions;
import io.keycycle.core.pool.KeyPool;
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
 * A bucket's windows (and the reasons of its holds, and a scope's holds) are worth nothing once
 * every window is empty and every hold over: Redis drops them then instead of keeping them for
 * ever (a key taken out of the configuration, a model nobody asks for any more).
 */
class IdleStateExpiresTest {

    static final long HOUR = 3_600_000;

    @RegisterExtension
    final RedisFleet fleet = new RedisFleet().withTimings(Duration.ofMillis(500), Duration.ofMillis(200), Duration.ofSeconds(2));
    final List<ApiKey> keys = TestPools.keys("p", 2);
    final Limits limits = new Limits(10, Limits.NONE, 1_000, Limits.NONE, Limits.NONE, Limits.NONE);

    @Test
    void bucketsAndHoldsExpireOnceTheirWindowsAndHoldsAreOver() throws Exception {
        RedisCluster a = fleet.join("a");
        KeyPool pool = RedisFleet.pool(a, keys, limits);
        pool.acquire(AcquireOptions.of("m1", 1).pinned("1")).success(Usage.of(1, 0));
        // key 2 cools (for an hour at most: the policy's longest cooldown); its scope is parked for two days
        var cooled = pool.acquire(AcquireOptions.of("m1", 1).pinned("2"));
        cooled.report(Outcome.of(OutcomeKind.RATE_LIMITED, 429, "test").withRetryAfter(Duration.ofHours(48)));
        a.stateStore().scope("p", keys.get(1).scope()).park(System.currentTimeMillis() + 48 * HOUR, "test");

        var sync = a.link().connection().sync();
        String p = a.link().prefix();
        String used = p + ":w" + BucketRef.LAYOUT + ":p:" + keys.get(0).scope() + ":m1";
        String held = p + ":w" + BucketRef.LAYOUT + ":p:" + keys.get(1).scope() + ":m1";
        await().atMost(5, TimeUnit.SECONDS).until(() -> sync.exists(held + ":why") == 1);
        // the day window is 25 sub-buckets of an hour: usage leaves it 25 h after it was counted at most
        // (-1 before: no expiry at all)
        assertThat(sync.pttl(used)).as("ms the used bucket lives on without news").isBetween(25 * HOUR, 27 * HOUR);
        assertThat(sync.pttl(held)).as("ms the cooled bucket lives on (its cooldown ends within the hour)").isBetween(26 * HOUR, 28 * HOUR);
        assertThat(sync.pttl(held + ":why")).as("ms the reasons of its holds live on").isBetween(26 * HOUR, 28 * HOUR);
        assertThat(sync.pttl(p + ":sc:p:" + keys.get(1).scope())).as("ms the scope's holds live on (parked for 48 h)")
                .isBetween(48 * HOUR + 25 * HOUR, 48 * HOUR + 27 * HOUR);
    }
}
