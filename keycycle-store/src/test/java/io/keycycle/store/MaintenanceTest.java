package io.keycycle.store;

import io.keycycle.core.ApiKey;
import io.keycycle.core.EngineClock;
import io.keycycle.core.OutcomeKind;
import io.keycycle.store.testing.DatabaseTest;
import io.keycycle.store.testing.TestDatabase;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;

import static io.keycycle.store.Events.FP_A;
import static io.keycycle.store.Events.FP_B;
import static org.assertj.core.api.Assertions.assertThat;

class MaintenanceTest {

    private static final Instant NOW = Instant.parse("2026-03-10T12:00:00Z");

    private static EngineClock fixed(Instant t) {
        return new EngineClock() {
            @Override public long millis() { return t.toEpochMilli(); }
            @Override public void parkUntil(long deadlineMillis) { throw new UnsupportedOperationException(); }
            @Override public void wake(Thread thread) { }
        };
    }

    @DatabaseTest
    void pruneDeletesUsageAndAggregatesOlderThanTheCutoff(TestDatabase db) throws Exception {
        KeycycleStore store = db.open(db.config().clock(fixed(NOW)).build());
        for (int d = 0; d < 6; d++) {
            store.onEvent(Events.settled(NOW.minus(Duration.ofDays(d)).minusSeconds(30), "groq", FP_A, "m", d, 10));
        }
        assertThat(store.flush(Duration.ofSeconds(10))).isTrue();
        assertThat(store.prune(Duration.ofDays(3))).isEqualTo(3); // days 3, 4, 5 ago
        assertThat(Events.longs(db::connect, "SELECT prompt_tokens FROM keycycle_usage ORDER BY ts")).containsExactly(2L, 1L, 0L);
        assertThat(Events.count(db::connect, "SELECT COUNT(*) FROM keycycle_usage_minute")).isEqualTo(3);
        assertThat(store.prune(Duration.ofDays(3))).isZero();
    }

    /**
     * {@code keycycle prune --older-than 12h} (the CLI's own example): raw rows older than 12 h go,
     * but the per-minute aggregate of the last 24 h stays, or the next start would hydrate a day
     * window with half a day of usage and let the engine pass the daily limit.
     */
    @DatabaseTest
    void pruneShorterThanADayKeepsTheAggregatesHydrationReads(TestDatabase db) throws Exception {
        KeycycleStore store = db.open(db.config().clock(fixed(NOW)).build());
        store.onEvent(Events.settled(NOW.minus(Duration.ofHours(2)), "groq", FP_A, "m", 1, 10));
        store.onEvent(Events.settled(NOW.minus(Duration.ofHours(20)), "groq", FP_A, "m", 2, 10));
        store.onEvent(Events.settled(NOW.minus(Duration.ofHours(30)), "groq", FP_A, "m", 3, 10));
        assertThat(store.flush(Duration.ofSeconds(10))).isTrue();

        assertThat(store.prune(Duration.ofHours(12))).isEqualTo(2);
        assertThat(Events.longs(db::connect, "SELECT prompt_tokens FROM keycycle_usage")).containsExactly(1L);

        RecordingRestorer r = new RecordingRestorer();
        store.hydrate(r, NOW);
        assertThat(r.requests()).as("requests of the last 24 h hydrated after the prune").isEqualTo(2);
        assertThat(r.tokens()).isEqualTo(20);
        assertThat(Events.count(db::connect, "SELECT COUNT(*) FROM keycycle_usage_minute")).isEqualTo(2);
    }

    @DatabaseTest
    void reportsGroupByProviderKeyModelAndDay(TestDatabase db) {
        KeycycleStore store = db.open();
        Instant d1 = Instant.parse("2026-03-08T10:00:00Z");
        Instant d2 = Instant.parse("2026-03-09T23:59:00Z");
        store.onEvent(Events.settled(d1, "groq", FP_A, "llama", 10, 30));
        store.onEvent(Events.settled(d1.plusSeconds(1), "groq", FP_B, "llama", 5, 15));
        store.onEvent(Events.settled(d2, "groq", FP_A, "qwen", 1, 2));
        store.onEvent(Events.failed(d2, "groq", FP_A, "qwen", OutcomeKind.RATE_LIMITED, 429));
        store.onEvent(Events.settled(d2, "gemini", FP_B, "flash", 7, 7));
        store.onEvent(Events.settled(NOW, "gemini", FP_B, "flash", 100, 100)); // outside [from, to)
        assertThat(store.flush(Duration.ofSeconds(10))).isTrue();
        Instant from = Instant.parse("2026-03-08T00:00:00Z");
        Instant to = Instant.parse("2026-03-10T00:00:00Z");

        assertThat(store.report(ReportQuery.of(from, to))).containsExactly(
                new UsageRow(null, null, null, null, 5, 23, 31, 54, 1));
        assertThat(store.report(ReportQuery.of(from, to, ReportQuery.GroupBy.PROVIDER))).containsExactly(
                new UsageRow("gemini", null, null, null, 1, 7, 0, 7, 0),
                new UsageRow("groq", null, null, null, 4, 16, 31, 47, 1));
        assertThat(store.report(ReportQuery.of(from, to, ReportQuery.GroupBy.KEY))).containsExactly(
                new UsageRow("gemini", FP_B, null, null, 1, 7, 0, 7, 0),
                new UsageRow("groq", FP_A, null, null, 3, 11, 21, 32, 1),
                new UsageRow("groq", FP_B, null, null, 1, 5, 10, 15, 0));
        assertThat(store.report(ReportQuery.of(from, to, ReportQuery.GroupBy.MODEL, ReportQuery.GroupBy.DAY))).containsExactly(
                new UsageRow(null, null, "llama", LocalDate.parse("2026-03-08"), 2, 15, 30, 45, 0),
                new UsageRow(null, null, "flash", LocalDate.parse("2026-03-09"), 1, 7, 0, 7, 0),
                new UsageRow(null, null, "qwen", LocalDate.parse("2026-03-09"), 2, 1, 1, 2, 1));
        assertThat(store.report(ReportQuery.of(Instant.parse("2020-01-01T00:00:00Z"), Instant.parse("2020-01-02T00:00:00Z"))))
                .isEmpty();
    }

    @DatabaseTest
    void legacyUsageLogsImportBySuffixReportsUnmatchedAndAmbiguousAndIsIdempotent(TestDatabase db) throws Exception {
        KeycycleStore store = db.open();
        ApiKey g1 = ApiKey.of("groq", 1, "gsk_test_0000000000000000000001");
        ApiKey g2 = ApiKey.of("groq", 2, "gsk_test_AAAAAAAA0000000000000002");
        ApiKey g3 = ApiKey.of("groq", 3, "gsk_test_BBBBBBBB0000000000000002"); // same last 8 as g2
        ApiKey c1 = ApiKey.of("cerebras", 1, "csk-test-00000000000000000000000c1");
        Map<String, List<ApiKey>> keys = Map.of("groq", List.of(g1, g2, g3), "cerebras", List.of(c1));

        boolean sqlite = db.kind() == TestDatabase.Kind.SQLITE;
        String legacyUrl = sqlite ? "jdbc:sqlite:" + db.workDir().resolve("legacy.db") : null;
        try (Connection c = sqlite ? DriverManager.getConnection(legacyUrl) : db.connect(); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE usage_logs (id INTEGER PRIMARY KEY, provider VARCHAR(100), model VARCHAR(100),"
                    + " api_key_suffix VARCHAR(50), timestamp " + (sqlite ? "FLOAT" : "DATETIME(3)") + ", tokens INTEGER)");
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO usage_logs VALUES (?, ?, ?, ?, ?, ?)")) {
                Object[][] rows = {
                        {1, "groq", "llama-3.3-70b-versatile", "00000001", 1_772_000_000.25, 120},
                        {2, "Groq", "llama-3.3-70b-versatile", "00000001", 1_772_000_060.5, 80},
                        {3, "groq", "llama-3.1-8b-instant", "00000002", 1_772_000_070.0, 50},   // ambiguous
                        {4, "groq", "llama-3.1-8b-instant", "deadbeef", 1_772_000_080.0, 10},   // unmatched
                        {5, "cerebras", "gpt-oss-120b", "0000000c1", 1_772_000_090.0, 300},
                        {6, "openrouter", "x", "00000001", 1_772_000_095.0, 1},                 // no keys for provider
                };
                for (Object[] r : rows) {
                    for (int i = 0; i < r.length; i++) {
                        if (i == 4 && !sqlite) {
                            ps.setString(5, java.time.LocalDateTime.ofEpochSecond((long) Math.floor((Double) r[4]),
                                    (int) Math.round(((Double) r[4] % 1) * 1e9), java.time.ZoneOffset.UTC).toString().replace('T', ' '));
                        } else {
                            ps.setObject(i + 1, r[i]);
                        }
                    }
                    ps.executeUpdate();
                }
            }
        }
        LegacyImportResult first = sqlite ? store.importLegacy(legacyUrl, keys)
                : store.importLegacy(WriterTest.dataSourceOf(db), keys);
        assertThat(first.rowsRead()).isEqualTo(6);
        assertThat(first.imported()).isEqualTo(3);
        assertThat(first.unmatchedRows()).isEqualTo(2);
        assertThat(first.ambiguousRows()).isEqualTo(1);
        assertThat(first.unmatchedSuffixes()).containsEntry("groq", java.util.Set.of("deadbeef"))
                .containsEntry("openrouter", java.util.Set.of("00000001"));
        assertThat(first.ambiguousSuffixes()).containsOnlyKeys("groq");
        assertThat(first.ambiguousSuffixes().get("groq")).containsEntry("00000002", java.util.Set.of(g2.fingerprint(), g3.fingerprint()));
        assertThat(first.toString()).doesNotContain(g2.secret()).doesNotContain(g1.secret());

        assertThat(Events.longs(db::connect, "SELECT ts FROM keycycle_usage ORDER BY ts"))
                .containsExactly(1_772_000_000_250L, 1_772_000_060_500L, 1_772_000_090_000L);
        assertThat(Events.count(db::connect, "SELECT COUNT(*) FROM keycycle_usage WHERE key_fp = '" + g1.fingerprint() + "'")).isEqualTo(2);
        assertThat(Events.count(db::connect, "SELECT SUM(tokens) FROM keycycle_usage_minute")).isEqualTo(500);

        LegacyImportResult again = sqlite ? store.importLegacy(legacyUrl, keys)
                : store.importLegacy(WriterTest.dataSourceOf(db), keys);
        assertThat(again.imported()).isZero();
        assertThat(again.alreadyImported()).isEqualTo(3);
        assertThat(Events.count(db::connect, "SELECT COUNT(*) FROM keycycle_usage")).isEqualTo(3);
        assertThat(Events.count(db::connect, "SELECT SUM(tokens) FROM keycycle_usage_minute")).isEqualTo(500);

        // Hydration sees imported history like any other.
        RecordingRestorer r = new RecordingRestorer();
        store.hydrate(r, Instant.ofEpochSecond(1_772_000_100L));
        assertThat(r.tokens()).isEqualTo(500);
    }
}
