package io.keycycle.redis;

import io.keycycle.core.ApiKey;
import io.keycycle.core.Limits;
import io.keycycle.core.Usage;
import io.keycycle.core.pool.KeyPool;
import io.keycycle.core.pool.Lease;
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
 * One process, two providers (a facade with Groq and Gemini keys): their pools share the process's
 * Redis store, and each numbers its leases from 1. Open calls of both providers at once must not
 * share a reservation record in Redis.
 */
class TwoProvidersOneStoreTest {

    @RegisterExtension
    final RedisFleet fleet = new RedisFleet().withTimings(Duration.ofSeconds(2), Duration.ofMillis(200), Duration.ofSeconds(2));
    final List<ApiKey> pKeys = TestPools.keys("p", 1);
    final List<ApiKey> qKeys = TestPools.keys("q", 1);
    final Limits limits = new Limits(100, Limits.NONE, Limits.NONE, 10_000, Limits.NONE, Limits.NONE);

    @Test
    void callsOfTwoProvidersOpenAtOnceKeepTheirOwnReservations() {
        RedisCluster a = fleet.join("a");
        KeyPool p = RedisFleet.pool(a, pKeys, limits);
        KeyPool q = RedisFleet.pool(a, qKeys, limits);
        Lease lp = p.acquire("m1", 100); // lease 1 of pool p
        Lease lq = q.acquire("m1", 100); // lease 1 of pool q, open at the same time
        lp.success(Usage.of(3, 2));
        lq.success(Usage.of(4, 3));

        SharedWindows w = a.windows();
        BucketRef bp = w.bucket("p", pKeys.get(0).scope(), "m1", limits, TestPools.spec("p").dailyReset());
        BucketRef bq = w.bucket("q", qKeys.get(0).scope(), "m1", limits, TestPools.spec("q").dailyReset());
        await().atMost(5, TimeUnit.SECONDS).untilAsserted(() -> {
            assertThat(w.peek(bp, 0).used(Limits.Metric.TPM)).as("p's tokens: 5 used").isEqualTo(5);
            assertThat(w.peek(bq, 0).used(Limits.Metric.TPM)).as("q's tokens: 7 used (not its 100 reserved, left in flight)").isEqualTo(7);
        });
        assertThat(a.link().connection().sync().hlen(w.prefix() + ":ri:a")).as("open reservations left in Redis").isZero();
    }
}
