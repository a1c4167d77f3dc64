package io.keycycle.store;

import io.keycycle.store.testing.DatabaseTest;
import io.keycycle.store.testing.TestDatabase;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.stream.LongStream;

import static io.keycycle.store.Events.FP_A;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A disk that takes nothing (the journal directory becomes unwritable: here its path turns into a
 * plain file, which stops even root from creating files in it) while the database takes nothing
 * either. The events wait in memory, but only up to {@code overflowCapacity}; from half of it the
 * store says it is full; once the disk and the database work again every event it kept reaches
 * the database exactly once and the store is no longer full.
 */
class DiskFullTest {

    private static final Instant T0 = Instant.parse("2026-03-01T12:00:00Z");

    /** The journal directory's path becomes a file: nothing can be created in it, as root too. */
    static void breakDirectory(Path dir, Path away) throws IOException {
        Files.move(dir, away);
        Files.writeString(dir, "not a directory");
    }

    static void repairDirectory(Path dir, Path away) throws IOException {
        Files.delete(dir);
        Files.move(away, dir);
    }

    @DatabaseTest(TestDatabase.Kind.SQLITE)
    void withNeitherDiskNorDatabaseMemoryIsBoundedTheStoreSaysFullAndNothingKeptIsLost(TestDatabase db) throws Exception {
        Path dir = db.workDir().resolve("journal");
        Path away = db.workDir().resolve("journal-away");
        KeycycleStore store = db.open(db.config().connectionTimeout(Duration.ofSeconds(5)).queueCapacity(4).batchSize(2)
                .overflowCapacity(20).build());
        int offered = 60;
        StoreHealth during;
        try (AutoCloseable lock = db.holdWriteLock()) {
            breakDirectory(dir, away);
            for (int i = 0; i < offered; i++) store.onEvent(Events.settled(T0.plusMillis(i), "groq", FP_A, "m", i, 10));
            during = store.health();
            assertThat(during.memoryEvents()).as("held in memory, bounded").isEqualTo(20);
            assertThat(during.memoryCapacity()).isEqualTo(20);
            assertThat(during.full()).isTrue();
            assertThat(store.full()).isTrue();
            assertThat(during.healthy()).isFalse();
            assertThat(during.eventsLost()).as("beyond the bound").isPositive();
            assertThat(during.lastError()).contains("journal append failed");
            repairDirectory(dir, away);
        }
        assertThat(store.flush(Duration.ofSeconds(30))).isTrue();
        long kept = offered - during.eventsLost();
        // the events dropped are the last ones offered; every one kept is in the database once
        assertThat(Events.longs(db::connect, "SELECT prompt_tokens FROM keycycle_usage ORDER BY prompt_tokens"))
                .containsExactlyElementsOf(LongStream.range(0, kept).boxed().toList());
        StoreHealth after = store.health();
        assertThat(after.full()).isFalse();
        assertThat(store.full()).isFalse();
        assertThat(after.memoryEvents()).isZero();
        // and the store goes on
        store.onEvent(Events.settled(T0.plusSeconds(60), "groq", FP_A, "m", 1000, 10));
        assertThat(store.flush(Duration.ofSeconds(10))).isTrue();
        assertThat(Events.count(db::connect, "SELECT COUNT(*) FROM keycycle_usage")).isEqualTo(kept + 1);
    }
}
