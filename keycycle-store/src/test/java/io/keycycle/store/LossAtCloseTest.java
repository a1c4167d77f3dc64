package io.keycycle.store;

import io.keycycle.store.testing.DatabaseTest;
import io.keycycle.store.testing.TestDatabase;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

import static io.keycycle.store.Events.FP_A;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The store closes while neither the database nor the disk takes anything. Every event offered must
 * be accounted for: either counted in {@code eventsLost} or in the database after the next start
 * (from the write-ahead files). Until 2026-12-03 the journal write at close failed with a log line
 * naming no number, the events held in memory were not counted, and the writer's own batch was
 * counted lost even when the write-ahead files kept it for the next start.
 */
class LossAtCloseTest {

    private static final Instant T0 = Instant.parse("2026-03-01T12:00:00Z");
    private static final int OFFERED = 30;

    /** The write-ahead file was open before the disk broke: queued events are in it, only memory's are lost. */
    @DatabaseTest(TestDatabase.Kind.SQLITE)
    void withTheWriteAheadFileWorkingOnlyTheEventsHeldInMemoryAreLost(TestDatabase db) throws Exception {
        everyEventIsCountedLostOrDeliveredAtTheNextStart(db, true);
    }

    /** Nothing reached any file: every event not in the database is lost, and counted once. */
    @DatabaseTest(TestDatabase.Kind.SQLITE)
    void withNoFileWorkingEveryEventIsCountedLostOnce(TestDatabase db) throws Exception {
        everyEventIsCountedLostOrDeliveredAtTheNextStart(db, false);
    }

    private static void everyEventIsCountedLostOrDeliveredAtTheNextStart(TestDatabase db, boolean writeAheadOpen) throws Exception {
        Path dir = db.workDir().resolve("journal");
        Path away = db.workDir().resolve("journal-away");
        KeycycleStore store = db.open(db.config().connectionTimeout(Duration.ofSeconds(5)).queueCapacity(4).batchSize(2)
                .overflowCapacity(20).build());
        StoreHealth before;
        try (AutoCloseable lock = db.holdWriteLock()) {
            int i = 0;
            // This thread's write-ahead file is created by its first event; a moved directory keeps it writable.
            if (writeAheadOpen) store.onEvent(Events.settled(T0.plusMillis(i), "groq", FP_A, "m", i++, 10));
            DiskFullTest.breakDirectory(dir, away);
            for (; i < OFFERED; i++) store.onEvent(Events.settled(T0.plusMillis(i), "groq", FP_A, "m", i, 10));
            before = store.health();
            assertThat(before.memoryEvents()).as("events held in memory: %s", before).isPositive();
            store.close(Duration.ofMillis(500));
        } finally {
            DiskFullTest.repairDirectory(dir, away);
        }
        StoreHealth after = store.health();
        long lost = after.eventsLost();
        assertThat(lost).as("held in memory only before close: %s", before).isGreaterThanOrEqualTo(before.eventsLost() + before.memoryEvents());
        try (KeycycleStore next = db.open(db.config().build())) {
            assertThat(next.flush(Duration.ofSeconds(15))).isTrue();
            long delivered = Events.count(db::connect, "SELECT COUNT(*) FROM keycycle_usage");
            assertThat(lost + delivered).as("lost %d + delivered at the next start %d", lost, delivered).isEqualTo(OFFERED);
            if (writeAheadOpen) assertThat(delivered).isPositive();
        }
    }
}
