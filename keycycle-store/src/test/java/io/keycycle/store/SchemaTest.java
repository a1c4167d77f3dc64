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
        assertThat(Events.longs(db::connect, "SELECT version FROM keycycle_schema_version")).containsExactly((long) Schema.LATEST);
        try (Connection c = db.connect()) {
            Dialect d = db.kind() == TestDatabase.Kind.SQLITE ? Dialect.SQLITE : Dialect.MYSQL;
            assertThat(Schema.migrate(c, d, 0)).isZero();
            // Running the DDL again over existing tables must not fail either.
            for (String sql : d.schemaV1()) c.createStatement().execute(sql);
        }
        for (String table : new String[] {"keycycle_usage", "keycycle_usage_minute", "keycycle_key_state"}) {
            assertThat(Events.count(db::connect, "SELECT COUNT(*) FROM " + table)).isZero();
        }
        assertThat(second.ping()).isTrue();
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

    @DatabaseTest(TestDatabase.Kind.SQLITE)
    void sqliteRunsInWalMode(TestDatabase db) throws Exception {
        db.open();
        try (Connection c = db.connect(); var rs = c.createStatement().executeQuery("PRAGMA journal_mode")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualToIgnoringCase("wal");
        }
    }
}
