package io.keycycle.store;

import io.keycycle.store.testing.DatabaseTest;
import io.keycycle.store.testing.TestDatabase;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;

import static io.keycycle.store.Events.FP_A;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * flush() promises that every event offered before it is committed. Events held in memory while
 * the disk was broken are older than the events journaled once it works again, yet the writer
 * replays the journal first and then reports everything up to the newest event as handled.
 * A trigger keeps the in-memory events out of the database (a transient error, retried) so the
 * gap is not a race.
 */
class FlushAfterHeldEventsTest {

    private static final Instant T0 = Instant.parse("2026-03-01T12:00:00Z");

    @DatabaseTest(TestDatabase.Kind.SQLITE)
    void flushIsNotTrueWhileEventsHeldInMemoryAreNotCommitted(TestDatabase db) throws Exception {
        Path dir = db.workDir().resolve("journal");
        Path away = db.workDir().resolve("journal-away");
        KeycycleStore store = db.open(db.config().connectionTimeout(Duration.ofSeconds(5)).queueCapacity(4).batchSize(2).build());
        db.execute("CREATE TABLE held (p INTEGER PRIMARY KEY)",
                "CREATE TRIGGER hold_back BEFORE INSERT ON keycycle_usage WHEN EXISTS (SELECT 1 FROM held WHERE p = NEW.prompt_tokens)"
                        + " BEGIN SELECT RAISE(ABORT, 'held back'); END");
        int offered = 20;
        long inMemory;
        try (Connection lock = db.connect(); Statement st = lock.createStatement()) {
            st.execute("BEGIN IMMEDIATE"); // the database takes nothing
            DiskFullTest.breakDirectory(dir, away);
            for (int i = 0; i < 10; i++) store.onEvent(Events.settled(T0.plusMillis(i), "groq", FP_A, "m", i, 10));
            inMemory = store.health().memoryEvents();
            assertThat(inMemory).as("events held in memory (disk broken)").isPositive();
            DiskFullTest.repairDirectory(dir, away);
            for (int i = 10; i < offered; i++) store.onEvent(Events.settled(T0.plusMillis(i), "groq", FP_A, "m", i, 10));
            // the last events offered while the disk was broken are the ones in memory: hold them back
            for (long i = 10 - inMemory; i < 10; i++) st.execute("INSERT INTO held VALUES (" + i + ")");
            st.execute("COMMIT"); // the database works again
        }
        boolean flushed = store.flush(Duration.ofSeconds(5));
        long count = Events.count(db::connect, "SELECT COUNT(*) FROM keycycle_usage");
        assertThat(flushed).as("flush() returned %s while only %d of the %d events offered before it are committed", flushed, count, offered)
                .isEqualTo(count == offered);
        db.execute("DROP TRIGGER hold_back");
        assertThat(store.flush(Duration.ofSeconds(15))).isTrue();
        assertThat(Events.count(db::connect, "SELECT COUNT(*) FROM keycycle_usage")).isEqualTo(offered);
        store.close();
    }
}
