package io.keycycle.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;

import static io.keycycle.store.Events.FP_A;
import static io.keycycle.store.Events.FP_B;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** SQLite: the writer's commits never copy the WAL back into the file; the checkpointer's thread does. */
class CheckpointTest {

    private static final Instant T0 = Instant.parse("2026-03-01T12:00:00Z");

    @TempDir Path dir;

    @Test
    void theWritersConnectionsDoNotCheckpointAndTheCheckpointerCopiesTheWholeLog() throws Exception {
        Path file = dir.resolve("cp.db");
        try (KeycycleStore store = KeycycleStore.open(StoreConfig.builder("jdbc:sqlite:" + file).shutdownHook(false).build())) {
            try (Connection c = store.dataSource().getConnection(); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("PRAGMA wal_autocheckpoint")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getInt(1)).as("pooled connections leave checkpoints to the checkpointer").isZero();
            }
            Checkpointer checkpointer = store.checkpointer();
            assertThat(checkpointer).isNotNull();
            assertThat(checkpointer.snapshot().checkpoints()).as("idle: no checkpoint without a commit").isZero();

            // Enough rows for well over SQLite's default of 1,000 WAL pages between checkpoints.
            int n = 30_000;
            for (int i = 0; i < n; i++) {
                store.onEvent(Events.settled(T0.plusMillis(i * 37L), "groq", i % 2 == 0 ? FP_A : FP_B, "llama-3.3-70b-versatile", i, 1_000 + i));
            }
            assertThat(store.flush(Duration.ofSeconds(30))).isTrue();

            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                Checkpointer.Result last = checkpointer.last();
                assertThat(last).isNotNull();
                assertThat(last.logFrames()).isPositive();
                assertThat(last.checkpointedFrames()).as("the whole log copied into the file").isEqualTo(last.logFrames());
            });
            assertThat(checkpointer.snapshot().failures()).isZero();
            WalCheckpoints seen = store.walCheckpoints();
            assertThat(seen.running()).isTrue();
            assertThat(seen.checkpoints()).isPositive();
            assertThat(seen.failures()).isZero();
            assertThat(seen.time()).isPositive();
            assertThat(seen.logFrames()).isEqualTo(checkpointer.last().logFrames());
            // The rows are in the database file itself, not only in the log.
            assertThat(Files.size(file)).isGreaterThan(1_000L * 4096);
            assertThat(Events.count(() -> java.sql.DriverManager.getConnection("jdbc:sqlite:" + file),
                    "SELECT COUNT(*) FROM keycycle_usage")).isEqualTo(n);
        }
        assertThat(Files.exists(dir.resolve("cp.db-wal")) ? Files.size(dir.resolve("cp.db-wal")) : 0L)
                .as("the last connection's close checkpoints and removes the log").isZero();
    }

    /**
     * Whatever is thrown on the checkpointer's thread (here an Error while opening its connection,
     * as a broken driver or an exhausted heap would throw), the thread is not lost: the failure is
     * counted and the next commit's checkpoint runs. A dead thread would let the log grow until close.
     */
    @Test
    void anErrorOnTheCheckpointersThreadIsCountedAndTheNextCheckpointRuns() throws Exception {
        Path file = dir.resolve("error.db");
        String url = "jdbc:sqlite:" + file;
        java.util.concurrent.atomic.AtomicInteger opens = new java.util.concurrent.atomic.AtomicInteger();
        Checkpointer checkpointer = new Checkpointer(() -> {
            if (opens.incrementAndGet() == 1) throw new LinkageError("the driver could not be loaded (a test's first open)");
            return java.sql.DriverManager.getConnection(url);
        }, "test", Checkpointer.RESTART_FRAMES);
        checkpointer.start();
        try (Connection c = java.sql.DriverManager.getConnection(url); Statement s = c.createStatement()) {
            s.execute("PRAGMA journal_mode=WAL");
            s.execute("PRAGMA wal_autocheckpoint=0");
            s.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
            s.execute("INSERT INTO t (v) VALUES ('first')");
            checkpointer.nudge();
            await().atMost(Duration.ofSeconds(10)).until(() -> checkpointer.snapshot().failures() == 1);
            assertThat(checkpointer.snapshot().running()).as("the thread survived the error").isTrue();
            assertThat(checkpointer.snapshot().checkpoints()).isZero();
            s.execute("INSERT INTO t (v) VALUES ('second')");
            checkpointer.nudge();
            await().atMost(Duration.ofSeconds(10)).until(() -> checkpointer.snapshot().checkpoints() == 1);
            assertThat(checkpointer.last().checkpointedFrames()).isEqualTo(checkpointer.last().logFrames()).isPositive();
        } finally {
            checkpointer.close();
        }
        assertThat(checkpointer.snapshot().running()).isFalse();
        assertThat(checkpointer.snapshot().failures()).isEqualTo(1);
    }

    @Test
    void aReaderHoldsTheCopyBackWithoutBlockingAnyoneAndTheLogIsCopiedOnceItIsGone() throws Exception {
        Path file = dir.resolve("reader.db");
        try (KeycycleStore store = KeycycleStore.open(StoreConfig.builder("jdbc:sqlite:" + file).shutdownHook(false).build());
             Connection reader = java.sql.DriverManager.getConnection("jdbc:sqlite:" + file)) {
            // A reader holding a snapshot keeps a passive checkpoint from copying past it, but neither blocks the writer.
            reader.setAutoCommit(false);
            try (Statement s = reader.createStatement(); ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM keycycle_usage")) {
                assertThat(rs.next()).isTrue();
            }
            int n = 5_000;
            for (int i = 0; i < n; i++) {
                store.onEvent(Events.settled(T0.plusMillis(i * 37L), "groq", FP_A, "m", i, 10));
            }
            assertThat(store.flush(Duration.ofSeconds(30))).isTrue();
            await().atMost(Duration.ofSeconds(10)).until(() -> store.checkpointer().snapshot().checkpoints() > 0);
            Checkpointer.Result held = store.checkpointer().last();
            assertThat(held.checkpointedFrames()).as("frames after the reader's snapshot stay in the log").isLessThan(held.logFrames());
            reader.rollback();
            assertThat(store.health().eventsSpilled()).isZero();
            // Once the reader is gone, the next commit's checkpoint copies the whole log.
            store.onEvent(Events.settled(T0.plusSeconds(3600), "groq", FP_A, "m", n, 10));
            assertThat(store.flush(Duration.ofSeconds(10))).isTrue();
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                Checkpointer.Result last = store.checkpointer().last();
                assertThat(last.checkpointedFrames()).isEqualTo(last.logFrames());
            });
        }
    }
    /**
     * A writer that never pauses leaves no moment at which the log can start over after a passive
     * checkpoint: without the RESTART step the log grows as long as the writes go on.
     */
    @Test
    void aWriterThatNeverPausesStillGetsItsLogStartedOver() throws Exception {
        long bounded = continuousWrites(dir.resolve("restart.db"), 256);
        long unbounded = continuousWrites(dir.resolve("passive-only.db"), Integer.MAX_VALUE);
        assertThat(unbounded).as("passive checkpoints only: the log keeps growing").isGreaterThan(4_000L * 4096);
        assertThat(bounded).as("with RESTART at 256 frames").isLessThan(unbounded / 4);
    }

    /**
     * Writes 600 transactions of 200 rows back to back, as {@link BatchWriter} does (a restart when
     * wanted before each one, a nudge after it), with a checkpointer that restarts at
     * {@code restartFrames}; returns the largest WAL file seen.
     */
    private static long continuousWrites(Path file, int restartFrames) throws Exception {
        String url = "jdbc:sqlite:" + file;
        java.util.Properties p = new java.util.Properties();
        p.setProperty("journal_mode", "WAL");
        p.setProperty("wal_autocheckpoint", "0");
        p.setProperty("busy_timeout", "10000");
        Path wal = Path.of(file + "-wal");
        long largest = 0;
        Checkpointer checkpointer = new Checkpointer(url, "test", restartFrames);
        checkpointer.start();
        try (Connection c = java.sql.DriverManager.getConnection(url, p); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, k TEXT, v BLOB)");
            s.execute("CREATE INDEX t_k ON t (k)");
            java.util.Random random = new java.util.Random(7);
            try (java.sql.PreparedStatement ps = c.prepareStatement("INSERT INTO t (k, v) VALUES (?, ?)")) {
                for (int tx = 0; tx < 600; tx++) {
                    checkpointer.beforeTransaction(c); // outside a transaction, as in BatchWriter
                    c.setAutoCommit(false);
                    for (int i = 0; i < 200; i++) {
                        ps.setString(1, Long.toHexString(random.nextLong())); // random index pages, as events spread over a day
                        ps.setBytes(2, new byte[64]);
                        ps.addBatch();
                    }
                    ps.executeBatch();
                    c.commit();
                    c.setAutoCommit(true);
                    checkpointer.nudge();
                    if (Files.exists(wal)) largest = Math.max(largest, Files.size(wal));
                }
            }
        } finally {
            checkpointer.close();
        }
        if (restartFrames < Integer.MAX_VALUE) assertThat(checkpointer.snapshot().restarts()).isPositive();
        else assertThat(checkpointer.snapshot().restarts()).isZero();
        assertThat(checkpointer.snapshot().failures()).isZero();
        return largest;
    }
}
