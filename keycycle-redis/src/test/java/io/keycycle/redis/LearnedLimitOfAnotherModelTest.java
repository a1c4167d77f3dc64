package io.keycycle.redis;

import io.keycycle.core.DailyReset;
import io.keycycle.core.EngineClock;
import io.keycycle.core.EngineTime;
import io.keycycle.core.Limits;
import io.keycycle.core.pool.PoolStateStore;
import io.keycycle.redis.testing.RedisFleet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Model names with a tag (Ollama-style {@code llama3} and {@code llama3:70b}, OpenRouter's
 * {@code …:free}): a limit learned for one model is not read back for another whose bucket name is
 * a prefix of it, by an instance that meets the model later.
 */
class LearnedLimitOfAnotherModelTest {

    @RegisterExtension
    final RedisFleet fleet = new RedisFleet().withTimings(Duration.ofSeconds(2), Duration.ofMillis(200), Duration.ofSeconds(2));
    final Limits limits = new Limits(100, Limits.NONE, Limits.NONE, Limits.NONE, Limits.NONE, Limits.NONE);

    @Test
    void aLimitLearnedForATaggedModelStaysWithIt() {
        RedisCluster a = fleet.join("a");
        EngineTime time = EngineTime.of(EngineClock.system());
        PoolStateStore.Bucket big = a.stateStore().bucket(new PoolStateStore.BucketId("p", "s", "llama3:70b"), limits,
                DailyReset.sliding(), time, false);
        big.learn(new PoolStateStore.LearnedLimit(Limits.Metric.RPM, 5, "p", Instant.now()));

        RedisCluster b = fleet.join("b");
        PoolStateStore.Bucket small = b.stateStore().bucket(new PoolStateStore.BucketId("p", "s", "llama3"), limits,
                DailyReset.sliding(), time, false);
        PoolStateStore.Bucket bigThere = b.stateStore().bucket(new PoolStateStore.BucketId("p", "s", "llama3:70b"), limits,
                DailyReset.sliding(), time, false);
        assertThat(bigThere.limits().rpm()).as("llama3:70b on b: learned from a").isEqualTo(5);
        assertThat(small.learned()).as("llama3 on b: nothing learned for it").isEmpty();
        assertThat(small.limits().rpm()).as("llama3 on b: its table's limit").isEqualTo(100);
    }
}
