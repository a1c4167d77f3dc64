package io.keycycle.core.pool;

import io.keycycle.core.KeycycleEvent;
import io.keycycle.core.Limits;
import io.keycycle.core.NoAvailableKeyException;
import io.keycycle.core.Usage;
import io.keycycle.core.testing.ManualClock;
import io.keycycle.core.testing.TestPools;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A call that may have reached the provider stays counted; only a call that never left is released. */
class AbandonTest {

    final ManualClock clock = ManualClock.at("2026-11-28T10:00:00Z");
    final List<KeycycleEvent> events = new CopyOnWriteArrayList<>();

    KeyPool pool(Limits limits) {
        return KeyPool.builder(TestPools.spec("groq")).keys(TestPools.keys("groq", 1)).limits(limits)
                .profile(TestPools.statusProfile("groq")).clock(clock).listener(events::add).build();
    }

    @Test
    void anAbandonedRequestStaysCountedAndItsEstimateStaysCharged() {
        KeyPool p = pool(new Limits(2, -1, -1, 1_000, -1, -1));
        Lease a = p.acquire("m1", 300);
        clock.advance(java.time.Duration.ofSeconds(2));
        assertThat(a.abandon("client hung up")).isTrue();
        assertThat(a.isDone()).isTrue();
        assertThat(a.abandon("again")).isFalse();
        assertThat(a.release()).isFalse(); // a later release cannot un-count it
        PoolSnapshot s = p.snapshot();
        assertThat(used(s, Limits.Metric.RPM)).isEqualTo(1);
        assertThat(used(s, Limits.Metric.TPM)).isEqualTo(300);
        assertThat(s.keys().get(0).state()).isEqualTo(io.keycycle.core.KeyState.READY); // no cooldown
        p.acquire("m1", 300).abandon("timed out");
        assertThatThrownBy(() -> p.acquire("m1", 0)).isInstanceOf(NoAvailableKeyException.class);
        assertThat(events).filteredOn(e -> e instanceof KeycycleEvent.Settled st && st.requests() == 1 && st.chargedTokens() == 300)
                .hasSize(2);
    }

    @Test
    void releaseGivesEverythingBack() {
        KeyPool p = pool(new Limits(1, -1, -1, 1_000, -1, -1));
        p.acquire("m1", 300).release();
        assertThat(used(p.snapshot(), Limits.Metric.RPM)).isZero();
        assertThat(used(p.snapshot(), Limits.Metric.TPM)).isZero();
        assertThat(p.acquire("m1", 300)).isNotNull();
    }

    @Test
    void usageArrivingAfterAbandonReplacesTheEstimateOnce() {
        KeyPool p = pool(new Limits(10, -1, -1, 1_000, -1, -1));
        Lease a = p.acquire("m1", 600);
        a.abandon("client hung up");
        clock.advance(java.time.Duration.ofMillis(500));
        assertThat(a.success(Usage.of(40, 60))).isTrue();
        assertThat(used(p.snapshot(), Limits.Metric.TPM)).isEqualTo(100);
        assertThat(used(p.snapshot(), Limits.Metric.RPM)).isEqualTo(1);
        assertThat(a.success(Usage.of(400, 600))).isFalse();
        assertThat(used(p.snapshot(), Limits.Metric.TPM)).isEqualTo(100);
    }

    @Test
    void anAbandonedLeaseDoesNotExpireLater() {
        KeyPool p = pool(new Limits(10, -1, -1, 1_000, -1, -1));
        p.acquire("m1", 600).abandon("interrupted");
        assertThat(p.openLeases()).isZero();
        clock.advance(java.time.Duration.ofMinutes(11));
        assertThat(p.expireLeases()).isZero();
    }

    static long used(PoolSnapshot s, Limits.Metric m) {
        return s.buckets().stream().flatMap(b -> b.usage().stream()).filter(u -> u.metric() == m)
                .mapToLong(PoolSnapshot.MetricUsage::used).sum();
    }
}
