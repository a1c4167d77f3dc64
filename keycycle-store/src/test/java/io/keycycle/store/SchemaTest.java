package io.keycycle.store;

import io.keycycle.store.testing.DatabaseTest;
import io.keycycle.store.testing.TestDatabase;

import java.sql.Connection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SchemaTest {

    @DatabaseTest
    void openAppliesTheSchemaOnceAndReopeningIsIdempotent(TestDatabase db) throws Exception {
        KeycycleStore first = db.open();
        first.close();
        KeycycleStore second = db.open();
        assertThat(Events.longs(db::connect, "SELECT version FROM keycycle_schema_version")).containsExactly(1L, 2L, 3L, 4L);
        try (Connection c = db.connect()) {
            Dialect d = db.kind() == TestDatabase.Kind.SQLITE ? Dialect.SQLITE : Dialect.MYSQL;
            assertThat(Schema.migrate(c, d, 0)).isZero();
            // Running the DDL again over existing tables must not fail either.
            for (String sql : d.schemaV1()) c.createStatement().execute(sql);
            for (String sql : d.schemaV2()) c.createStatement().execute(sql);
        }
        try (Connection c = db.connect()) {
            // An interrupted version 3 (the index dropped, the version row not yet written) runs again,
            // and version 4 after it (its table there already).
            c.createStatement().execute("DELETE FROM keycycle_schema_version WHERE version >= 3");
            Dialect d = db.kind() == TestDatabase.Kind.SQLITE ? Dialect.SQLITE : Dialect.MYSQL;
            assertThat(Schema.migrate(c, d, 0)).isEqualTo(2);
        }
        assertThat(usageIndexes(db)).contains("idx_keycycle_usage_ts").doesNotContain("idx_keycycle_usage_key");
        for (String table : new String[] {"keycycle_usage", "keycycle_usage_minute", "keycycle_key_state",
                "keycycle_outcome_minute", "keycycle_state_history", "keycycle_fallback"}) {
            assertThat(Events.count(db::connect, "SELECT COUNT(*) FROM " + table)).isZero();
        }
        assertThat(second.ping()).isTrue();
    }

    @DatabaseTest
    void version2FillsTheOutcomeAggregateFromRowsAVersion1DatabaseAlreadyHas(TestDatabase db) throws Exception {
        Dialect d = db.kind() == TestDatabase.Kind.SQLITE ? Dialect.SQLITE : Dialect.MYSQL;
        try (Connection c = db.connect(); var st = c.createStatement()) {
            st.execute(d.createVersionTable());
            for (String sql : d.schemaV1()) st.execute(sql);
            st.execute("INSERT INTO keycycle_schema_version (version, description, applied_at) VALUES (1, 'v1', 0)");
            st.execute("INSERT INTO keycycle_usage (event_id, provider, scope, key_fp, model, ts, requests, prompt_tokens,"
                    + " completion_tokens, charged_tokens, outcome, status) VALUES"
                    + " ('a', 'groq', 's', 'k', 'm', 60000, 1, 5, 5, 10, 'SUCCESS', 200),"
                    + " ('b', 'groq', 's', 'k', 'm', 60500, 1, 3, 4, 7, 'SUCCESS', 200),"
                    + " ('c', 'groq', 's', 'k', 'm', 61000, 1, 0, 0, 0, 'RATE_LIMITED', 429),"
                    + " ('d', 'groq', 's', 'k', 'm', 130000, 0, 0, 0, 0, 'TRANSIENT', 502)");
        }
        db.open().close();
        assertThat(Events.longs(db::connect, "SELECT calls FROM keycycle_outcome_minute ORDER BY minute, outcome"))
                .containsExactly(2L, 1L, 1L);   // 60000 ANSWERED, 60000 LIMITED, 120000 ERROR
        assertThat(Events.longs(db::connect, "SELECT tokens FROM keycycle_outcome_minute WHERE outcome = 'ANSWERED'"))
                .containsExactly(17L);
        try (Connection c = db.connect()) {
            for (String sql : d.schemaV2()) c.createStatement().execute(sql);   // an interrupted migration re-run
        }
        assertThat(Events.count(db::connect, "SELECT SUM(calls) FROM keycycle_outcome_minute")).isEqualTo(4);
    }

    @DatabaseTest
    void withoutAutoMigrateAMissingSchemaFailsClearly(TestDatabase db) {
        assertThatThrownBy(() -> db.open(db.config().autoMigrate(false).build()))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("schema version none")
                .hasMessageContaining("needs " + Schema.LATEST)
                .hasMessageContaining("autoMigrate");
        db.open().close();
        KeycycleStore verified = db.open(db.config().autoMigrate(false).build());
        assertThat(verified.ping()).isTrue();
    }

    @DatabaseTest
    void version3DropsThePerKeyIndexOfAVersion2Database(TestDatabase db) throws Exception {
        Dialect d = db.kind() == TestDatabase.Kind.SQLITE ? Dialect.SQLITE : Dialect.MYSQL;
        try (Connection c = db.connect(); var st = c.createStatement()) {
            st.execute(d.createVersionTable());
            for (String sql : d.schemaV1()) st.execute(sql);
            for (String sql : d.schemaV2()) st.execute(sql);
            st.execute("INSERT INTO keycycle_schema_version (version, description, applied_at) VALUES (1, 'v1', 0), (2, 'v2', 0)");
            st.execute("INSERT INTO keycycle_usage (event_id, provider, scope, key_fp, model, ts, requests, prompt_tokens,"
                    + " completion_tokens, charged_tokens, outcome, status) VALUES ('a', 'groq', 's', 'k', 'm', 60000, 1, 5, 5, 10, 'SUCCESS', 200)");
        }
        assertThat(usageIndexes(db)).contains("idx_keycycle_usage_key");
        db.open().close();
        assertThat(usageIndexes(db)).contains("idx_keycycle_usage_ts").doesNotContain("idx_keycycle_usage_key");
        assertThat(Events.count(db::connect, "SELECT COUNT(*) FROM keycycle_usage")).isEqualTo(1);
        assertThat(Events.longs(db::connect, "SELECT version FROM keycycle_schema_version")).containsExactly(1L, 2L, 3L, 4L);
    }

    /** Names of the secondary indexes on keycycle_usage. */
    private static java.util.List<String> usageIndexes(TestDatabase db) throws Exception {
        String sql = db.kind() == TestDatabase.Kind.SQLITE
                ? "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'keycycle_usage'"
                : "SELECT DISTINCT index_name FROM information_schema.statistics WHERE table_schema = DATABASE()"
                  + " AND table_name = 'keycycle_usage'";
        java.util.List<String> names = new java.util.ArrayList<>();
        try (Connection c = db.connect(); var rs = c.createStatement().executeQuery(sql)) {
            while (rs.next()) names.add(rs.getString(1));
        }
        return names;
    }

    @DatabaseTest(TestDatabase.Kind.SQLITE)
    void sqliteRunsInWalMode(TestDatabase db) throws Exception {
        db.open();
        try (Connection c = db.connect(); var rs = c.createStatement().executeQuery("PRAGMA journal_mode")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualToIgnoringCase("wal");
        }
    }
}
