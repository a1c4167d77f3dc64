package io.keycycle.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.function.Function;

/**
 * Versioned migrations. Each has a number, recorded in {@code keycycle_schema_version} after its
 * statements ran. Statements are idempotent ({@code IF NOT EXISTS}) so two processes migrating at
 * once, or a migration interrupted between DDL and the version row, converge.
 */
final class Schema {

    record Migration(int version, String description, Function<Dialect, List<String>> statements) { }

    static final List<Migration> MIGRATIONS = List.of(
            new Migration(1, "usage, per-minute aggregate, key states", Dialect::schemaV1),
            new Migration(2, "per-minute outcomes, key-state history", Dialect::schemaV2),
            new Migration(3, "raw usage without the unread per-key index", Dialect::schemaV3),
            new Migration(4, "learned limits with case-sensitive names", Dialect::schemaV4));

    static final int LATEST = MIGRATIONS.get(MIGRATIONS.size() - 1).version();

    private Schema() { }

    /** Applies every missing migration; returns the number applied. */
    static int migrate(Connection c, Dialect dialect, long nowMillis) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute(dialect.createVersionTable());
        }
        int current = currentVersion(c);
        int applied = 0;
        for (Migration m : MIGRATIONS) {
            if (m.version() <= current) continue;
            try (Statement st = c.createStatement()) {
                for (String sql : m.statements().apply(dialect)) {
                    try {
                        st.execute(sql);
                    } catch (SQLException e) {
                        if (!isMissingIndexDrop(sql, e)) throw e;
                    }
                }
            }
            try (PreparedStatement ps = c.prepareStatement(dialect.insertVersion())) {
                ps.setInt(1, m.version());
                ps.setString(2, m.description());
                ps.setLong(3, nowMillis);
                ps.executeUpdate();
            }
            if (!c.getAutoCommit()) c.commit();
            applied++;
        }
        return applied;
    }

    /** The highest applied version, 0 when the version table is empty, -1 when it is missing. */
    static int currentVersion(Connection c) throws SQLException {
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT MAX(version) FROM keycycle_schema_version")) {
            return rs.next() ? rs.getInt(1) : 0;
        } catch (SQLException e) {
            if (isMissingTable(e)) return -1;
            throw e;
        }
    }

    /** MySQL family: an index dropped already (another process, an interrupted migration) is gone, as wanted. */
    private static boolean isMissingIndexDrop(String sql, SQLException e) {
        return sql.contains(" DROP INDEX ") && e.getErrorCode() == 1091; // ER_CANT_DROP_FIELD_OR_KEY
    }

    private static boolean isMissingTable(SQLException e) {
        String msg = String.valueOf(e.getMessage()).toLowerCase();
        return "42S02".equals(e.getSQLState()) || msg.contains("no such table") || msg.contains("doesn't exist");
    }
}
