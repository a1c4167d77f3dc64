package io.keycycle.store;

import io.keycycle.core.KeycycleEvent;
import io.keycycle.store.testing.DatabaseTest;
import io.keycycle.store.testing.TestDatabase;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An expired lease is a usage row {@code LEASE_EXPIRED} with one request, and the tokens the
 * engine kept charged: none where the reservation was given back, the reservation where the
 * provider keeps it (Cerebras). A restart's hydration puts the same back in the windows.
 */
class LeaseExpiredRowTest {

    private static final Instant T0 = Instant.parse("2026-12-05T09:00:00Z");

    @DatabaseTest
    void anExpiredLeaseIsStoredWithTheTokensItKeptCharged(TestDatabase db) throws Exception {
        KeycycleStore store = db.open();
        store.onEvent(new KeycycleEvent.LeaseExpired(T0.plus(Duration.ofMinutes(10)), T0, "cerebras", "scope-c", Events.FP_A,
                "m", 16_400, 1, 16_400));
        store.onEvent(new KeycycleEvent.LeaseExpired(T0.plus(Duration.ofMinutes(10)), T0, "groq", "scope-g", Events.FP_B,
                "m", 16_400, 1));
        assertThat(store.flush(Duration.ofSeconds(30))).isTrue();
        assertThat(Events.longs(db::connect, "SELECT charged_tokens FROM keycycle_usage WHERE outcome = 'LEASE_EXPIRED' ORDER BY provider"))
                .as("cerebras, groq").containsExactly(16_400L, 0L);
        assertThat(Events.count(db::connect, "SELECT SUM(requests) FROM keycycle_usage")).isEqualTo(2);
        RecordingRestorer restored = new RecordingRestorer();
        store.hydrate(restored, T0.plus(Duration.ofMinutes(20)));
        assertThat(restored.requests()).isEqualTo(2);
        assertThat(restored.tokens()).isEqualTo(16_400);
        store.close();
    }
}
