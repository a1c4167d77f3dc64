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

            // Checkpoints come at least 200 ms apart, so the last one seen right after the flush may
            // have copied the whole log as it stood before the last commits: the one after them
            // (scheduled by the last commit's nudge) is awaited, with the rows then in the file itself.
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                Checkpointer.Result last = checkpointer.last();
                assertThat(last).isNotNull();
                assertThat(last.logFrames()).isPositive();
                assertThat(last.checkpointedFrames()).as("the whole log copied into the file").isEqualTo(last.logFrames());
                assertThat(Files.size(file)).as("the rows are in the database file itself, not only in the log")
                        .isGreaterThan(1_000L * 4096);
            });
            assertThat(checkpointer.snapshot().failures()).isZero();
            WalCheckpoints seen = store.walCheckpoints();
            assertThat(seen.running()).isTrue();
            assertThat(seen.checkpoints()).isPositive();
            assertThat(seen.failures()).isZero();
            assertThat(seen.time()).isPositive();
            assertThat(seen.logFrames()).isEqualTo(checkpointer.last().logFrames());
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
     * checkpoint: without the RESTART step the log grows as long as the writes go on. With it, each
     * restart the writer runs starts the log over at its next transaction, which the log's header
     * shows: SQLite counts the times a log started over (its checkpoint sequence number).
     *
     * <p>How long the log grows between two restarts depends on timing (a passive checkpoint must
     * first see the threshold, and it copies and syncs while the writer goes on), so the bound the
     * test holds is the mechanism's, not a ratio of two runs' sizes: every restart started the log
     * over, and the passive-only log never did.
     */
    @Test
    void aWriterThatNeverPausesStillGetsItsLogStartedOver() throws Exception {
        Writes restarting = continuousWrites(dir.resolve("restart.db"), 256);
        Writes passiveOnly = continuousWrites(dir.resolve("passive-only.db"), Integer.MAX_VALUE);
        assertThat(passiveOnly.largest()).as("passive checkpoints only: the log keeps growing").isGreaterThan(4_000L * 4096);
        assertThat(passiveOnly.startedOver()).as("passive checkpoints only: the log never starts over").isZero();
        assertThat(restarting.restarts()).as("with RESTART at 256 frames: restarts run").isPositive();
        assertThat(restarting.startedOver()).as("every restart started the log over at the writer's next transaction")
                .isGreaterThanOrEqualTo(restarting.restarts());
        assertThat(restarting.largest()).as("with RESTART at 256 frames: the log stays shorter").isLessThan(passiveOnly.largest());
        // Each passive checkpoint waits the whole spacing after the commit that asked for it, even
        // though the writer's nudges during the previous one left the thread an unpark permit.
        assertThat(passiveOnly.passives() * Checkpointer.SPACING_MILLIS)
                .as("%d passive checkpoints in %d ms", passiveOnly.passives(), passiveOnly.millis())
                .isLessThanOrEqualTo(passiveOnly.millis());
    }

    /**
     * What a run of {@link #continuousWrites} saw: the largest WAL file, the times the log started
     * over, the restarts and the other (passive) checkpoints the checkpointer counted, and how long
     * its thread ran.
     */
    private record Writes(long largest, long startedOver, long restarts, long passives, long millis) { }

    /**
     * Writes 600 transactions of 200 rows back to back, as {@link BatchWriter} does (a restart when
     * wanted before each one, a nudge after it), with a checkpointer that restarts at
     * {@code restartFrames}; after each commit reads the WAL's size and its header's checkpoint
     * sequence number (bytes 12-15, big-endian), which SQLite raises each time the log starts over.
     */
    private static Writes continuousWrites(Path file, int restartFrames) throws Exception {
        String url = "jdbc:sqlite:" + file;
        java.util.Properties p = new java.util.Properties();
        p.setProperty("journal_mode", "WAL");
        p.setProperty("wal_autocheckpoint", "0");
        p.setProperty("busy_timeout", "10000");
        Path wal = Path.of(file + "-wal");
        long largest = 0;
        long startedOver = 0;
        Integer sequence = null;
        Checkpointer checkpointer = new Checkpointer(url, "test", restartFrames);
        long started = System.nanoTime();
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
                    largest = Math.max(largest, Files.size(wal));
                    int now = checkpointSequence(wal);
                    if (sequence != null && now != sequence) startedOver++;
                    sequence = now;
                }
            }
        } finally {
            checkpointer.close();
        }
        long millis = (System.nanoTime() - started) / 1_000_000;
        WalCheckpoints done = checkpointer.snapshot();
        assertThat(done.running()).isFalse();
        if (restartFrames == Integer.MAX_VALUE) assertThat(done.restarts()).isZero();
        assertThat(done.failures()).isZero();
        return new Writes(largest, startedOver, done.restarts(), done.checkpoints() - done.restarts(), millis);
    }

    /** The WAL header's checkpoint sequence number: raised by one each time the log starts over from its first frame. */
    private static int checkpointSequence(Path wal) throws java.io.IOException {
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(wal, java.nio.file.StandardOpenOption.READ)) {
            java.nio.ByteBuffer header = java.nio.ByteBuffer.allocate(16);
            while (header.hasRemaining() && ch.read(header, header.position()) > 0) { }
            assertThat(header.hasRemaining()).as("a WAL header after a commit").isFalse();
            return header.getInt(12);
        }
    }
}
