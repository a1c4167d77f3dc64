package io.keycycle.core.pool;

import io.keycycle.core.Limits;
import io.keycycle.core.NoAvailableKeyException;
import io.keycycle.core.Usage;
import io.keycycle.core.classify.ProviderProfiles;
import io.keycycle.core.testing.ManualClock;
import io.keycycle.core.testing.TestPools;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Cerebras takes prompt + the completion limit from its token windows when a request arrives and
 * keeps it whatever the answer uses; the pool does the same, so a window never shows room the
 * provider does not have. Every other provider's windows keep what the answer used.
 */
class KeptReservationTest {

    final ManualClock clock = ManualClock.at("2026-12-04T10:00:00Z");

    KeyPool pool(String provider) {
        return KeyPool.builder(TestPools.spec(provider)).keys(TestPools.keys(provider, 1))
                .limits(new Limits(10, -1, -1, 30_000, -1, -1))
                .profile(ProviderProfiles.forProvider(provider)).clock(clock).build();
    }

    static long tpm(KeyPool p) {
        return p.snapshot().buckets().stream().flatMap(b -> b.usage().stream()).filter(u -> u.metric() == Limits.Metric.TPM)
                .mapToLong(PoolSnapshot.MetricUsage::used).sum();
    }

    @Test
    void cerebrasKeepsTheReservationAfterASmallAnswer() {
        KeyPool p = pool("cerebras");
        Lease a = p.acquire("m1", 16_400);                     // prompt ~16 + 16,384 unset
        assertThat(a.success(Usage.of(20, 30))).isTrue();
        assertThat(tpm(p)).isEqualTo(16_400);
        // a second such request would take the window to 32,800 > 30,000: refused here, not by Cerebras
        assertThatThrownBy(() -> p.acquire("m1", 16_400)).isInstanceOf(NoAvailableKeyException.class);
        clock.advance(Duration.ofSeconds(65));   // past the minute window and its 2.5 s slot
        assertThat(p.acquire("m1", 16_400)).isNotNull();
    }

    @Test
    void anAnswerAboveTheReservationIsChargedInFull() {
        KeyPool p = pool("cerebras");
        p.acquire("m1", 100).success(Usage.of(90, 400));       // the prompt was underestimated
        assertThat(tpm(p)).isEqualTo(490);
    }

    @Test
    void lateUsageAfterAnAbandonKeepsTheReservationToo() {
        KeyPool p = pool("cerebras");
        Lease a = p.acquire("m1", 16_400);
        a.abandon("client hung up");
        assertThat(a.success(Usage.of(20, 30))).isTrue();
        assertThat(tpm(p)).isEqualTo(16_400);
    }

    @Test
    void aRefusedRequestTakesNoTokens() {
        KeyPool p = pool("cerebras");
        p.acquire("m1", 16_400).report(io.keycycle.core.Outcome.of(io.keycycle.core.OutcomeKind.TRANSIENT, 503, "overloaded"));
        assertThat(tpm(p)).isZero();
    }

    /** A pool with a day's token limit, and the events it publishes. */
    KeyPool dayPool(String provider, java.util.List<io.keycycle.core.KeycycleEvent> events) {
        return KeyPool.builder(TestPools.spec(provider)).keys(TestPools.keys(provider, 1))
                .limits(new Limits(10, -1, -1, 30_000, -1, 1_000_000))
                .profile(ProviderProfiles.forProvider(provider)).clock(clock).listener(events::add).build();
    }

    static long tpd(KeyPool p) {
        return p.snapshot().buckets().stream().flatMap(b -> b.usage().stream()).filter(u -> u.metric() == Limits.Metric.TPD)
                .mapToLong(PoolSnapshot.MetricUsage::used).sum();
    }

    /**
     * A call never reported within the lease timeout (10 minutes): Cerebras took its reservation at
     * arrival, so the day's window keeps it and the stored record charges it. Until 2026-12-05 the
     * expiry gave it back (16,400 tokens of the day shown free that Cerebras had taken).
     */
    @Test
    void anExpiredLeaseKeepsTheReservationWhereTheProviderKeepsIt() {
        java.util.List<io.keycycle.core.KeycycleEvent> events = new java.util.concurrent.CopyOnWriteArrayList<>();
        KeyPool p = dayPool("cerebras", events);
        Lease a = p.acquire("m1", 16_400);
        clock.advance(Duration.ofMinutes(11));
        p.acquire("m1", 100).success(Usage.of(60, 40));          // admission sweeps the expired lease
        assertThat(tpd(p)).isEqualTo(16_400 + 100);
        assertThat(events).filteredOn(e -> e instanceof io.keycycle.core.KeycycleEvent.LeaseExpired)
                .singleElement().extracting(e -> ((io.keycycle.core.KeycycleEvent.LeaseExpired) e).chargedTokens()).isEqualTo(16_400L);
        assertThat(a.success(Usage.of(20, 30))).as("a late report after the expiry").isTrue();
        assertThat(tpd(p)).as("charged once: the reservation stays, the smaller answer adds nothing").isEqualTo(16_400 + 100);
    }

    @Test
    void anExpiredLeaseGivesTheReservationBackElsewhere() {
        java.util.List<io.keycycle.core.KeycycleEvent> events = new java.util.concurrent.CopyOnWriteArrayList<>();
        KeyPool p = dayPool("groq", events);
        Lease a = p.acquire("m1", 16_400);
        clock.advance(Duration.ofMinutes(11));
        p.acquire("m1", 100).success(Usage.of(60, 40));
        assertThat(tpd(p)).isEqualTo(100);
        assertThat(events).filteredOn(e -> e instanceof io.keycycle.core.KeycycleEvent.LeaseExpired)
                .singleElement().extracting(e -> ((io.keycycle.core.KeycycleEvent.LeaseExpired) e).chargedTokens()).isEqualTo(0L);
        assertThat(a.success(Usage.of(20, 30))).isTrue();
        assertThat(tpd(p)).as("the late report charged in full").isEqualTo(150);
    }

    @Test
    void otherProvidersKeepWhatTheAnswerUsed() {
        KeyPool p = pool("groq");
        p.acquire("m1", 16_400).success(Usage.of(20, 30));
        assertThat(tpm(p)).isEqualTo(50);
    }
}
