package io.keycycle.core.pool;

import io.keycycle.core.Limits;
import io.keycycle.core.PoolAvailability;
import io.keycycle.core.ProviderResponse;
import io.keycycle.core.RateLimitException;
import io.keycycle.core.testing.ManualClock;
import io.keycycle.core.testing.TestPools;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A call that gives up carries what the pool could offer then, so nobody has to ask the pool again. */
class FailureAvailabilityTest {

    final ManualClock clock = ManualClock.at("2026-11-28T10:00:00Z");

    @Test
    void aRateLimitedCallCarriesTheEarliestRetryAndTheKeyCounts() {
        KeyPool p = KeyPool.builder(TestPools.spec("groq")).keys(TestPools.keys("groq", 2)).limits(Limits.UNLIMITED)
                .profile(TestPools.statusProfile("groq")).clock(clock).build();
        ProviderResponse limited = ProviderResponse.of(429, "{}", "retry-after", "30");
        assertThatThrownBy(() -> p.call("m1", 10, k -> limited)).isInstanceOfSatisfying(RateLimitException.class, e -> {
            PoolAvailability a = e.availability();
            assertThat(a).isNotNull();
            assertThat(a.keys()).isEqualTo(2);
            assertThat(a.cooling()).isEqualTo(2);
            assertThat(a.retryAt()).isEqualTo(clock.now().plus(Duration.ofSeconds(30)));
            assertThat(a.admissibleAt(clock.now())).isFalse();
        });
    }

    @Test
    void aFailureWithKeysLeftSaysSo() {
        KeyPool p = KeyPool.builder(TestPools.spec("groq")).keys(TestPools.keys("groq", 2)).limits(Limits.UNLIMITED)
                .profile(TestPools.statusProfile("groq")).clock(clock).build();
        ProviderResponse broken = ProviderResponse.of(500, "{}");
        assertThatThrownBy(() -> p.call(CallOptions.of("m1", 10).maxRetries(1), k -> broken))
                .isInstanceOfSatisfying(RateLimitException.class, e -> assertThat(e.availability().admissibleAt(clock.now())).isTrue());
    }
}
