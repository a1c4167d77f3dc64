package io.keycycle.store;

import io.keycycle.core.KeyState;
import io.keycycle.core.KeycycleEvent;
import io.keycycle.core.OutcomeKind;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Builders for engine events and small SQL readers used by the store tests. */
final class Events {

    static final String FP_A = "0a1b2c3d…0001";
    static final String FP_B = "4e5f6a7b…0002";

    private Events() { }

    /** A successful call; {@code index} goes into prompt tokens so tests can identify the row. */
    static KeycycleEvent.Settled settled(Instant admittedAt, String provider, String fp, String model, long index, long tokens) {
        return new KeycycleEvent.Settled(admittedAt.plusMillis(300), admittedAt, provider, "scope-" + fp, fp, model,
                OutcomeKind.SUCCESS, 200, 1, index, tokens - index, tokens, index);
    }

    static KeycycleEvent.Settled failed(Instant admittedAt, String provider, String fp, String model, OutcomeKind kind, int status) {
        return new KeycycleEvent.Settled(admittedAt.plusMillis(100), admittedAt, provider, "scope-" + fp, fp, model,
                kind, status, kind.countedByProvider() ? 1 : 0, 0, 0, 0, 0);
    }

    static KeycycleEvent.StateChanged keyState(Instant at, String provider, String fp, KeyState state, Instant until, String reason) {
        return new KeycycleEvent.StateChanged(at, provider, KeycycleEvent.Level.KEY, "scope-" + fp, fp, "*", state, until, reason);
    }

    static KeycycleEvent.StateChanged scopeState(Instant at, String provider, String scope, String model, KeyState state, Instant until) {
        return new KeycycleEvent.StateChanged(at, provider, KeycycleEvent.Level.SCOPE, scope, null, model, state, until, "429");
    }

    /** prompt_tokens of every usage row in insertion order (id / rowid). */
    static List<Long> promptTokensInInsertOrder(TestDatabaseAccess db) throws SQLException {
        return longs(db, "SELECT prompt_tokens FROM keycycle_usage ORDER BY id");
    }

    static long count(TestDatabaseAccess db, String sql) throws SQLException {
        return longs(db, sql).get(0);
    }

    static List<Long> longs(TestDatabaseAccess db, String sql) throws SQLException {
        List<Long> out = new ArrayList<>();
        try (Connection c = db.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) out.add(rs.getLong(1));
        }
        return out;
    }

    /** What the tests need of a database: a connection. */
    @FunctionalInterface
    interface TestDatabaseAccess {
        Connection connect() throws SQLException;
    }
}
