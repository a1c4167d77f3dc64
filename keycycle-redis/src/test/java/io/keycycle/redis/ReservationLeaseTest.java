package io.keycycle.redis;

import io.keycycle.core.DailyReset;
import io.keycycle.core.Limits;
import io.keycycle.core.testing.ManualClock;
import io.keycycle.redis.testing.RedisTestSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Reservations carry their instance: a dead instance's capacity comes back, nothing is freed twice, nothing goes negative. */
class ReservationLeaseTest {

    static final int DB = 2;
    final ManualClock clock = ManualClock.at("2026-11-30T10:00:00Z");
    RedisLink alive, dying;
    SharedWindows a, d;
    List<SharedWindows.Candidate> one;
    BucketRef bucket;

    @BeforeEach
    void setUp() {
        assumeTrue(RedisTestSupport.available(), "Redis does not answer at 127.0.0.1:6379");
        String prefix = RedisTestSupport.randomPrefix();
        alive = RedisTestSupport.link(DB, prefix, "alive");
        dying = RedisTestSupport.link(DB, prefix, "dying");
        a = new SharedWindows(alive, clock, false);
        d = new SharedWindows(dying, clock, false);
        bucket = a.bucket("groq", "org-a", "m", new Limits(Limits.NONE, Limits.NONE, Limits.NONE, 1000, Limits.NONE, Limits.NONE), DailyReset.sliding());
        one = List.of(new SharedWindows.Candidate(bucket, "fp1"));
    }

    @AfterEach
    void tearDown() {
        if (alive != null) {
            RedisTestSupport.clean(alive);
            alive.close();
            dying.close();
        }
    }

    private void beat(SharedWindows w, RedisLink l) {
        l.call(new String[0], "heartbeat", l.prefix(), Long.toString(clock.millis()), l.settings().instanceId(), "10000", "3000");
    }

    @Test
    void theCapacityOfADeadInstanceComesBackAfterTheInstanceTtl() {
        beat(a, alive);
        beat(d, dying);
        SharedWindows.Reservation held = d.reserve(one, 900, a.stateHash("groq"), null);
        assertThat(held.admitted()).isTrue();
        assertThat(a.reserve(one, 200, a.stateHash("groq"), null).admitted()).as("900 of 1000 tokens held").isFalse();
        clock.advance(Duration.ofSeconds(5));
        beat(a, alive);
        assertThat(a.sweep(10_000)).as("the dying instance is still within its TTL").isZero();
        clock.advance(Duration.ofSeconds(6)); // 11 s without a heartbeat from "dying"
        beat(a, alive);
        assertThat(a.sweep(10_000)).isEqualTo(1);
        assertThat(a.reserve(one, 200, a.stateHash("groq"), null).admitted()).as("its tokens came back").isTrue();
        // the request stays counted (the provider probably saw it); a late settle changes nothing
        assertThat(d.settle(bucket, held.id(), true, 10, null)).isFalse();
        assertThat(a.peek(bucket, 0).used(Limits.Metric.TPM)).isEqualTo(200);
        assertThat(a.peek(bucket, 0).used(Limits.Metric.RPM)).isEqualTo(2);
    }

    @Test
    void anExpiredLeaseReturnsItsTokensOnceAndALateSettleChangesNothing() {
        SharedWindows.Reservation r = a.reserve(one, 600, null, null);
        assertThat(a.expire(r.id())).isTrue();
        assertThat(a.expire(r.id())).as("expired twice").isFalse();
        assertThat(a.settle(bucket, r.id(), true, 600, null)).as("late settle").isFalse();
        assertThat(a.release(bucket, r.id(), null)).as("late release").isFalse();
        SharedWindows.Peek p = a.peek(bucket, 0);
        assertThat(p.used(Limits.Metric.TPM)).isZero();
        assertThat(p.used(Limits.Metric.RPM)).isEqualTo(1);
    }

    @Test
    void aBlockIsGrantedWithinHalfOfWhatIsLeftSettledInPartsAndADeadInstancesBlockComesBackCountedWhole() {
        beat(a, alive);
        beat(d, dying);
        // 1000 tokens, 100 per request, asked 8 with a share of 2: at most (1000 / 100) / 2 = 5
        SharedWindows.Reservation blk = a.reserveBlock(clock.millis(), a.reservationId(1), bucket, "fp1", 100, null, 8, 2);
        assertThat(blk.granted()).isEqualTo(5);
        assertThat(a.peek(bucket, 0).used(Limits.Metric.TPM)).as("the block's tokens are in flight").isEqualTo(500);
        // two calls settled (50 tokens in all), one still open, two unused: the open one stays reserved
        a.settleBlock(clock.millis(), bucket, blk.id(), 2, 50, 1, 100, clock.millis(), true).join();
        SharedWindows.Peek p = a.peek(bucket, 0);
        assertThat(p.used(Limits.Metric.RPM)).isEqualTo(3);
        assertThat(p.used(Limits.Metric.TPM)).isEqualTo(150);
        // the last call settles: 30 tokens; a second final settlement changes nothing
        assertThat(a.settleBlock(clock.millis(), bucket, blk.id(), 1, 30, 0, 0, clock.millis(), false).join().at()).isGreaterThanOrEqualTo(0);
        assertThat(a.settleBlock(clock.millis(), bucket, blk.id(), 1, 30, 0, 0, clock.millis(), false).join().at()).as("settled twice").isEqualTo(-1);
        p = a.peek(bucket, 0);
        assertThat(p.used(Limits.Metric.RPM)).isEqualTo(3);
        assertThat(p.used(Limits.Metric.TPM)).isEqualTo(80);

        // a block of a dying instance: when the instance is declared dead its tokens come back, its
        // requests stay counted, all of them (nobody can tell the used ones from the others)
        SharedWindows.Reservation held = d.reserveBlock(clock.millis(), d.reservationId(2), bucket, "fp1", 100, null, 4, 1);
        assertThat(held.granted()).isEqualTo(4);
        clock.advance(Duration.ofSeconds(11));
        beat(a, alive);
        assertThat(a.sweep(10_000)).isEqualTo(1);
        p = a.peek(bucket, 0);
        assertThat(p.used(Limits.Metric.TPM)).isEqualTo(80);
        assertThat(p.used(Limits.Metric.RPM)).isEqualTo(3 + 4);
    }

    @Test
    void windowsNeverGoNegative() {
        SharedWindows.Reservation r = a.reserve(one, 100, null, null);
        assertThat(a.settle(bucket, r.id(), true, 50, null)).isTrue();
        a.record(bucket, clock.millis(), -5, -10_000); // a correction larger than what is counted
        SharedWindows.Peek p = a.peek(bucket, 0);
        for (Limits.Metric m : Limits.Metric.values()) assertThat(p.used(m)).as(m.key()).isGreaterThanOrEqualTo(0);
        assertThat(p.used(Limits.Metric.TPM)).isZero();
    }

    @Test
    void holdsAreNeverShortenedAndBlockAdmissionOnEveryInstance() {
        long until = clock.millis() + 30_000;
        assertThat(d.hold(bucket, false, SharedWindows.HoldKind.COOLING, until, "rate-limited", "state|groq")).isTrue();
        assertThat(a.hold(bucket, false, SharedWindows.HoldKind.COOLING, until - 10_000, "shorter", "state|groq")).isFalse();
        SharedWindows.Reservation refused = a.reserve(one, 1, null, null);
        assertThat(refused.admitted()).isFalse();
        assertThat(refused.retryAt()).isEqualTo(until);
        assertThat(d.hold(bucket, true, SharedWindows.HoldKind.PARKED, until + 60_000, "daily quota", "state|groq")).isTrue();
        clock.advance(Duration.ofSeconds(31));
        assertThat(a.reserve(one, 1, null, null).retryAt()).as("the scope is parked").isEqualTo(until + 60_000);
        clock.advance(Duration.ofSeconds(60));
        assertThat(a.reserve(one, 1, null, null).admitted()).isTrue();
    }

    @Test
    void aDisabledKeyIsSkippedByEveryInstance() {
        BucketRef other = a.bucket("groq", "org-b", "m", Limits.UNLIMITED, DailyReset.sliding());
        List<SharedWindows.Candidate> two = List.of(one.get(0), new SharedWindows.Candidate(other, "fp2"));
        assertThat(d.state(d.stateHash("groq"), "d:fp1", "disabled: invalid key", "state|groq")).isTrue();
        SharedWindows.Reservation r = a.reserve(two, 1, a.stateHash("groq"), null);
        assertThat(r.candidate()).isEqualTo(1);
        assertThat(d.state(d.stateHash("groq"), "d:fp1", null, "state|groq")).isTrue();
        assertThat(a.reserve(two, 1, a.stateHash("groq"), null).candidate()).isZero();
    }
}
