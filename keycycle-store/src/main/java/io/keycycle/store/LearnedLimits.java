package io.keycycle.store;

import io.keycycle.core.EngineRestorer;
import io.keycycle.core.KeycycleEvent;
import io.keycycle.core.Limits;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The limits Keycycle learned from the providers ({@link KeycycleEvent.LimitLearned}), one row per
 * (provider, scope, model, metric) in {@code keycycle_learned_limit}: written when a limit is adopted
 * or dropped, read back on hydration so a restart does not relearn them the hard way (one 429 each).
 * Rare writes (a few per day), so each is one small transaction: delete the row, insert the new one.
 */
final class LearnedLimits {

    static final String TABLE = "keycycle_learned_limit";

    private final DataSource dataSource;

    LearnedLimits(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** The table (portable DDL: SQLite, MySQL, TiDB); schema version 4 adds MySQL's binary collation. */
    static final String DDL = "CREATE TABLE IF NOT EXISTS " + TABLE + " ("
            + "provider VARCHAR(64) NOT NULL, scope VARCHAR(191) NOT NULL, model VARCHAR(191) NOT NULL, "
            + "metric VARCHAR(8) NOT NULL, table_value BIGINT NOT NULL, learned_value BIGINT NOT NULL, "
            + "source VARCHAR(191) NOT NULL, learned_at BIGINT NOT NULL, "
            + "PRIMARY KEY (provider, scope, model, metric))";

    /** Creates the table if missing (a database the schema migration has not reached yet). */
    void createTable(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute(DDL);
        }
    }

    /** Keeps {@code l} (or removes the row when {@code l.value()} is -1: the table applies again). */
    void save(KeycycleEvent.LimitLearned l) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            createTable(c);
            boolean auto = c.getAutoCommit();
            c.setAutoCommit(false);
            try {
                try (PreparedStatement del = c.prepareStatement("DELETE FROM " + TABLE
                        + " WHERE provider = ? AND scope = ? AND model = ? AND metric = ?")) {
                    del.setString(1, l.provider());
                    del.setString(2, l.scope());
                    del.setString(3, l.model());
                    del.setString(4, l.metric().key());
                    del.executeUpdate();
                }
                if (l.value() >= 0) {
                    try (PreparedStatement ins = c.prepareStatement("INSERT INTO " + TABLE
                            + " (provider, scope, model, metric, table_value, learned_value, source, learned_at)"
                            + " VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
                        ins.setString(1, l.provider());
                        ins.setString(2, l.scope());
                        ins.setString(3, l.model());
                        ins.setString(4, l.metric().key());
                        ins.setLong(5, l.tableValue());
                        ins.setLong(6, l.value());
                        ins.setString(7, l.source().length() > 191 ? l.source().substring(0, 191) : l.source());
                        ins.setLong(8, l.at().toEpochMilli());
                        ins.executeUpdate();
                    }
                }
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(auto);
            }
        }
    }

    /** Every kept limit, oldest first. */
    List<KeycycleEvent.LimitLearned> all() throws SQLException {
        List<KeycycleEvent.LimitLearned> out = new ArrayList<>();
        try (Connection c = dataSource.getConnection()) {
            createTable(c);
            try (PreparedStatement ps = c.prepareStatement("SELECT provider, scope, model, metric, table_value, learned_value,"
                    + " source, learned_at FROM " + TABLE + " ORDER BY learned_at");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Limits.Metric metric;
                    try {
                        metric = Limits.Metric.parse(rs.getString(4));
                    } catch (RuntimeException unknown) {
                        continue;
                    }
                    out.add(new KeycycleEvent.LimitLearned(Instant.ofEpochMilli(rs.getLong(8)), rs.getString(1), rs.getString(2),
                            rs.getString(3), metric, rs.getLong(5), rs.getLong(6), rs.getString(7)));
                }
            }
        }
        return out;
    }

    /** Hands every kept limit to the engine; returns how many. */
    int restore(EngineRestorer restorer) throws SQLException {
        List<KeycycleEvent.LimitLearned> all = all();
        for (KeycycleEvent.LimitLearned l : all) restorer.restoreLearnedLimit(l);
        return all.size();
    }
}
