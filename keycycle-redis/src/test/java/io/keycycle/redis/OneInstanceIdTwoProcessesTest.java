package io.keycycle.redis;

import io.keycycle.core.ClusterException;
import io.keycycle.core.DailyReset;
import io.keycycle.core.EngineClock;
import io.keycycle.core.Limits;
import io.keycycle.redis.testing.RedisFleet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Two live processes under one instance id: a configured id given twice, or the default id (host
 * name + pid) of containers that share a host's network, each pid 1. Until 2026-12-05 the second
 * took the first's open reservations for those of a run that had died and gave them back (their
 * calls still running), then both reserved under colliding ids; only a warning said so.
 */
class OneInstanceIdTwoProcessesTest {

    @RegisterExtension
    final RedisFleet fleet = new RedisFleet().withTimings(Duration.ofMillis(500), Duration.ofMillis(200), Duration.ofSeconds(2));
    final Limits tpm = new Limits(Limits.NONE, Limits.NONE, Limits.NONE, 10_000, Limits.NONE, Limits.NONE);

    @Test
    void aConfiguredIdInUseByALiveProcessFailsTheJoinAndLeavesItsReservationsAlone() {
        RedisCluster first = fleet.join("gw-1");
        BucketRef b = first.windows().bucket("p", "s", "m", tpm, DailyReset.sliding());
        assertThat(first.windows().reserve(b, "fp", 3_000, null).admitted()).isTrue();

        assertThatThrownBy(() -> fleet.join("gw-1"))
                .isInstanceOf(ClusterException.class)
                .hasMessageContaining("cluster.instance-id 'gw-1' is in use by another live process")
                .hasMessageContaining("its own instance id");
        assertThat(first.windows().peek(b, 0).used(Limits.Metric.TPM)).as("the live process's call still reserved").isEqualTo(3_000);
    }

    @Test
    void theDefaultIdOfASecondLiveProcessGetsASuffixAndNeitherTouchesTheOthersReservations() {
        String host = RedisSettings.defaultInstanceId();
        RedisCluster first = fleet.join(fleet.settings(null));
        assertThat(first.instanceId()).isEqualTo(host);
        BucketRef b = first.windows().bucket("p", "s", "m", tpm, DailyReset.sliding());
        assertThat(first.windows().reserve(b, "fp", 3_000, null).admitted()).isTrue();

        RedisCluster second = fleet.join(fleet.settings(null));
        assertThat(second.instanceId()).startsWith(host + "-").isNotEqualTo(host);
        assertThat(second.windows().reserve(b, "fp", 2_000, null).admitted()).isTrue();
        assertThat(second.windows().peek(b, 0).used(Limits.Metric.TPM)).as("both calls reserved").isEqualTo(5_000);
        await().atMost(5, TimeUnit.SECONDS).untilAsserted(() -> assertThat(second.fleet().liveInstances()).isEqualTo(2));
    }

    @Test
    void aRunThatEndedWithoutLeavingIsStillToldFromALiveOneAndItsReservationsGoBack() {
        RedisLink dead = RedisLink.open(fleet.settings("gw-2"));
        SharedWindows w = new SharedWindows(dead, EngineClock.system(), true);
        new Fleet(w, () -> 1).beat();
        BucketRef b = w.bucket("p", "s", "m", tpm, DailyReset.sliding());
        assertThat(w.reserve(b, "fp", 3_000, null).admitted()).isTrue();
        dead.close(); // killed: its last heartbeat is a few ms old

        RedisCluster again = fleet.join("gw-2");
        assertThat(again.instanceId()).isEqualTo("gw-2");
        assertThat(again.windows().peek(b, 0).used(Limits.Metric.TPM)).as("the dead run's reservation given back").isZero();
    }

    @Test
    void twoProcessesThatStartedTogetherUnderOneIdSeeEachOtherAtTheirHeartbeats() {
        RedisLink l1 = RedisLink.open(fleet.settings("gw-3"));
        RedisLink l2 = RedisLink.open(fleet.settings("gw-3"));
        try {
            Fleet f1 = new Fleet(new SharedWindows(l1, EngineClock.system(), true), () -> 0);
            Fleet f2 = new Fleet(new SharedWindows(l2, EngineClock.system(), true), () -> 0);
            f1.beat();
            f2.beat();
            assertThat(f1.twinSeenAt()).isZero();
            f1.beat(); // its own second beat finds the other's run under the id
            f2.beat();
            assertThat(f1.twinSeenAt()).isPositive();
            assertThat(f2.twinSeenAt()).isPositive();

            f1.close();
            f2.close();
            RedisLink l3 = RedisLink.open(fleet.settings("gw-4"));
            try {
                Fleet f3 = new Fleet(new SharedWindows(l3, EngineClock.system(), true), () -> 0);
                f3.beat();
                f3.beat();
                f3.beat();
                assertThat(f3.twinSeenAt()).as("one process beating alone").isZero();
                f3.close();
            } finally {
                l3.close();
            }
        } finally {
            l1.close();
            l2.close();
        }
    }

    @Test
    void aJoinedInstanceThatMeetsAnotherProcessUnderItsIdSaysSoInItsStatus() {
        RedisCluster joined = fleet.join("gw-5");
        assertThat(joined.warning()).isNull();
        RedisLink other = RedisLink.open(fleet.settings("gw-5")); // started at the same moment: no join could tell
        try {
            Fleet twin = new Fleet(new SharedWindows(other, EngineClock.system(), true), () -> 0);
            twin.beat();
            joined.fleet().beat();
            assertThat(joined.warning()).contains("another live process beats under instance id 'gw-5'");
            twin.close();
        } finally {
            other.close();
        }
    }
}
