package io.keycycle.store;

import io.keycycle.core.KeyState;
import io.keycycle.core.KeycycleEvent;
import io.keycycle.core.OutcomeKind;
import io.keycycle.store.testing.DatabaseTest;
import io.keycycle.store.testing.TestDatabase;

import java.time.Duration;
import java.time.Instant;

import static io.keycycle.store.Events.FP_A;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * With {@code allow-unknown-models: true} a gateway client names the model: a name longer than the
 * columns (191 characters on the MySQL family) must not make the database refuse the call's usage
 * and the model's state. Refused rows went to rejected.jsonl, out of every hydration, and each batch
 * holding one was redone row by row.
 */
class LongNamesTest {

    @DatabaseTest
    void aModelNameLongerThanTheColumnIsStoredAndHydrated(TestDatabase db) throws Exception {
        Instant now = Instant.now();
        String model = "m-" + "x".repeat(180) + "\uD83D\uDE00".repeat(30) + "-tail"; // past 191 characters, emoji on the cut
        KeycycleStore store = db.open();
        for (int i = 0; i < 20; i++) store.onEvent(Events.settled(now.minusSeconds(30), "groq", FP_A, "short", i, 10));
        store.onEvent(Events.failed(now.minusSeconds(20), "groq", FP_A, model, OutcomeKind.MODEL_UNAVAILABLE, 404));
        store.onEvent(new KeycycleEvent.StateChanged(now.minusSeconds(20), "groq", KeycycleEvent.Level.MODEL, null, null,
                model, KeyState.MODEL_UNAVAILABLE, now.plusSeconds(600), "404 model not found"));
        store.onEvent(Events.settled(now.minusSeconds(10), "groq", FP_A, model, 99, 7));
        assertThat(store.flush(Duration.ofSeconds(20))).isTrue();

        assertThat(store.health().eventsRejected()).as("events the database refused").isZero();
        assertThat(Events.count(db::connect, "SELECT COUNT(*) FROM keycycle_usage")).isEqualTo(22);
        RecordingRestorer r = new RecordingRestorer();
        store.hydrate(r, now);
        assertThat(r.requests()).isEqualTo(20 + 1 + (OutcomeKind.MODEL_UNAVAILABLE.countedByProvider() ? 1 : 0));
        assertThat(r.states).extracting(KeycycleEvent.StateChanged::state).containsExactly(KeyState.MODEL_UNAVAILABLE);
    }
}
