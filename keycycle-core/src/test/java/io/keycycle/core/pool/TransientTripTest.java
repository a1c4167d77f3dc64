package io.keycycle.core.pool;

import io.keycycle.core.Limits;
import io.keycycle.core.ProviderResponse;
import io.keycycle.core.classify.ProviderProfiles;
import io.keycycle.core.testing.ManualClock;
import io.keycycle.core.testing.TestPools;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The backoff after transient failures ({@link PoolPolicy#transientTrip()}) takes an outage, not a
 * provider that fails now and then: five failures within 10 s that outnumber the successes since
 * the first of them.
 */
class TransientTripTest {

    final ManualClock clock = ManualClock.at("2026-11-28T10:00:00Z");

    KeyPool pool() {
        return KeyPool.builder(TestPools.spec("groq")).keys(TestPools.keys("groq", 4))
                .limits(new Limits(-1, -1, -1, -1, -1, -1))
                .profile(ProviderProfiles.forProvider("groq")).clock(clock).build();
    }

    static final String OK = "{\"choices\":[],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":5,\"total_tokens\":10}}";

    /** One attempt with an answer of {@code status}; true when a key was admitted. */
    static boolean once(KeyPool p, int status) {
        try {
            p.call(CallOptions.of("m1", 10).maxRetries(0), key -> ProviderResponse.of(status, status == 200 ? OK : "{}"));
            return true;
        } catch (io.keycycle.core.NoAvailableKeyException refused) {
            return false;
        } catch (io.keycycle.core.RateLimitException failed) {
            return true;
        }
    }

    @Test
    void oneFailureInFiveEvenInBurstsNeverBacksTheModelOff() {
        KeyPool p = pool();
        for (int i = 0; i < 600; i++) {
            // concurrent calls settle in bursts: three failures in a row, then twelve successes
            int status = i % 15 < 3 ? 500 : 200;
            assertThat(once(p, status)).as("call %d admitted", i).isTrue();
            clock.advance(Duration.ofMillis(50));
        }
        assertThat(p.snapshot().models()).allSatisfy(m -> assertThat(m.backoffUntil()).isNull());
    }

    @Test
    void fiveFailuresWithoutASuccessBackTheModelOffAndItsFirstSuccessAfterwardsCounts() {
        KeyPool p = pool();
        for (int i = 0; i < 4; i++) assertThat(once(p, 502)).isTrue();
        assertThat(p.snapshot().models()).allSatisfy(m -> assertThat(m.backoffUntil()).isNull());
        assertThat(once(p, 502)).isTrue();
        assertThat(p.snapshot().models()).singleElement().satisfies(m -> assertThat(m.backoffUntil()).isNotNull());
        assertThat(once(p, 200)).as("backing off: refused without a call").isFalse();
        clock.advance(Duration.ofSeconds(2)); // past the first backoff (1 s, +50 % jitter at most)
        assertThat(once(p, 502)).isTrue();
        assertThat(p.snapshot().models()).singleElement().as("failures still outnumber successes: again, at once")
                .satisfies(m -> assertThat(m.backoffUntil()).isNotNull());
        clock.advance(Duration.ofSeconds(11)); // a new window
        for (int i = 0; i < 6; i++) assertThat(once(p, 200)).isTrue();
        for (int i = 0; i < 4; i++) assertThat(once(p, 502)).isTrue();
        assertThat(p.snapshot().models()).as("a new window: four failures are not five")
                .allSatisfy(m -> assertThat(m.backoffUntil()).isNull());
    }
}
