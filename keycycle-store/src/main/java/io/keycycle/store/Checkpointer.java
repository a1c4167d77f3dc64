package io.keycycle.store;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * SQLite only: copies the write-ahead log (WAL) back into the database file on a thread of its own,
 * so that the writer's commits do not.
 *
 * <p>By default SQLite checkpoints inside the commit that takes the WAL past 1,000 pages: that
 * commit copies the pages into the database file and waits for two {@code fsync}s. Measured in the
 * gateway at ~16,000 events/s, such commits took 60–620 ms every few seconds (against ~1 ms for the
 * others), and one of 620 ms let the writer's queue (10,000 events) fill and spill to the journal.
 * The pool's connections therefore run with {@code wal_autocheckpoint=0}, and this thread, woken by
 * the writer after a commit ({@link #nudge}), waits {@link #SPACING_MILLIS} for more pages to gather
 * and then runs {@code PRAGMA wal_checkpoint(PASSIVE)} on a connection of its own, outside the pool.
 * A passive checkpoint takes no lock a writer waits for: the writer goes on committing while the
 * pages are copied and synced (the same loop: checkpoints of up to 1.7 s on this thread, no commit
 * over 20 ms).
 *
 * <p>When a checkpoint has copied the whole log, the next write transaction starts the log over
 * from its beginning. A writer that never pauses (a bulk import, the replay of a long journal)
 * leaves no such moment and the log would grow without bound, making every read look through it
 * (hydrating a day of events right after writing it took 3.0–3.2 s instead of 1.4–1.9 s). So once a
 * passive checkpoint finds {@link #RESTART_FRAMES} frames in the log, the writer itself, before its
 * next transaction ({@link #beforeTransaction}), runs a {@code RESTART} checkpoint: it waits (at
 * most SQLite's busy timeout) for readers of older snapshots, copies what the passive one left,
 * syncs, and its own transaction then starts the log over. A checkpoint
 * thread cannot do that step for it: it would have to catch the write lock in the microseconds
 * between two of a busy writer's transactions. SQLite lets one checkpoint run at a time and does
 * not wait for that lock: a restart that meets a passive checkpoint under way copies nothing and is
 * tried again before the writer's next transaction (it is not counted; nor is a passive checkpoint
 * that meets the writer's restart).
 *
 * <p>Idle, the thread is parked: no wake-ups without writes. A checkpoint that fails (a locked or
 * vanished file, or any error thrown on this thread) is logged, counted and retried after the next
 * commit: the thread keeps running, since without it the log would grow until the store closes.
 * SQLite's own checkpoint when the last connection closes still runs at {@link KeycycleStore#close}.
 * The counts are in {@link KeycycleStore#walCheckpoints()} and the gateway's metrics.
 */
final class Checkpointer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Checkpointer.class);
    /** Pages gather this long after a commit before a checkpoint copies them. */
    static final long SPACING_MILLIS = 200;
    /** A log this long (64 MiB of 4-KiB pages) is started over by the writer, which then waits for the sync. */
    static final int RESTART_FRAMES = 16_384;

    /** What one checkpoint reported: frames in the log and frames copied into the database file. */
    record Result(String mode, int logFrames, int checkpointedFrames, boolean busy, long nanos) {
        /**
         * SQLite's answer when another connection's checkpoint holds the checkpoint lock: busy, and
         * -1 for both counts. Nothing was copied; the busy handler is not called for that lock.
         */
        boolean ran() { return logFrames >= 0; }
    }

    /** Opens the checkpointer's own connection (DriverManager's, outside the pool). */
    @FunctionalInterface
    interface Opener {
        Connection open() throws SQLException;
    }

    private final Opener opener;
    private final int restartFrames;
    private final String where;
    private final Thread thread;
    private final AtomicLong checkpoints = new AtomicLong();
    private final AtomicLong restarts = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private final AtomicLong nanos = new AtomicLong();
    private volatile boolean pending;
    private volatile boolean restartWanted;
    private volatile boolean closed;
    private volatile Result last;
    private Connection connection; // only the checkpointer thread uses it

    Checkpointer(String jdbcUrl, String where) { this(jdbcUrl, where, RESTART_FRAMES); }

    Checkpointer(String jdbcUrl, String where, int restartFrames) {
        this(() -> DriverManager.getConnection(jdbcUrl), where, restartFrames);
    }

    Checkpointer(Opener opener, String where, int restartFrames) {
        this.opener = opener;
        this.where = where;
        this.restartFrames = restartFrames;
        this.thread = new Thread(this::run, "keycycle-store-checkpoint");
        this.thread.setDaemon(true);
    }

    void start() { thread.start(); }

    /** After a commit: schedule a passive checkpoint. A volatile read when one is already scheduled. */
    void nudge() {
        if (pending) return;
        pending = true;
        LockSupport.unpark(thread);
    }

    /**
     * On the writer's thread, with its connection, outside a transaction: starts the log over when
     * it has grown to {@link #RESTART_FRAMES} (rare: a volatile read otherwise). Never throws. A
     * restart that found this object's passive checkpoint under way (SQLite does not wait for the
     * checkpoint lock) is tried again before the next transaction; one that failed, or that waited
     * the busy timeout for a reader of an old snapshot, after the next passive checkpoint.
     */
    void beforeTransaction(Connection c) {
        if (!restartWanted) return;
        restartWanted = false;
        Result r = run(c, "RESTART");
        if (r == null) return;
        if (!r.ran()) restartWanted = true;
        else if (!r.busy()) restarts.incrementAndGet();
    }

    /** The last checkpoint's report, or null before the first. */
    Result last() { return last; }

    /** The counts so far, for health and metrics. */
    WalCheckpoints snapshot() {
        Result r = last;
        return new WalCheckpoints(thread.isAlive() && !closed, checkpoints.get(), restarts.get(), failures.get(),
                Duration.ofNanos(nanos.get()), r == null ? 0 : r.logFrames());
    }

    private void run() {
        while (!closed) {
            try {
                step();
            } catch (Throwable t) { // an Error too: a dead checkpointer would let the log grow until close
                failed(t);
                LockSupport.parkNanos(this, TimeUnit.SECONDS.toNanos(1)); // not a hot loop if it repeats
            }
        }
        closeConnection();
    }

    private void step() {
        if (!pending) {
            LockSupport.park(this);
            return;
        }
        // The whole spacing, even though a nudge during the last checkpoint left the thread a permit
        // that ends the first park at once: without the loop a busy writer's checkpoints (each with
        // its fsync) would run back to back.
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(SPACING_MILLIS);
        for (long left; !closed && (left = deadline - System.nanoTime()) > 0; ) LockSupport.parkNanos(this, left);
        if (closed) return;
        pending = false; // a commit from here on schedules the next one
        Result r = passive();
        // Frames a reader's snapshot held back are copied after the next commit (or at close).
        if (r != null && r.logFrames() >= restartFrames) restartWanted = true;
    }

    /** One passive checkpoint now, on this object's own connection; null if it failed. */
    Result passive() {
        try {
            if (connection == null || connection.isClosed()) connection = opener.open();
        } catch (SQLException e) {
            failed(e);
            return null;
        }
        Result r = run(connection, "PASSIVE");
        if (r == null) closeConnection();
        return r;
    }

    private Result run(Connection c, String mode) {
        long t0 = System.nanoTime();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("PRAGMA wal_checkpoint(" + mode + ")")) {
            if (!rs.next()) return null;
            Result r = new Result(mode, rs.getInt(2), rs.getInt(3), rs.getInt(1) != 0, System.nanoTime() - t0);
            if (!r.ran()) return r; // the other side's checkpoint holds the lock: neither counted nor reported as the last
            last = r;
            nanos.addAndGet(r.nanos());
            checkpoints.incrementAndGet();
            return r;
        } catch (SQLException | RuntimeException e) {
            failed(e);
            return null;
        }
    }

    private void failed(Throwable e) {
        long n = failures.incrementAndGet();
        if (n == 1 || n % 100 == 0) {
            LOG.warn("store {}: WAL checkpoint failed ({} so far; retried after the next commit): {}",
                    where, n, DatabaseUrl.redact(e.getClass().getSimpleName() + ": " + e.getMessage()));
        }
    }

    private void closeConnection() {
        if (connection == null) return;
        try {
            connection.close();
        } catch (SQLException ignored) {
            // the file is gone or locked; nothing to release beyond the handle
        }
        connection = null;
    }

    /** Stops the thread; a checkpoint under way finishes first, for at most five seconds. */
    @Override
    public void close() { close(5_000); }

    void close(long timeoutMillis) {
        closed = true;
        LockSupport.unpark(thread);
        try {
            thread.join(Math.max(1, timeoutMillis));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
