package io.keycycle.store;

import io.keycycle.core.EngineClock;
import io.keycycle.core.KeyState;
import io.keycycle.core.KeycycleEvent;
import io.keycycle.core.OutcomeKind;
import io.keycycle.store.testing.DatabaseTest;
import io.keycycle.store.testing.TestDatabase;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static io.keycycle.store.Events.FP_A;
import static io.keycycle.store.Events.FP_B;
import static org.assertj.core.api.Assertions.assertThat;

class HistoryTest {

    private static final Instant NOW = Instant.parse("2026-03-10T12:00:00Z");

    static EngineClock fixed(Instant t) {
        return new EngineClock() {
            @Override public long millis() { return t.toEpochMilli(); }
            @Override public void parkUntil(long deadlineMillis) { throw new UnsupportedOperationException(); }
            @Override public void wake(Thread thread) { }
        };
    }

    static KeycycleEvent.Rejected refused(Instant at, String provider, String model) {
        return new KeycycleEvent.Rejected(at, provider, model, at.plusSeconds(30), "every usable key is at its limits");
    }

    @DatabaseTest
    void callsAreCountedPerMinuteByOutcomeClassIncludingLocalRefusals(TestDatabase db) throws Exception {
        KeycycleStore store = db.open();
        Instant m1 = Instant.parse("2026-03-10T11:00:00Z");
        Instant m2 = m1.plusSeconds(60);
        store.onEvent(Events.settled(m1.plusSeconds(1), "groq", FP_A, "llama", 10, 100));
        store.onEvent(Events.settled(m1.plusSeconds(2), "groq", FP_B, "llama", 10, 50));
        store.onEvent(Events.failed(m1.plusSeconds(3), "groq", FP_A, "llama", OutcomeKind.RATE_LIMITED, 429));
        store.onEvent(Events.failed(m1.plusSeconds(4), "groq", FP_A, "llama", OutcomeKind.QUOTA_EXHAUSTED, 429));
        store.onEvent(refused(m1.plusSeconds(5), "groq", "llama"));
        store.onEvent(refused(m2.plusSeconds(5), "groq", "llama"));
        store.onEvent(refused(m2.plusSeconds(6), "groq", "llama"));
        store.onEvent(Events.failed(m2.plusSeconds(7), "groq", FP_B, "llama", OutcomeKind.TRANSIENT, 502));
        assertThat(store.flush(Duration.ofSeconds(10))).isTrue();

        assertThat(store.outcomesPerMinute(m1, m2.plusSeconds(60))).containsExactly(
                new OutcomeMinute("groq", "llama", OutcomeClass.ANSWERED, m1, 2, 150),
                new OutcomeMinute("groq", "llama", OutcomeClass.LIMITED, m1, 2, 0),
                new OutcomeMinute("groq", "llama", OutcomeClass.REFUSED, m1, 1, 0),
                new OutcomeMinute("groq", "llama", OutcomeClass.ERROR, m2, 1, 0),
                new OutcomeMinute("groq", "llama", OutcomeClass.REFUSED, m2, 2, 0));
        assertThat(store.outcomesPerMinute(m2, m2.plusSeconds(60))).hasSize(2);
        // refusals have no key: the per-key aggregate (what hydration replays) and the usage report never see them
        assertThat(Events.count(db::connect, "SELECT COUNT(*) FROM keycycle_usage_minute WHERE key_fp = ''")).isZero();
        assertThat(store.report(ReportQuery.of(m1, m2.plusSeconds(60))))
                .containsExactly(new UsageRow(null, null, null, null, 4, 20, 130, 150, 3));
        assertThat(store.usagePerKey(m1, m2.plusSeconds(60))).containsExactly(
                new KeyUsage("groq", FP_A, "llama", 3, 100), new KeyUsage("groq", FP_B, "llama", 1, 50));
    }

    /**
     * A call its client hung up on is settled as abandoned (its estimate stays charged); when its usage
     * arrives later, that late report (requests 0) corrects the tokens. It is the same call: the
     * history counts one call, not an error and an answer.
     */
    @DatabaseTest
    void aLateUsageReportCorrectsTokensWithoutCountingASecondCall(TestDatabase db) throws Exception {
        KeycycleStore store = db.open();
        Instant m1 = Instant.parse("2026-03-10T11:00:00Z");
        Instant admitted = m1.plusSeconds(1);
        // abandoned: 1 request, its 4,000-token estimate charged
        store.onEvent(new KeycycleEvent.Settled(admitted.plusMillis(200), admitted, "groq", "scope-" + FP_A, FP_A, "llama",
                OutcomeKind.TRANSIENT, 0, 1, 0, 0, 4000, 7));
        // the usage that came later gives 3,954 tokens back
        store.onEvent(new KeycycleEvent.Settled(admitted.plusMillis(900), admitted, "groq", "scope-" + FP_A, FP_A, "llama",
                OutcomeKind.SUCCESS, 200, 0, 40, 6, -3954, 7));
        assertThat(store.flush(Duration.ofSeconds(10))).isTrue();

        List<OutcomeMinute> minutes = store.outcomesPerMinute(m1, m1.plusSeconds(60));
        assertThat(minutes.stream().mapToLong(OutcomeMinute::calls).sum()).as("one call: " + minutes).isEqualTo(1);
        assertThat(minutes.stream().mapToLong(OutcomeMinute::tokens).sum()).isEqualTo(46);
    }

    @DatabaseTest
    void everyStateChangeIsKeptInTheHistoryWhileTheStateTableHoldsTheLatest(TestDatabase db) throws Exception {
        KeycycleStore store = db.open();
        Instant t = Instant.parse("2026-03-10T11:00:00Z");
        store.onEvent(Events.keyState(t, "groq", FP_A, KeyState.COOLING, t.plusSeconds(20), "429: rpm"));
        store.onEvent(Events.keyState(t.plusSeconds(20), "groq", FP_A, KeyState.READY, null, null));
        store.onEvent(Events.scopeState(t.plusSeconds(30), "groq", "org-1", "llama", KeyState.PARKED, t.plusSeconds(3600)));
        store.onEvent(Events.keyState(t.plusSeconds(40), "groq", FP_B, KeyState.DISABLED, null, "401 invalid key"));
        assertThat(store.flush(Duration.ofSeconds(10))).isTrue();

        List<StateChange> h = store.stateHistory(t, t.plusSeconds(3600));
        assertThat(h).extracting(StateChange::state).containsExactly("COOLING", "READY", "PARKED", "DISABLED");
        assertThat(h.get(0)).isEqualTo(new StateChange("groq", "KEY", FP_A, "*", "scope-" + FP_A, FP_A, "COOLING", t,
                t.plusSeconds(20), "429: rpm"));
        assertThat(h.get(2).level()).isEqualTo("SCOPE");
        assertThat(h.get(2).subject()).isEqualTo("org-1");
        assertThat(store.stateHistory(t.plusSeconds(25), t.plusSeconds(3600))).hasSize(2);
        assertThat(Events.count(db::connect, "SELECT COUNT(*) FROM keycycle_key_state")).isEqualTo(3);
    }

    @DatabaseTest
    void fallbacksAreCountedPerTargetFirstCandidateAndServerAndPrunedWithRawRows(TestDatabase db) throws Exception {
        Retention retention = new Retention(Duration.ofDays(30), Duration.ofDays(400), 1_000, Duration.ZERO, Duration.ofMinutes(10));
        KeycycleStore store = db.open(db.config().clock(fixed(NOW)).retention(retention).build());
        Instant t = NOW.minusSeconds(3_600);
        for (int i = 0; i < 3; i++) store.onEvent(new KeycycleEvent.FellBack(t.plusSeconds(i), "gemini", "flash", "fast", "groq", "llama", 1));
        store.onEvent(new KeycycleEvent.FellBack(t, "cerebras", "qwen", "fast", "groq", "llama", 2));
        store.onEvent(new KeycycleEvent.FellBack(NOW.minus(Duration.ofDays(31)), "gemini", "flash", "fast", "groq", "llama", 1));
        assertThat(store.flush(Duration.ofSeconds(10))).isTrue();

        assertThat(store.fallbacks(t, NOW)).containsExactly(
                new FallbackCount("fast", "groq", "llama", "cerebras", "qwen", 1),
                new FallbackCount("fast", "groq", "llama", "gemini", "flash", 3));
        store.pruneNow();
        assertThat(store.fallbacks(Instant.EPOCH, NOW)).extracting(FallbackCount::calls).containsExactly(1L, 3L);
    }

    @DatabaseTest
    void retentionPrunesRawRowsAfterTheirAgeAndKeepsAggregatesLonger(TestDatabase db) throws Exception {
        Retention retention = new Retention(Duration.ofDays(30), Duration.ofDays(400), 2, Duration.ZERO, Duration.ofMinutes(10));
        KeycycleStore store = db.open(db.config().clock(fixed(NOW)).retention(retention).build());
        for (int days : new int[] {1, 29, 31, 32, 35, 399, 401}) {
            store.onEvent(Events.settled(NOW.minus(Duration.ofDays(days)), "groq", FP_A, "m", days, 10));
        }
        store.onEvent(Events.keyState(NOW.minus(Duration.ofDays(402)), "groq", FP_A, KeyState.COOLING, NOW.minus(Duration.ofDays(402)).plusSeconds(5), "429"));
        store.onEvent(Events.keyState(NOW.minus(Duration.ofDays(40)), "groq", FP_A, KeyState.COOLING, NOW.minus(Duration.ofDays(40)).plusSeconds(5), "429"));
        assertThat(store.flush(Duration.ofSeconds(10))).isTrue();
        long before = store.storage().bytes();
        assertThat(before).isPositive();
        assertThat(store.storage().oldestUsage()).isEqualTo(NOW.minus(Duration.ofDays(401)).plusMillis(300)); // settled 300 ms after admission

        StorageInfo after = store.pruneNow();

        assertThat(Events.longs(db::connect, "SELECT prompt_tokens FROM keycycle_usage ORDER BY ts")).containsExactly(29L, 1L);
        assertThat(Events.count(db::connect, "SELECT COUNT(*) FROM keycycle_usage_minute")).isEqualTo(6);
        assertThat(Events.count(db::connect, "SELECT SUM(calls) FROM keycycle_outcome_minute")).isEqualTo(6);
        assertThat(Events.count(db::connect, "SELECT COUNT(*) FROM keycycle_state_history")).isEqualTo(1);
        assertThat(after.oldestUsage()).isEqualTo(NOW.minus(Duration.ofDays(29)).plusMillis(300));
        assertThat(after.retention()).isEqualTo(retention);
        assertThat(after.lastPruneAt()).isEqualTo(NOW);
        assertThat(after.lastPruneRows()).isEqualTo(5 + 1 + 1 + 1);
        assertThat(store.pruneNow().lastPruneRows()).isZero();
    }

    @DatabaseTest
    void theWriterKeepsCommittingWhileALargeBacklogIsPruned(TestDatabase db) throws Exception {
        Retention retention = new Retention(Duration.ofDays(30), Duration.ofDays(400), 500, Duration.ofMillis(40), Duration.ofMinutes(10));
        KeycycleStore store = db.open(db.config().clock(fixed(NOW)).retention(retention).build());
        long old = NOW.minus(Duration.ofDays(60)).toEpochMilli();
        try (Connection c = db.connect()) {
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO keycycle_usage (event_id, provider, scope, key_fp, model, ts,"
                    + " requests, prompt_tokens, completion_tokens, charged_tokens, outcome, status) VALUES (?, 'groq', 's', 'k', 'm', ?, 1, 1, 1, 2, 'SUCCESS', 200)")) {
                for (int i = 0; i < 20_000; i++) {
                    ps.setString(1, "old-" + i);
                    ps.setLong(2, old + i);
                    ps.addBatch();
                    if (i % 2_000 == 1_999) ps.executeBatch();
                }
            }
            c.commit();
        }
        CompletableFuture<StorageInfo> pruning = CompletableFuture.supplyAsync(store::pruneNow);
        // 40 statements with a 40 ms pause between them: the prune takes well over a second
        Thread.sleep(200);
        for (int i = 0; i < 5; i++) {
            store.onEvent(Events.settled(NOW.minusSeconds(10 + i), "groq", FP_A, "m", 1000 + i, 10));
            assertThat(store.flush(Duration.ofSeconds(5))).isTrue();
        }
        assertThat(pruning).as("the writer committed while the prune was still running").isNotDone();
        assertThat(pruning.get().lastPruneRows()).isEqualTo(20_000);
        assertThat(Events.count(db::connect, "SELECT COUNT(*) FROM keycycle_usage")).isEqualTo(5);
    }

    @DatabaseTest
    void thePrunerRunsOnItsOwnScheduleWithoutBeingAsked(TestDatabase db) throws Exception {
        // every 200 ms: the first scheduled run comes 200 ms after the store opens (at most one minute for longer periods)
        Retention retention = new Retention(Duration.ofDays(30), Duration.ofDays(400), 2, Duration.ZERO, Duration.ofMillis(200));
        KeycycleStore store = db.open(db.config().clock(fixed(NOW)).retention(retention).build());
        for (int days : new int[] {1, 31, 32, 33}) {
            store.onEvent(Events.settled(NOW.minus(Duration.ofDays(days)), "groq", FP_A, "m", days, 10));
        }
        assertThat(store.flush(Duration.ofSeconds(10))).isTrue();

        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (Events.count(db::connect, "SELECT COUNT(*) FROM keycycle_usage") > 1 && System.nanoTime() < deadline) Thread.sleep(50);

        assertThat(Events.longs(db::connect, "SELECT prompt_tokens FROM keycycle_usage")).containsExactly(1L);
        assertThat(store.storage().lastPruneAt()).as("the scheduled run is reported like pruneNow()").isEqualTo(NOW);
        assertThat(Events.count(db::connect, "SELECT COUNT(*) FROM keycycle_usage_minute")).as("aggregates kept").isEqualTo(4);
    }

    @DatabaseTest(TestDatabase.Kind.SQLITE)
    void retentionSettingsComeFromTheEnvironmentAndAreValidated(TestDatabase db) {
        Retention r = Retention.fromEnv(java.util.Map.of("KEYCYCLE_RETENTION_RAW", "7d", "KEYCYCLE_RETENTION_AGGREGATES", "forever"),
                Retention.DEFAULT);
        assertThat(r.rawUsage()).isEqualTo(Duration.ofDays(7));
        assertThat(r.aggregates()).isZero();
        assertThat(r).hasToString("raw usage 7d, aggregates forever");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Retention.fromEnv(java.util.Map.of("KEYCYCLE_RETENTION_RAW", "a month"), Retention.DEFAULT))
                .hasMessageContaining("KEYCYCLE_RETENTION_RAW 'a month'");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Retention.DEFAULT.withAggregates(Duration.ofDays(10)))
                .hasMessageContaining("at least as long as raw usage");
    }
}
