package io.keycycle.store;

import io.keycycle.store.testing.DatabaseTest;
import io.keycycle.store.testing.TestDatabase;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

import static io.keycycle.store.Events.FP_A;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The database fails a batch while the journal cannot be written: the writer drains the whole queue
 * into its batch and keeps it in memory. Once the database works again (the disk still broken) that
 * batch must reach the database. Until 2026-12-03 it was retried as one transaction, which takes at
 * most 500 events: with more it never reached the database while the disk stayed broken, and was
 * lost at close.
 */
class HeldBatchTest {

    private static final Instant T0 = Instant.parse("2026-03-01T12:00:00Z");

    @DatabaseTest(TestDatabase.Kind.SQLITE)
    void aBatchHeldInMemoryAfterAFailedJournalWriteReachesTheDatabaseOnceItIsBack(TestDatabase db) throws Exception {
        Path dir = db.workDir().resolve("journal");
        Path away = db.workDir().resolve("journal-away");
        KeycycleStore store = db.open(db.config().connectionTimeout(Duration.ofSeconds(5)).queueCapacity(1_000).batchSize(2)
                .build());
        int offered = 600;
        try (AutoCloseable lock = db.holdWriteLock()) {
            DiskFullTest.breakDirectory(dir, away);
            for (int i = 0; i < offered; i++) store.onEvent(Events.settled(T0.plusMillis(i), "groq", FP_A, "m", i, 10));
            Thread.sleep(5_000); // the first batch waits out SQLite's busy timeout (3 s) and fails
            assertThat(store.health().lastError()).contains("cannot write the journal");
        }
        // The database takes writes again; the disk does not. Nothing was dropped (eventsLost 0).
        assertThat(store.health().eventsLost()).isZero();
        boolean flushed = store.flush(Duration.ofSeconds(15));
        assertThat(flushed).as("every kept event written once the database is back: %s", store.health()).isTrue();
        assertThat(Events.count(db::connect, "SELECT COUNT(*) FROM keycycle_usage")).isEqualTo(offered);
        DiskFullTest.repairDirectory(dir, away);
        store.close();
    }
}
