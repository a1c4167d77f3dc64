package io.keycycle.redis;

import io.keycycle.core.DailyReset;
import io.keycycle.core.EngineClock;
import io.keycycle.core.Limits;
import io.keycycle.redis.testing.RedisFleet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A process killed while it holds reservations, restarted under the same instance id (a configured
 * {@code instance-id}, or the default host name + pid of a container restarted in place: same host
 * name, pid 1): the reservations of the run that died are given back, as the sweep gives back a dead
 * instance's. The new run beats under that id from its start, so the sweep never finds it dead.
 */
class RestartedWithTheSameIdTest {

    @RegisterExtension
    final RedisFleet fleet = new RedisFleet().withTimings(Duration.ofMillis(500), Duration.ofMillis(200), Duration.ofSeconds(2));
    final Limits limits = new Limits(Limits.NONE, Limits.NONE, Limits.NONE, 3_000, Limits.NONE, Limits.NONE);

    @Test
    void theReservationsOfARunThatDiedGoBackWhenItsSuccessorStartsUnderItsId() {
        // the run that dies: it beat, reserved a block of 3 requests of 1,000 tokens, and is killed
        // (no more heartbeats, its link gone without leaving the fleet)
        RedisLink link1 = RedisLink.open(fleet.settings("gw-1"));
        SharedWindows w1 = new SharedWindows(link1, EngineClock.system(), true);
        new Fleet(w1, () -> 1).beat();
        BucketRef b = w1.bucket("p", "s", "m", limits, DailyReset.sliding());
        SharedWindows.Reservation r = w1.reserveBlock(System.currentTimeMillis(), w1.blockId(), b, null, 1_000, null, 3, 1);
        assertThat(r.granted()).isEqualTo(3);
        link1.close();

        RedisLink probe = RedisLink.open(fleet.settings("probe"));
        try {
            fleet.join("gw-1"); // the successor
            SharedWindows w = new SharedWindows(probe, EngineClock.system(), true);
            await().atMost(8, TimeUnit.SECONDS).untilAsserted(() -> assertThat(w.peek(b, 0).used(Limits.Metric.TPM))
                    .as("tokens the killed run held in flight (an instance id nobody uses again gets them back at the TTL)")
                    .isZero());
        } finally {
            probe.close();
        }
    }
}
