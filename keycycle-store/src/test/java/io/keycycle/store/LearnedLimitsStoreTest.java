package io.keycycle.store;

import io.keycycle.core.KeycycleEvent;
import io.keycycle.core.Limits;
import io.keycycle.store.testing.DatabaseTest;
import io.keycycle.store.testing.TestDatabase;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Limits learned from the providers survive a restart: kept in keycycle_learned_limit, handed back on hydration. */
class LearnedLimitsStoreTest {

    static final Instant T0 = Instant.parse("2026-11-30T10:00:00Z");

    static KeycycleEvent.LimitLearned learned(Instant at, String scope, String model, Limits.Metric m, long table, long value) {
        return new KeycycleEvent.LimitLearned(at, "openrouter", scope, model, m, table, value, "openrouter");
    }

    @DatabaseTest
    void aLearnedLimitIsKeptReplacedDroppedAndRestored(TestDatabase db) throws Exception {
        KeycycleStore first = db.open();
        first.onEvent(learned(T0, "acct", "*", Limits.Metric.RPD, 1000, 50));
        first.onEvent(learned(T0, "acct", "*", Limits.Metric.RPM, 20, 10));
        first.onEvent(learned(T0.plusSeconds(60), "acct", "*", Limits.Metric.RPM, 20, 15));   // replaces the 10
        first.onEvent(learned(T0, "other", "m", Limits.Metric.TPM, Limits.NONE, 9000));
        first.onEvent(learned(T0.plusSeconds(90), "other", "m", Limits.Metric.TPM, Limits.NONE, -1));   // dropped: the table again
        assertThat(first.flush(Duration.ofSeconds(10))).isTrue();
        assertThat(first.learnedLimits()).extracting(KeycycleEvent.LimitLearned::metric, KeycycleEvent.LimitLearned::value)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(Limits.Metric.RPD, 50L),
                        org.assertj.core.groups.Tuple.tuple(Limits.Metric.RPM, 15L));
        first.close();

        KeycycleStore second = db.open();
        List<KeycycleEvent.LimitLearned> restored = new ArrayList<>();
        io.keycycle.core.EngineRestorer r = new io.keycycle.core.EngineRestorer() {
            @Override public void restoreUsage(String p, String fp, String m, Instant at, long requests, long tokens) { }
            @Override public void restoreState(KeycycleEvent.StateChanged s) { }
            @Override public void restoreLearnedLimit(KeycycleEvent.LimitLearned l) { restored.add(l); }
        };
        second.hydrate(r, T0.plusSeconds(120));
        assertThat(restored).containsExactly(learned(T0, "acct", "*", Limits.Metric.RPD, 1000, 50),
                learned(T0.plusSeconds(60), "acct", "*", Limits.Metric.RPM, 20, 15));
        second.close();
    }
    /** Model ids are case-sensitive: two models whose names differ only in case keep a learned limit each. */
    @DatabaseTest
    void modelNamesThatDifferOnlyInCaseKeepTheirOwnLimits(TestDatabase db) throws Exception {
        if (db.kind() == TestDatabase.Kind.MARIADB) {
            // a server whose default collation ignores case, as MySQL 8's and MariaDB's do out of the box
            db.execute("ALTER DATABASE " + db.databaseName() + " CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci");
        }
        KeycycleStore store = db.open();
        store.onEvent(learned(T0, "acct", "Org/Model-A", Limits.Metric.RPM, 20, 11));
        store.onEvent(learned(T0, "acct", "org/model-a", Limits.Metric.RPM, 20, 12));
        assertThat(store.flush(Duration.ofSeconds(10))).isTrue();
        assertThat(store.learnedLimits()).extracting(KeycycleEvent.LimitLearned::model, KeycycleEvent.LimitLearned::value)
                .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple("Org/Model-A", 11L),
                        org.assertj.core.groups.Tuple.tuple("org/model-a", 12L));
        store.close();
    }
}
