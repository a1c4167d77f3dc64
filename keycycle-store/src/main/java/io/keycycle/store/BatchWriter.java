package io.keycycle.store;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes one batch in one transaction, exactly once: usage rows whose event id is already in
 * the table (a replay after a commit whose acknowledgement was lost) are skipped, and only the
 * rows really inserted are added to the per-minute aggregate. The insert itself detects them (its
 * row count falls short); only then is the batch redone with a look-up of the ids first. State rows are upserted newest-wins.
 */
final class BatchWriter {

    /** What a committed batch did. */
    record Result(int inserted, int duplicates, int states) { }

    private final DataSource dataSource;
    private final Dialect dialect;
    /** Statements kept per physical connection (see {@link #prepared}). */
    private final Map<Connection, Map<String, PreparedStatement>> prepared = new HashMap<>();

    /** SQLite: told of each commit, and may start the WAL over before a transaction; null otherwise. */
    private final Checkpointer checkpointer;

    BatchWriter(DataSource dataSource, Dialect dialect) { this(dataSource, dialect, null); }

    BatchWriter(DataSource dataSource, Dialect dialect, Checkpointer checkpointer) {
        this.dataSource = dataSource;
        this.dialect = dialect;
        this.checkpointer = checkpointer;
    }

    /** Attempts at a batch whose transaction lost a lock conflict before the failure goes to the caller. */
    static final int CONFLICT_ATTEMPTS = 3;

    /**
     * Writes {@code batch} in one transaction. One that another transaction on the same rows made
     * the database give up (a deadlock, a write conflict: nothing of it was committed) is run again
     * at once, up to {@value #CONFLICT_ATTEMPTS} times in all: on a database
     * that several processes write (a cluster sharing one TiDB) that is a matter of milliseconds,
     * where the caller's way with a failure (the journal, a backoff) would take seconds.
     */
    Result write(List<? extends StoredEvent> batch) throws SQLException {
        for (int attempt = 1; ; attempt++) {
            try {
                return writeOnce(batch);
            } catch (SQLException e) {
                if (attempt >= CONFLICT_ATTEMPTS || !lostLockConflict(e)) throw e;
            }
        }
    }

    /**
     * The database gave up a transaction at once because another held rows it needed: a deadlock or
     * serialization failure (SQL state 40001, MySQL 1213), TiDB's write conflict (9007). Not a lock
     * wait timeout (MySQL 1205, also state 40001): the other has held the rows for the whole timeout
     * (50 s by default), and waiting as long again at once would only hold the writer up.
     */
    static boolean lostLockConflict(SQLException e) {
        if (e.getErrorCode() == 1205) return false;
        return "40001".equals(e.getSQLState()) || e.getErrorCode() == 1213 || e.getErrorCode() == 9007;
    }

    private Result writeOnce(List<? extends StoredEvent> batch) throws SQLException {
        if (batch.size() > StoreConfig.MAX_BATCH) throw new IllegalArgumentException("batch of " + batch.size() + " > " + StoreConfig.MAX_BATCH);
        List<StoredEvent.Usage> usage = new ArrayList<>();
        Map<List<String>, StoredEvent.State> states = new HashMap<>();
        List<StoredEvent.State> history = new ArrayList<>();
        List<StoredEvent.Fallback> fallbacks = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        int duplicates = 0;
        for (StoredEvent e : batch) {
            if (e instanceof StoredEvent.Usage u) {
                if (ids.add(u.eventId())) usage.add(u); else duplicates++;
            } else if (e instanceof StoredEvent.Fallback f) {
                if (ids.add(f.eventId())) fallbacks.add(f);
            } else if (e instanceof StoredEvent.State s) {
                if (ids.add(s.eventId())) history.add(s);
                StoredEvent.State previous = states.get(key(s));
                // the newest by event time, as the upsert does across batches
                if (previous == null || s.updatedAt() >= previous.updatedAt()) states.put(key(s), s);
            }
        }
        try (Connection c = dataSource.getConnection()) {
            if (c == null) throw new java.sql.SQLTransientConnectionException("the pool returned no connection");
            if (checkpointer != null) checkpointer.beforeTransaction(c);
            c.setAutoCommit(false);
            try {
                // The insert skips event ids already present (ON CONFLICT DO NOTHING / INSERT IGNORE) and
                // reports how many rows it added. When that is all of them, as on every batch but a replay
                // after a commit whose acknowledgement was lost, these rows are the ones to aggregate.
                List<StoredEvent.Usage> fresh = usage;
                if (insertUsage(c, usage) != usage.size()) {
                    // Some were there already: which ones is asked before inserting, in a new transaction.
                    c.rollback();
                    Set<String> existing = existing(c, usage);
                    fresh = new ArrayList<>(usage.size());
                    for (StoredEvent.Usage u : usage) if (!existing.contains(u.eventId())) fresh.add(u);
                    insertUsage(c, fresh);
                }
                duplicates += usage.size() - fresh.size();
                upsertMinutes(c, fresh);
                upsertOutcomeMinutes(c, fresh);
                List<StoredEvent.State> current = new ArrayList<>(states.values());
                current.sort(STATE_ORDER); // in key order, as the sums
                upsertStates(c, current);
                insertStateHistory(c, history);
                insertFallbacks(c, fallbacks);
                c.commit();
                if (checkpointer != null) checkpointer.nudge();
                return new Result(fresh.size(), duplicates, states.size());
            } catch (SQLException | RuntimeException e) {
                try { c.rollback(); } catch (SQLException suppressed) { e.addSuppressed(suppressed); }
                throw e;
            }
        }
    }

    /**
     * SQLite's rows are written by this thread's own CPU, in native code: a batch of 500 usage rows
     * is ~5 ms of it. On a machine whose cores the gateway's event loops keep busy, the kernel lets a
     * thread that has just woken run a whole time slice (measured: neither {@code nice 10} nor
     * {@code SCHED_IDLE} shortened the wait), so an event loop that shares the core waited that long,
     * and the 4-connection p99 carried it: 2.5–3.4 ms with the store against 1.1–1.6 ms with a writer
     * that did no database work ({@code results/session13}). Hence a statement's rows are executed
     * {@value #SLICE_ROWS} at a time, in the same transaction, with the core offered back in
     * between ({@link Thread#yield}: when nothing waits for it, it returns at once).
     */
    static final int SLICE_ROWS = 32;

    /** Binds one row from parameter {@code p} (1 for a single-row statement, further on in a multi-row one); returns the next parameter. */
    private interface RowBinder<T> {
        int bind(PreparedStatement ps, int p, T row) throws SQLException;
    }

    /** Runs the single-row {@code ps} once per row as JDBC batches of {@link #SLICE_ROWS}, yielding between them; returns the rows changed. */
    private static <T> int inSlices(PreparedStatement ps, Iterable<T> rows, RowBinder<T> binder) throws SQLException {
        int changed = 0;
        int pending = 0;
        try {
            for (T row : rows) {
                binder.bind(ps, 1, row);
                ps.addBatch();
                if (++pending == SLICE_ROWS) {
                    for (int n : ps.executeBatch()) changed += n;
                    pending = 0;
                    Thread.yield();
                }
            }
            if (pending > 0) for (int n : ps.executeBatch()) changed += n;
            return changed;
        } finally {
            ps.clearBatch();
        }
    }

    /**
     * The rows a multi-row statement is written for when it carries {@code rows} real ones: the next
     * power of two up to {@value #SHAPE_STEP}, then the next multiple of it. A connection thus
     * prepares at most a few dozen statements per table, each once, and keeps them
     * ({@link #prepared}): a statement per distinct row count made the MySQL family's server
     * prepare (and the driver describe) a new statement of thousands of parameters on most batches,
     * and closing one cleared them all.
     */
    static int shape(int rows) {
        if (rows < 1) throw new IllegalArgumentException("rows " + rows);
        if (rows == 1) return 1;
        return rows <= SHAPE_STEP ? Integer.highestOneBit(rows - 1) << 1 : (rows + SHAPE_STEP - 1) / SHAPE_STEP * SHAPE_STEP;
    }

    static final int SHAPE_STEP = 16;

    /**
     * Executes {@code sql} for {@link #shape}{@code (rows.size())} rows: the real ones, then
     * {@code pad} as often as needed, a row the statement must make a no-op (a repeated event id
     * that INSERT IGNORE skips, a zero added to a key already in the statement). Returns the
     * statement's update count.
     */
    private <T> int shaped(Connection c, List<T> rows, java.util.function.IntFunction<String> sql, RowBinder<T> binder, T pad)
            throws SQLException {
        int shape = shape(rows.size());
        PreparedStatement ps = prepared(c, sql.apply(shape));
        int p = 1;
        for (T row : rows) p = binder.bind(ps, p, row);
        for (int i = rows.size(); i < shape; i++) p = binder.bind(ps, p, pad);
        return ps.executeUpdate();
    }

    private static List<String> key(StoredEvent.State s) { return List.of(s.provider(), s.level(), s.subject(), s.model()); }

    private Set<String> existing(Connection c, List<StoredEvent.Usage> usage) throws SQLException {
        Set<String> found = new HashSet<>();
        if (usage.isEmpty()) return found;
        StringBuilder sql = new StringBuilder("SELECT event_id FROM keycycle_usage WHERE event_id IN (");
        for (int i = 0; i < usage.size(); i++) sql.append(i == 0 ? "?" : ",?");
        sql.append(')');
        try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
            for (int i = 0; i < usage.size(); i++) ps.setString(i + 1, usage.get(i).eventId());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) found.add(rs.getString(1));
            }
        }
        return found;
    }

    /** Returns the number of rows inserted (event ids already present are skipped). */
    private int insertUsage(Connection c, List<StoredEvent.Usage> rows) throws SQLException {
        if (rows.isEmpty()) return 0;
        if (dialect == Dialect.SQLITE) {
            return inSlices(prepared(c, dialect.insertUsage(1)), rows, BatchWriter::bindUsage);
        }
        // Rows beyond the real ones repeat the last: INSERT IGNORE skips them (their event id is in the statement already).
        return shaped(c, rows, dialect::insertUsage, BatchWriter::bindUsage, rows.get(rows.size() - 1));
    }

    private static int bindUsage(PreparedStatement ps, int p, StoredEvent.Usage u) throws SQLException {
        ps.setString(p++, u.eventId());
        ps.setString(p++, u.provider());
        ps.setString(p++, u.scope());
        ps.setString(p++, u.keyFp());
        ps.setString(p++, u.model());
        ps.setLong(p++, u.ts());
        ps.setLong(p++, u.requests());
        ps.setLong(p++, u.promptTokens());
        ps.setLong(p++, u.completionTokens());
        ps.setLong(p++, u.chargedTokens());
        ps.setString(p++, u.outcome());
        ps.setInt(p++, u.status());
        return p;
    }

    /** A key of one of the per-minute aggregates: two or three names and the minute. */
    private record MinuteKey(String a, String b, String c, long minute) { }

    /**
     * Rows that another transaction may change too (another process's writer, on a shared
     * database) are written in one order, by key, so that two writers never each hold a row the
     * other waits for (a deadlock: measured 1–4 per 200 batches of two writers naming 180 rows in
     * opposite orders).
     */
    private static final Comparator<String> NAME = Comparator.nullsFirst(Comparator.naturalOrder()); // a null is the database's to reject
    private static final Comparator<MinuteKey> MINUTE_ORDER = Comparator.comparing(MinuteKey::a, NAME)
            .thenComparing(MinuteKey::b, NAME).thenComparing(MinuteKey::c, NAME).thenComparingLong(MinuteKey::minute);
    private static final Comparator<StoredEvent.State> STATE_ORDER = Comparator.comparing(StoredEvent.State::provider, NAME)
            .thenComparing(StoredEvent.State::level, NAME).thenComparing(StoredEvent.State::subject, NAME)
            .thenComparing(StoredEvent.State::model, NAME);

    /**
     * Writes per-minute sums (6 parameters: three names, the minute, two sums). SQLite: one cached
     * single-row upsert run as a JDBC batch; MySQL family: one multi-row statement of a few fixed sizes ({@link #shape}).
     * In key order ({@link #MINUTE_ORDER}).
     */
    private void upsertSums(Connection c, Map<MinuteKey, long[]> sums, String singleRowSql,
                            java.util.function.IntFunction<String> multiRowSql) throws SQLException {
        if (sums.isEmpty()) return;
        List<Map.Entry<MinuteKey, long[]>> rows = new ArrayList<>(sums.entrySet());
        rows.sort(Map.Entry.comparingByKey(MINUTE_ORDER));
        RowBinder<Map.Entry<MinuteKey, long[]>> binder = (ps, p, e) -> bindSum(ps, p, e.getKey(), e.getValue());
        if (dialect == Dialect.SQLITE) {
            inSlices(prepared(c, singleRowSql), rows, binder);
            return;
        }
        // Rows beyond the real ones add nothing to the last real row's key.
        shaped(c, rows, multiRowSql, binder, Map.entry(rows.get(rows.size() - 1).getKey(), new long[2]));
    }

    private static int bindSum(PreparedStatement ps, int p, MinuteKey k, long[] sum) throws SQLException {
        ps.setString(p++, k.a());
        ps.setString(p++, k.b());
        ps.setString(p++, k.c());
        ps.setLong(p++, k.minute());
        ps.setLong(p++, sum[0]);
        ps.setLong(p++, sum[1]);
        return p;
    }

    /**
     * A statement prepared once per physical connection and kept open across batches (SQLite: the
     * SQL of a 500-row multi-row insert took about a fifth of the writer's CPU to prepare, every
     * batch; the MySQL family: see {@link #shape}). Prepared on the unwrapped connection, so the pool does not close it with the
     * borrowed one; it dies with the physical connection. The inner map is only used by the thread
     * that holds that connection. A connection holds at most 36 shapes of
     * each statement, each keeping its last batch's values until its next use (they are not cleared:
     * clearing thousands of parameters cost a tenth of the MySQL writer's time).
     */
    private PreparedStatement prepared(Connection c, String sql) throws SQLException {
        Connection raw = c.unwrap(Connection.class);
        Map<String, PreparedStatement> mine;
        synchronized (prepared) {
            mine = prepared.get(raw);
            if (mine == null) {
                prepared.keySet().removeIf(BatchWriter::closed); // connections the pool retired
                mine = new HashMap<>();
                prepared.put(raw, mine);
            }
        }
        PreparedStatement ps = mine.get(sql);
        if (ps == null || ps.isClosed()) {
            ps = raw.prepareStatement(sql);
            mine.put(sql, ps);
        }
        return ps;
    }

    private static boolean closed(Connection c) {
        try {
            return c.isClosed();
        } catch (SQLException e) {
            return true;
        }
    }

    private void upsertMinutes(Connection c, List<StoredEvent.Usage> rows) throws SQLException {
        if (rows.isEmpty()) return;
        Map<MinuteKey, long[]> sums = new HashMap<>();
        for (StoredEvent.Usage u : rows) {
            if (StoredEvent.REFUSED.equals(u.outcome())) continue; // no key: nothing for hydration to replay
            long minute = Math.floorDiv(u.ts(), 60_000L) * 60_000L;
            long[] s = sums.computeIfAbsent(new MinuteKey(u.provider(), u.keyFp(), u.model(), minute), k -> new long[2]);
            s[0] += u.requests();
            s[1] += u.chargedTokens();
        }
        upsertSums(c, sums, dialect.upsertMinute(1), dialect::upsertMinute);
    }

    /** Calls and charged tokens per provider, model, outcome class and minute, for the history charts. */
    private void upsertOutcomeMinutes(Connection c, List<StoredEvent.Usage> rows) throws SQLException {
        if (rows.isEmpty()) return;
        Map<MinuteKey, long[]> sums = new HashMap<>();
        for (StoredEvent.Usage u : rows) {
            long minute = Math.floorDiv(u.ts(), 60_000L) * 60_000L;
            long[] s = sums.computeIfAbsent(new MinuteKey(u.provider(), u.model(), OutcomeClass.of(u.outcome(), u.requests()).name(),
                    minute), k -> new long[2]);
            s[0] += OutcomeClass.calls(u.outcome(), u.requests());
            s[1] += u.chargedTokens();
        }
        upsertSums(c, sums, dialect.upsertOutcomeMinute(1), dialect::upsertOutcomeMinute);
    }

    /** Every state change, appended once (event id), for the key-state timeline. */
    private void insertStateHistory(Connection c, List<StoredEvent.State> rows) throws SQLException {
        if (rows.isEmpty()) return;
        // Rows beyond the real ones repeat the last: INSERT IGNORE skips them.
        shaped(c, rows, dialect::insertStateHistory, (ps, p, s) -> {
            ps.setString(p++, s.eventId());
            return bindState(ps, p, s);
        }, rows.get(rows.size() - 1));
    }

    private void insertFallbacks(Connection c, List<StoredEvent.Fallback> rows) throws SQLException {
        if (rows.isEmpty()) return;
        // Rows beyond the real ones repeat the last: INSERT IGNORE skips them.
        shaped(c, rows, dialect::insertFallback, (ps, p, f) -> {
            ps.setString(p++, f.eventId());
            ps.setLong(p++, f.ts());
            ps.setString(p++, truncate(f.target(), 191));
            ps.setString(p++, f.fromProvider());
            ps.setString(p++, f.fromModel());
            ps.setString(p++, f.provider());
            ps.setString(p++, f.model());
            return p;
        }, rows.get(rows.size() - 1));
    }

    private void upsertStates(Connection c, List<StoredEvent.State> rows) throws SQLException {
        if (rows.isEmpty()) return;
        // Rows beyond the real ones repeat the last: the same state at the same time changes nothing.
        shaped(c, rows, dialect::upsertState, BatchWriter::bindState, rows.get(rows.size() - 1));
    }

    /** The state columns shared by the history and the current-state tables, from parameter {@code p}; returns the next one. */
    private static int bindState(PreparedStatement ps, int p, StoredEvent.State s) throws SQLException {
        ps.setString(p++, s.provider());
        ps.setString(p++, s.level());
        ps.setString(p++, s.subject());
        ps.setString(p++, s.model());
        ps.setString(p++, s.scope());
        ps.setString(p++, s.keyFp());
        ps.setString(p++, s.state());
        if (s.untilMs() == null) ps.setNull(p++, Types.BIGINT); else ps.setLong(p++, s.untilMs());
        ps.setString(p++, s.reason() == null ? null : truncate(s.reason(), 512));
        ps.setLong(p++, s.updatedAt());
        return p;
    }

    private static String truncate(String s, int max) { return s.length() <= max ? s : s.substring(0, max); }
}
