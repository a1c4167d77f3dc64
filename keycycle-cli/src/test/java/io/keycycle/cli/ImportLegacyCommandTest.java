package io.keycycle.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Instant;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ImportLegacyCommandTest {

    static final Instant NOW = Instant.parse("2026-11-28T12:00:00Z");
    static final String GROQ_1 = "gsk_test_0000000000000000000001";
    static final String GROQ_A = "gsk_test_aaaaaaaaaaaaaa_shared01";
    static final String GROQ_B = "gsk_test_bbbbbbbbbbbbbb_shared01";
    static final String CEREBRAS_1 = "csk-test-000000000000000000000001";

    @TempDir Path dir;

    @Test
    void importsByKeySuffixAndReportsUnmatchedAndAmbiguousPerProvider() throws Exception {
        Path legacy = dir.resolve("legacy.db");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + legacy); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE usage_logs (id INTEGER PRIMARY KEY AUTOINCREMENT, provider VARCHAR(50), model VARCHAR(100),"
                    + " api_key_suffix VARCHAR(20), timestamp FLOAT, tokens INTEGER)");
            double ts = NOW.minusSeconds(3600).getEpochSecond() + 0.25;
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO usage_logs (provider, model, api_key_suffix, timestamp, tokens) VALUES (?, ?, ?, ?, ?)")) {
                insert(ps, "groq", "llama-3.3-70b-versatile", suffix(GROQ_1), ts, 120);
                insert(ps, "groq", "llama-3.3-70b-versatile", suffix(GROQ_1), ts + 1, 80);
                insert(ps, "groq", "llama-3.3-70b-versatile", "zzzzzzzz", ts + 2, 10);
                insert(ps, "groq", "llama-3.3-70b-versatile", "shared01", ts + 3, 10);
                insert(ps, "cerebras", "gpt-oss-120b", suffix(CEREBRAS_1), ts + 4, 300);
            }
        }
        String db = "jdbc:sqlite:" + dir.resolve("keycycle.db");
        Cli cli = Cli.at(dir, Map.of("NUM_GROQ", "3", "GROQ_API_KEY_1", GROQ_1, "GROQ_API_KEY_2", GROQ_A, "GROQ_API_KEY_3", GROQ_B,
                "NUM_CEREBRAS", "1", "CEREBRAS_API_KEY_1", CEREBRAS_1, "KEYCYCLE_DB_URL", db), NOW);

        Cli.Result r = cli.run("import-legacy", "--from", "sqlite:///" + legacy);

        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out()).contains("imported 3 of 5 usage_logs rows", "0 already imported, 1 unmatched, 1 ambiguous")
                .containsPattern("cerebras\\s+1\\s+0\\s+0")
                .containsPattern("groq\\s+2\\s+1\\s+1")
                .contains("groq: no key ends with …zzzz")
                .contains("groq: suffix …ed01 matches several keys");
        assertThat(r.all()).doesNotContain("zzzzzzzz", "shared01", suffix(GROQ_1), GROQ_1, GROQ_A);

        Cli.Result again = cli.run("import-legacy", "--from", "sqlite:///" + legacy);
        assertThat(again.code()).isZero();
        assertThat(again.out()).contains("imported 0 of 5", "3 already imported").containsPattern("groq\\s+0\\s+1\\s+1");

        JsonNode usage = Json.MAPPER.readTree(cli.run("usage", "--days", "1", "--by", "provider", "--format", "json").out());
        assertThat(usage.findValuesAsText("provider")).containsExactly("cerebras", "groq");
        assertThat(usage.get(1).path("chargedTokens").asLong()).isEqualTo(200);
    }

    @Test
    void rowsOlderThanTheRawRetentionAreAnnouncedAndStillReportedOnceTheStorePrunedThem() throws Exception {
        Path legacy = dir.resolve("legacy.db");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + legacy); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE usage_logs (id INTEGER PRIMARY KEY AUTOINCREMENT, provider VARCHAR(50), model VARCHAR(100),"
                    + " api_key_suffix VARCHAR(20), timestamp FLOAT, tokens INTEGER)");
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO usage_logs (provider, model, api_key_suffix, timestamp, tokens) VALUES (?, ?, ?, ?, ?)")) {
                insert(ps, "groq", "llama-3.3-70b-versatile", suffix(GROQ_1), NOW.minus(java.time.Duration.ofDays(40)).getEpochSecond(), 500);
                insert(ps, "groq", "llama-3.3-70b-versatile", suffix(GROQ_1), NOW.minus(java.time.Duration.ofDays(45)).getEpochSecond(), 700);
                insert(ps, "groq", "llama-3.3-70b-versatile", suffix(GROQ_1), NOW.minusSeconds(3600).getEpochSecond(), 100);
            }
        }
        String db = "jdbc:sqlite:" + dir.resolve("keycycle.db");
        Cli cli = Cli.at(dir, Map.of("NUM_GROQ", "1", "GROQ_API_KEY_1", GROQ_1, "KEYCYCLE_DB_URL", db), NOW);

        Cli.Result r = cli.run("import-legacy", "--from", "sqlite:///" + legacy);

        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out()).contains("imported 3 of 3")
                .contains("2 of the imported rows are older than the raw retention (30d)")
                .contains("per-minute aggregates", "400d", "KEYCYCLE_RETENTION_RAW");

        // what any process that opens the database does a minute later: the store's own retention run
        try (io.keycycle.store.KeycycleStore store = io.keycycle.store.KeycycleStore.open(io.keycycle.store.StoreConfig.builder(db)
                .shutdownHook(false).clock(KeycycleFactory.engineClock(java.time.Clock.fixed(NOW, java.time.ZoneOffset.UTC))).build())) {
            store.pruneNow();
        }

        Cli.Result usage = cli.run("usage", "--days", "60", "--by", "provider", "--format", "json");
        assertThat(usage.code()).as(usage.toString()).isZero();
        JsonNode rows = Json.MAPPER.readTree(usage.out());
        assertThat(rows.findValuesAsText("provider")).containsExactly("groq");
        assertThat(rows.get(0).path("requests").asLong()).as("the imported rows of 40 and 45 days ago are still reported").isEqualTo(3);
        assertThat(rows.get(0).path("chargedTokens").asLong()).isEqualTo(1_300);

        Cli.Result table = cli.run("usage", "--days", "60", "--by", "day,provider");
        assertThat(table.out()).contains("2026-10-19", "2026-10-14", "per-minute aggregates");
    }

    @Test
    void withoutKeysThereIsNothingToMatch() {
        Cli.Result r = Cli.at(dir, Map.of(), NOW).run("import-legacy", "--from", "sqlite:///" + dir.resolve("x.db"));

        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("no keys in the environment to match");
    }

    @Test
    void aMistypedSqliteSourceIsAnErrorNamingTheFileAndCreatesNothing() {
        Path typo = dir.resolve("legacy-typo.db");
        Cli cli = Cli.at(dir, Map.of("NUM_GROQ", "1", "GROQ_API_KEY_1", GROQ_1,
                "KEYCYCLE_DB_URL", "jdbc:sqlite:" + dir.resolve("keycycle.db")), NOW);

        Cli.Result r = cli.run("import-legacy", "--from", "sqlite:///" + typo);

        assertThat(r.code()).as(r.toString()).isEqualTo(1);
        assertThat(r.err()).contains("--from", "no such file", typo.toString()).doesNotContain("Check --db");
        assertThat(typo).as("the source is only read: a typo must not leave an empty database behind").doesNotExist();
    }

    @Test
    void fromIsRequired() {
        Cli.Result r = Cli.at(dir, Map.of(), NOW).run("import-legacy");

        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("Missing required option: '--from=URL'");
    }

    private static String suffix(String key) { return key.substring(key.length() - 8); }

    private static void insert(PreparedStatement ps, String provider, String model, String suffix, double ts, long tokens) throws Exception {
        ps.setString(1, provider);
        ps.setString(2, model);
        ps.setString(3, suffix);
        ps.setDouble(4, ts);
        ps.setLong(5, tokens);
        ps.executeUpdate();
    }
}
