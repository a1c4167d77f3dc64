package io.keycycle.redis;

import io.keycycle.core.ApiKey;
import io.keycycle.core.DailyReset;
import io.keycycle.core.EngineClock;
import io.keycycle.core.Limits;
import io.keycycle.core.classify.ProviderProfiles;
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
 * Cerebras keeps what it reserves when a call arrives (prompt + the completion ceiling), whatever the
 * call then uses. An instance that dies holding such a reservation leaves it to the fleet's sweep,
 * which gave its tokens back until 2026-12-05: for the rest of the window the fleet saw room that
 * Cerebras had taken and could meet its 429. A reservation of such a provider is marked, and the
 * sweep keeps its tokens counted; other providers' reservations still give theirs back.
 */
class KeptReservationSweptTest {

    @RegisterExtension
    final RedisFleet fleet = new RedisFleet().withTimings(Duration.ofMillis(500), Duration.ofMillis(200), Duration.ofSeconds(2));
    final Limits tpm = new Limits(Limits.NONE, Limits.NONE, Limits.NONE, 100_000, Limits.NONE, Limits.NONE);

    @Test
    void aCerebrasLeaseOfAKilledInstanceStaysChargedWithItsReservationAfterTheSweep() {
        RedisCluster dying = fleet.join("gw-dying");
        List<ApiKey> keys = TestPools.keys("cerebras", 1);
        KeyPool pool = KeyPool.builder(TestPools.spec("cerebras")).keys(keys).limits(tpm)
                .profile(ProviderProfiles.forProvider("cerebras")).clock(EngineClock.system()).stateStore(dying.stateStore()).build();
        Lease held = pool.acquire("m1", 20_000);
        assertThat(held).isNotNull();
        BucketRef ref = dying.windows().bucket("cerebras", keys.get(0).scope(), "m1", tpm, DailyReset.sliding());
        assertThat(dying.windows().peek(ref, 0).used(Limits.Metric.TPM)).as("in flight").isEqualTo(20_000);

        dying.link().close(); // killed: no more heartbeats, nothing settled, the fleet not left

        RedisCluster alive = fleet.join("gw-alive");
        await().atMost(10, TimeUnit.SECONDS).untilAsserted(() -> {
            alive.fleet().beat(); // a heartbeat and a sweep, past the dead instance's TTL at last
            assertThat(openReservations(alive, "gw-dying")).as("swept").isZero();
        });
        SharedWindows.Peek p = alive.windows().peek(ref, 0);
        assertThat(p.used(Limits.Metric.RPM)).as("the request stays counted").isEqualTo(1);
        assertThat(p.used(Limits.Metric.TPM)).as("and so does what Cerebras reserved for it").isEqualTo(20_000);
    }

    @Test
    void aKeptBlockSettledInPartsKeepsItsMarkAndAnUnmarkedReservationStillGivesItsTokensBack() {
        RedisCluster a = fleet.join("gw-a");
        SharedWindows w = a.windows();
        RedisLink dyingLink = RedisLink.open(fleet.settings("gw-b"));
        try {
            SharedWindows d = new SharedWindows(dyingLink, EngineClock.system(), true);
            new Fleet(d, () -> 1).beat();
            BucketRef kept = d.bucket("cerebras", "org", "m", tpm, DailyReset.sliding()).withKeptReservations(true);
            BucketRef plain = d.bucket("groq", "org", "m", tpm, DailyReset.sliding());
            long now = System.currentTimeMillis();
            // a block of 4 requests of 1,000 tokens; two settle (300 tokens), one stays in flight under the
            // same id, the unused fourth goes back
            SharedWindows.Reservation blk = d.reserveBlock(now, d.blockId(), kept, null, 1_000, null, 4, 1);
            assertThat(blk.granted()).isEqualTo(4);
            d.settleBlock(now, kept, blk.id(), 2, 300, 1, 1_000, now, true).join();
            SharedWindows.Reservation other = d.reserveBlock(now, d.blockId(), plain, null, 1_000, null, 4, 1);
            assertThat(other.granted()).isEqualTo(4);
            dyingLink.close();

            await().atMost(10, TimeUnit.SECONDS).untilAsserted(() -> {
                a.fleet().beat();
                assertThat(openReservations(a, "gw-b")).as("swept").isZero();
            });
            assertThat(w.peek(plain, 0).used(Limits.Metric.RPM)).as("the unmarked block's requests stay counted").isEqualTo(4);
            assertThat(w.peek(plain, 0).used(Limits.Metric.TPM)).as("its tokens given back").isZero();
            SharedWindows.Peek k = w.peek(kept, 0);
            assertThat(k.used(Limits.Metric.RPM)).as("two settled and the open one").isEqualTo(3);
            assertThat(k.used(Limits.Metric.TPM)).as("300 settled + the 1,000 still reserved for the open call").isEqualTo(1_300);
        } finally {
            dyingLink.close();
        }
    }

    /**
     * The mark sits where every earlier version reads a number it never uses (the reservation's
     * instant): the record pattern of the version before the mark (2026-12-04) still takes a marked
     * record apart into the same bucket, tokens and count, so an older instance's sweep in a fleet
     * of both versions gives it back as it always did instead of failing.
     */
    @Test
    void aMarkedRecordStillReadsWithThePatternOfTheVersionBeforeTheMark() {
        RedisCluster a = fleet.join("gw-marks");
        BucketRef kept = a.windows().bucket("cerebras", "org", "m", tpm, DailyReset.sliding()).withKeptReservations(true);
        SharedWindows.Reservation r = a.windows().reserveBlock(System.currentTimeMillis(), a.windows().blockId(), kept, null, 1_000, null, 3, 1);
        var sync = a.link().connection().sync();
        String rec = sync.hget(a.link().prefix() + ":ri:gw-marks", r.id());
        assertThat(rec).startsWith(kept.key() + "|-").endsWith("|3000|-1|-1|-1|3");
        String earlier = "local b, at, tokens, p, s, n, count = string.match(ARGV[1], "
                + "'^(.*)|(%-?%d+)|(%-?%d+)|(%-?%d+)|(%-?%d+)|(%-?%d+)|(%d+)$') "
                + "if not b then return {} end return {b, tokens, count}";
        List<Object> parts = sync.eval(earlier, io.lettuce.core.ScriptOutputType.MULTI, new String[0], rec);
        assertThat(parts).containsExactly(kept.key(), "3000", "3");
    }

    private static long openReservations(RedisCluster c, String instance) {
        return c.link().connection().sync().hlen(c.link().prefix() + ":ri:" + instance);
    }
}
