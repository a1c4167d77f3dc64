package io.keycycle.store;

import io.keycycle.core.EngineClock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Applies the {@link Retention} on a schedule of its own, on its own thread and pooled connection,
 * never through the writer: each DELETE removes at most {@code batchRows} rows (a short transaction)
 * and the pruner pauses between statements, so the writer's batches interleave with it instead of
 * waiting behind one long delete.
 */
final class Pruner implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Pruner.class);

    /** What one run deleted. */
    record Result(Instant at, long rawRows, long aggregateRows, long historyRows, int statements) { }

    private final DataSource dataSource;
    private final Dialect dialect;
    private final Retention retention;
    private final EngineClock clock;
    private final String where;
    private final AtomicBoolean closed = new AtomicBoolean();
    private ScheduledExecutorService scheduler;
    private volatile Result last;

    /** Called after a run that deleted rows (SQLite: schedules a WAL checkpoint). */
    private final Runnable afterWrite;

    Pruner(DataSource dataSource, Dialect dialect, Retention retention, EngineClock clock, String where, Runnable afterWrite) {
        this.afterWrite = afterWrite;
        this.dataSource = dataSource;
        this.dialect = dialect;
        this.retention = retention;
        this.clock = clock;
        this.where = where;
    }

    /** Starts the schedule (first run one minute from now) unless the retention keeps everything. */
    void start() {
        if (!retention.prunes()) return;
        scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "keycycle-store-retention");
            t.setDaemon(true);
            t.setPriority(Thread.MIN_PRIORITY);
            return t;
        });
        long every = retention.every().toMillis();
        scheduler.scheduleWithFixedDelay(this::scheduledRun, Math.min(60_000L, every), every, TimeUnit.MILLISECONDS);
    }

    private void scheduledRun() {
        try {
            Result r = run();
            if (r.rawRows() + r.aggregateRows() + r.historyRows() > 0) {
                LOG.info("store {}: retention ({}) deleted {} raw usage rows, {} aggregate rows, {} state-history rows in {} statements",
                        where, retention, r.rawRows(), r.aggregateRows(), r.historyRows(), r.statements());
            }
        } catch (SQLException | RuntimeException e) {
            LOG.warn("store {}: retention run failed (retried at the next run): {}", where, DatabaseUrl.redact(String.valueOf(e.getMessage())));
        }
    }

    /** One pruning run now, on the calling thread. */
    Result run() throws SQLException {
        long now = clock.millis();
        long raw = 0, aggregates = 0, history = 0;
        int[] statements = {0};
        if (!retention.rawUsage().isZero()) {
            raw = deleteInBatches("keycycle_usage", "ts", now - retention.rawUsage().toMillis(), statements);
            raw += deleteInBatches("keycycle_fallback", "ts", now - retention.rawUsage().toMillis(), statements);
        }
        if (!retention.aggregates().isZero()) {
            long cutoff = Math.floorDiv(now - retention.aggregates().toMillis(), 60_000L) * 60_000L;
            aggregates += deleteInBatches("keycycle_usage_minute", "minute", cutoff, statements);
            aggregates += deleteInBatches("keycycle_outcome_minute", "minute", cutoff, statements);
            history = deleteInBatches("keycycle_state_history", "at_ms", now - retention.aggregates().toMillis(), statements);
        }
        Result r = new Result(Instant.ofEpochMilli(now), raw, aggregates, history, statements[0]);
        if (raw + aggregates + history > 0) afterWrite.run();
        last = r;
        return r;
    }

    /** The last run's result, or null before the first. */
    Result last() { return last; }

    private long deleteInBatches(String table, String column, long cutoff, int[] statements) throws SQLException {
        String sql = dialect.deleteOlder(table, column, retention.batchRows());
        long total = 0;
        int n;
        do {
            if (closed.get()) return total;
            try (Connection c = dataSource.getConnection()) {
                c.setAutoCommit(true);
                try (PreparedStatement ps = c.prepareStatement(sql)) {
                    ps.setLong(1, cutoff);
                    n = ps.executeUpdate();
                }
            }
            statements[0]++;
            total += n;
            if (n >= retention.batchRows()) pause();
        } while (n >= retention.batchRows());
        return total;
    }

    private void pause() {
        long ms = retention.pause().toMillis();
        if (ms <= 0) return;
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closed.set(true);
        }
    }

    @Override
    public void close() {
        closed.set(true);
        if (scheduler != null) {
            scheduler.shutdownNow();
            try {
                scheduler.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
