package io.keycycle.store;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.keycycle.core.KeyState;
import io.keycycle.store.testing.DatabaseTest;
import io.keycycle.store.testing.TestDatabase;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.keycycle.store.Events.FP_A;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A process killed with events still in its write-ahead files: the next process hydrates its
 * engine right after {@code open}, while its writer is still replaying those files. The usage and
 * states they hold must be in the engine's windows after hydration, not only in the database later.
 */
class HydrateAfterCrashTest {

    private static final ObjectMapper JSON = KeycycleStore.journalMapper();
    private static final int NONCE = 0xdead01;

    @DatabaseTest
    void usageAndStatesStillInWriteAheadFilesAreHydrated(TestDatabase db) throws Exception {
        Instant now = Instant.now();
        db.open().close(); // the schema of the process that died
        Path dir = db.workDir().resolve("journal");
        // what the killed process had acknowledged but not yet committed: 40 calls of the last minutes
        // and a scope parked for the day
        ByteArrayOutputStream wal = new ByteArrayOutputStream();
        for (int i = 1; i <= 40; i++) {
            wal.write(Journal.line(JSON, new StoredEvent.Usage(i, StoredEvent.eventId(i, NONCE), "groq", "org-a", FP_A, "m",
                    now.minusSeconds(300).plusSeconds(i).toEpochMilli(), 1, 10, 5, 15, "SUCCESS", 200)));
        }
        wal.write(Journal.line(JSON, new StoredEvent.State(41, StoredEvent.eventId(41, NONCE), "groq", "SCOPE", "org-a", "org-a",
                null, "m", KeyState.PARKED.name(), now.plus(Duration.ofHours(6)).toEpochMilli(), "daily quota",
                now.minusSeconds(30).toEpochMilli())));
        Files.write(dir.resolve(JournalFiles.name(WriteAheadLog.PREFIX, 1, NONCE, 1)), wal.toByteArray());

        RecordingRestorer r = new RecordingRestorer();
        // The database is slow to take writes for a moment (another writer holds the lock), reads still work.
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            st.execute(db.kind() == TestDatabase.Kind.SQLITE ? "BEGIN IMMEDIATE" : "LOCK TABLES keycycle_usage WRITE");
            KeycycleStore store = db.open();
            CompletableFuture<HydrationSummary> hydrated = CompletableFuture.supplyAsync(() -> store.hydrate(r, now));
            try {
                hydrated.get(700, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.TimeoutException stillWaiting) {
                // waiting for the replay is what it should do
            }
            st.execute(db.kind() == TestDatabase.Kind.SQLITE ? "ROLLBACK" : "UNLOCK TABLES");
            hydrated.get(30, TimeUnit.SECONDS);
            assertThat(store.flush(Duration.ofSeconds(20))).isTrue();
        }

        assertThat(r.requests()).as("requests hydrated").isEqualTo(40);
        assertThat(r.tokens()).as("tokens hydrated").isEqualTo(40 * 15);
        assertThat(r.states).extracting(s -> s.state()).containsExactly(KeyState.PARKED);
        assertThat(Events.count(db::connect, "SELECT COUNT(*) FROM keycycle_usage")).isEqualTo(40);
    }

    /** Hydrated once: a second hydration (a restart after the replay) sees the same counts, nothing twice. */
    @DatabaseTest
    void aLeftoverReplayedBeforeHydrationIsCountedOnce(TestDatabase db) throws Exception {
        Instant now = Instant.now();
        db.open().close();
        Path dir = db.workDir().resolve("journal");
        ByteArrayOutputStream wal = new ByteArrayOutputStream();
        for (int i = 1; i <= 25; i++) {
            wal.write(Journal.line(JSON, new StoredEvent.Usage(i, StoredEvent.eventId(i, NONCE), "groq", "org-a", FP_A, "m",
                    now.minusSeconds(100).toEpochMilli(), 1, 10, 5, 15, "SUCCESS", 200)));
        }
        // the same events twice (a copy the writer had committed and the write-ahead line written after it)
        byte[] bytes = wal.toByteArray();
        Files.write(dir.resolve(JournalFiles.name(WriteAheadLog.PREFIX, 1, NONCE, 1)), bytes);
        Files.write(dir.resolve(JournalFiles.name(WriteAheadLog.PREFIX, 1, NONCE, 2)), bytes);
        KeycycleStore store = db.open();
        RecordingRestorer first = new RecordingRestorer();
        store.hydrate(first, now);
        assertThat(store.flush(Duration.ofSeconds(20))).isTrue();
        store.close();
        RecordingRestorer second = new RecordingRestorer();
        db.open().hydrate(second, now);
        assertThat(first.requests()).isEqualTo(25);
        assertThat(second.requests()).isEqualTo(25);
    }
}
