package io.keycycle.redis;

import io.keycycle.core.ApiKey;
import io.keycycle.core.EngineClock;
import io.keycycle.core.EngineTime;
import io.keycycle.core.Limits;
import io.keycycle.core.Usage;
import io.keycycle.core.pool.KeyPool;
import io.keycycle.core.pool.Lease;
import io.keycycle.core.pool.PoolStateStore;
import io.keycycle.core.testing.TestPools;
import io.keycycle.redis.testing.RedisFleet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A counted settlement waits for the next call of this process while another call is on the wire,
 * and travels with it in one batch. When that next call is the write of a learned limit (or a
 * model's state), the batch answers it with a bare integer: it is still a success, not Redis
 * trouble that degrades the instance.
 */
class StateWrittenWithADeferredSettlementTest {

    @RegisterExtension
    final RedisFleet fleet = new RedisFleet().withTimings(Duration.ofSeconds(10), Duration.ofSeconds(1), Duration.ofSeconds(30));
    final List<ApiKey> keys = TestPools.keys("p", 1);
    final Limits limits = new Limits(100, Limits.NONE, Limits.NONE, 10_000, Limits.NONE, Limits.NONE);

    @Test
    void aLearnedLimitSentWithADeferredSettlementIsNoRedisTrouble() throws Exception {
        RedisCluster a = fleet.join("a");
        KeyPool pool = RedisFleet.pool(a, keys, limits);
        Lease l = pool.acquire("m1", 10);
        SharedWindows w = a.windows();
        BucketRef ref = w.bucket("p", keys.get(0).scope(), "m1", limits, TestPools.spec("p").dailyReset());

        fleet.redis().pause(); // the calls below stay on the wire until it runs again
        long sent = a.link().callCounts()[0];
        CompletableFuture<SharedWindows.Peek> onTheWire = CompletableFuture.supplyAsync(() -> w.peek(ref, 0));
        await().atMost(5, TimeUnit.SECONDS).until(() -> a.link().callCounts()[0] > sent);
        l.success(Usage.of(5, 5)); // a counted settlement: waits for the next call
        PoolStateStore.Bucket b = a.stateStore().bucket(l.bucket(), limits, TestPools.spec("p").dailyReset(),
                EngineTime.of(EngineClock.system()), false);
        b.learn(new PoolStateStore.LearnedLimit(Limits.Metric.RPM, 50, "p", Instant.now())); // goes with it, in one batch
        fleet.redis().resume();

        onTheWire.get(10, TimeUnit.SECONDS);
        w.peek(ref, 0); // answered after the batch
        assertThat(a.trouble()).as("Redis trouble after the batch was answered").isNull();
        assertThat(a.mode()).isEqualTo("shared");
        assertThat(a.link().connection().sync().hget(w.stateHash("p"), "l:" + ref.key() + ":rpm")).as("the learned limit in Redis")
                .startsWith("rpm|50|");
    }
}
