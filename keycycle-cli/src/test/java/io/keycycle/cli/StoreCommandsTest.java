package io.keycycle.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.keycycle.core.ApiKey;
import io.keycycle.core.KeyState;
import io.keycycle.core.KeycycleEvent;
import io.keycycle.core.KeycycleEvent.Level;
import io.keycycle.core.OutcomeKind;
import io.keycycle.store.KeycycleStore;
import io.keycycle.store.StoreConfig;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** status, usage and prune against a SQLite database written through KeycycleStore. */
class StoreCommandsTest {

    static final Instant NOW = Instant.parse("2026-11-28T12:00:00Z");
    static final String K1 = "gsk_test_0000000000000000000001";
    static final String K2 = "gsk_test_0000000000000000000002";
    static final String GEMINI = "AIzaSyTest.fake.gemini.key.000000000001";
    static final String FP1 = ApiKey.fingerprint(K1);
    static final String FP2 = ApiKey.fingerprint(K2);
    static final String FPG = ApiKey.fingerprint(GEMINI);
    static final String LLAMA = "llama-3.3-70b-versatile";

    @TempDir Path dir;
    String db;
    Cli cli;

    @BeforeEach
    void populate() {
        db = "jdbc:sqlite:" + dir.resolve("keycycle.db");
        try (KeycycleStore store = KeycycleStore.open(StoreConfig.builder(db).shutdownHook(false).build())) {
            long lease = 1;
            for (int i = 0; i < 3; i++) store.onEvent(success(NOW.minus(Duration.ofHours(1)).plusSeconds(i), "groq", "org-a", FP1, LLAMA, 100, lease++));
            store.onEvent(success(NOW.minus(Duration.ofHours(2)), "groq", "org-b", FP2, LLAMA, 50, lease++));
            store.onEvent(new KeycycleEvent.Settled(NOW.minus(Duration.ofHours(2)), NOW.minus(Duration.ofHours(2)), "groq", "org-b", FP2,
                    LLAMA, OutcomeKind.RATE_LIMITED, 429, 1, 0, 0, 0, lease++));
            store.onEvent(success(NOW.minus(Duration.ofHours(26)), "gemini", "proj", FPG, "gemini-2.5-flash", 200, lease++));
            store.onEvent(success(NOW.minus(Duration.ofDays(40)), "groq", "org-a", FP1, LLAMA, 10, lease++));
            store.onEvent(new KeycycleEvent.StateChanged(NOW.minus(Duration.ofMinutes(30)), "groq", Level.KEY, "org-b", FP2, "*",
                    KeyState.DISABLED, null, "401 invalid_api_key"));
            store.onEvent(new KeycycleEvent.StateChanged(NOW.minus(Duration.ofMinutes(10)), "groq", Level.SCOPE, "org-a", FP1, LLAMA,
                    KeyState.PARKED, NOW.plus(Duration.ofHours(6)), "daily requests (RPD) exhausted"));
            store.onEvent(new KeycycleEvent.StateChanged(NOW.minus(Duration.ofMinutes(5)), "groq", Level.MODEL, null, null, "gemma2-9b-it",
                    KeyState.MODEL_UNAVAILABLE, null, "model_decommissioned"));
            assertThat(store.flush(Duration.ofSeconds(10))).isTrue();
        }
        cli = Cli.at(dir, Map.of("NUM_GROQ", "2", "GROQ_API_KEY_1", K1, "GROQ_API_KEY_2", K2,
                "GROQ_SCOPE_1", "org-a", "GROQ_SCOPE_2", "org-b", "KEYCYCLE_DB_URL", db), NOW);
    }

    static KeycycleEvent.Settled success(Instant at, String provider, String scope, String fp, String model, long tokens, long lease) {
        return new KeycycleEvent.Settled(at.plusMillis(200), at, provider, scope, fp, model, OutcomeKind.SUCCESS, 200, 1,
                tokens / 2, tokens - tokens / 2, tokens, lease);
    }

    @Test
    void usageGroupsByProviderAndModelOverTheLastDays() throws Exception {
        Cli.Result r = cli.run("usage", "--days", "2", "--format", "json");

        assertThat(r.code()).as(r.toString()).isZero();
        JsonNode rows = Json.MAPPER.readTree(r.out());
        assertThat(rows).hasSize(2);
        JsonNode groq = rows.get(1).path("provider").asText().equals("groq") ? rows.get(1) : rows.get(0);
        assertThat(groq.path("model").asText()).isEqualTo(LLAMA);
        assertThat(groq.path("requests").asLong()).isEqualTo(5);
        assertThat(groq.path("chargedTokens").asLong()).isEqualTo(350);
        assertThat(groq.path("failures").asLong()).isEqualTo(1);
    }

    @Test
    void usageTableByKeyAndDayHasATotal() {
        Cli.Result r = cli.run("usage", "--from", "2026-11-27", "--to", "2026-11-28", "--by", "day,key");

        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out()).contains("usage 2026-11-27 .. 2026-11-28 (UTC)")
                .containsPattern("2026-11-28\\s+groq\\s+" + FP1 + "\\s+3\\s")
                .containsPattern("2026-11-27\\s+gemini\\s+" + FPG + "\\s+1\\s")
                .containsPattern("TOTAL\\s+6\\s");
        assertThat(r.all()).doesNotContain(K1, K2);
    }

    @Test
    void usageCsvWithOneTotal() {
        Cli.Result r = cli.run("usage", "--days", "60", "--by", "none", "--format", "csv");

        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out().lines().toList()).containsExactly(
                "REQUESTS,PROMPT TOKENS,COMPLETION TOKENS,CHARGED TOKENS,FAILURES", "7,280,280,560,1");
    }

    @Test
    void usageArgumentErrorsAreUsageErrors() {
        assertThat(cli.run("usage", "--by", "colour").err()).contains("unknown --by dimension 'colour'");
        assertThat(cli.run("usage", "--by", "colour").code()).isEqualTo(2);
        assertThat(cli.run("usage", "--from", "2026-11-01", "--days", "3").code()).isEqualTo(2);
        assertThat(cli.run("usage", "--from", "2026-11-28", "--to", "2026-11-01").code()).isEqualTo(2);
        assertThat(cli.run("usage", "--from", "yesterday").code()).isEqualTo(2);
    }

    @Test
    void aPlainFilePathIsASqliteDatabase() {
        Cli.Result url = cli.run("usage", "--days", "60", "--by", "none", "--format", "csv");
        Cli.Result path = cli.run("usage", "--db", "keycycle.db", "--days", "60", "--by", "none", "--format", "csv");

        assertThat(path.code()).as(path.toString()).isZero();
        assertThat(path.out()).isEqualTo(url.out());
    }

    @Test
    void missingDatabaseFileFailsWithoutCreatingIt() {
        Path other = dir.resolve("other.db");
        Cli.Result r = cli.run("usage", "--db", "jdbc:sqlite:" + other);

        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("no database at " + other).contains("--db").doesNotContain("\tat ");
        assertThat(other).doesNotExist();
    }

    @Test
    void statusShowsKeyScopeAndModelStatesWithTodaysUsage() {
        Cli.Result r = cli.run("status");

        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out()).contains("3 live states")
                .containsPattern("groq\\s+org-a\\s+" + FP1 + "\\s+1\\s+key\\s+-\\s+READY\\s+-\\s+-\\s+3\\s+300")
                .containsPattern("groq\\s+org-a\\s+\\(scope\\)\\s+-\\s+scope\\s+" + LLAMA + "\\s+PARKED\\s+2026-11-28T18:00:00Z \\(in 6h\\)\\s+daily requests")
                .containsPattern("groq\\s+org-b\\s+" + FP2 + "\\s+2\\s+key\\s+\\*\\s+DISABLED\\s+-\\s+401 invalid_api_key\\s+2\\s+50")
                .containsPattern("groq\\s+-\\s+\\(model\\)\\s+-\\s+model\\s+gemma2-9b-it\\s+MODEL_UNAVAILABLE");
        assertThat(r.all()).doesNotContain(K1, K2);
    }

    @Test
    void statusJsonListsKeysTheEnvironmentNoLongerHas() throws Exception {
        // only key 1 in the environment now: key 2 is still disabled in the database
        Cli onlyOne = Cli.at(dir, Map.of("NUM_GROQ", "1", "GROQ_API_KEY_1", K1, "KEYCYCLE_DB_URL", db), NOW);
        Cli.Result r = onlyOne.run("status", "--format", "json");

        assertThat(r.code()).as(r.toString()).isZero();
        List<JsonNode> rows = Json.MAPPER.readTree(r.out()).findParents("key");
        assertThat(rows).anySatisfy(n -> {
            assertThat(n.path("key").asText()).isEqualTo(FP2);
            assertThat(n.path("state").asText()).isEqualTo("DISABLED");
            assertThat(n.path("index").isNull()).isTrue();
            assertThat(n.path("requestsToday").asLong()).isEqualTo(2);
        });
    }

    @Test
    void statusDropsAGoneModelWhoseReCheckIsDue() throws Exception {
        try (KeycycleStore store = KeycycleStore.open(StoreConfig.builder(db).shutdownHook(false).build())) {
            store.onEvent(new KeycycleEvent.StateChanged(NOW.minus(Duration.ofHours(3)), "groq", Level.MODEL, null, null, "old-model",
                    KeyState.MODEL_UNAVAILABLE, NOW.minus(Duration.ofHours(2)), "model_not_found"));
            store.onEvent(new KeycycleEvent.StateChanged(NOW.minus(Duration.ofMinutes(1)), "groq", Level.MODEL, null, null, "new-model",
                    KeyState.MODEL_UNAVAILABLE, NOW.plus(Duration.ofMinutes(9)), "model_not_found"));
            assertThat(store.flush(Duration.ofSeconds(10))).isTrue();
        }
        String out = cli.run("status", "--format", "json").out();
        assertThat(out).doesNotContain("old-model").contains("new-model");
    }

    @Test
    void clearModelForgetsThatTheProviderReportedAModelGone() throws Exception {
        assertThat(cli.run("status", "--format", "json").out()).contains("gemma2-9b-it");
        Cli.Result r = cli.run("clear-model", "groq/gemma2-9b-it");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out()).contains("cleared groq/gemma2-9b-it");
        assertThat(cli.run("status", "--format", "json").out()).doesNotContain("gemma2-9b-it");
        Cli.Result bad = cli.run("clear-model", "gemma2-9b-it");
        assertThat(bad.code()).isNotZero();
        assertThat(bad.err()).contains("PROVIDER/MODEL");
    }

    @Test
    void clearModelOfAModelNotMarkedGoneSaysSoInsteadOfCleared() {
        Cli.Result r = cli.run("clear-model", "groq/Gemma2-9b-it");   // the model's case mistyped

        assertThat(r.code()).as(r.toString()).isEqualTo(1);
        assertThat(r.out()).doesNotContain("cleared");
        assertThat(r.err()).contains("groq/Gemma2-9b-it is not marked unavailable", "nothing was cleared", "groq/gemma2-9b-it");
        assertThat(cli.run("status", "--format", "json").out()).contains("gemma2-9b-it");
    }

    @Test
    void clearModelClearsAStateWrittenByAHostWhoseClockIsAhead() throws Exception {
        // a gateway on another host, its clock two minutes ahead of this one, reported the model gone
        try (KeycycleStore store = KeycycleStore.open(StoreConfig.builder(db).shutdownHook(false).build())) {
            store.onEvent(new KeycycleEvent.StateChanged(NOW.plus(Duration.ofMinutes(2)), "groq", Level.MODEL, null, null, "ahead-model",
                    KeyState.MODEL_UNAVAILABLE, NOW.plus(Duration.ofMinutes(12)), "model_not_found"));
            assertThat(store.flush(Duration.ofSeconds(10))).isTrue();
        }

        Cli.Result r = cli.run("clear-model", "groq/ahead-model");

        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out()).contains("cleared groq/ahead-model");
        assertThat(cli.run("status", "--format", "json").out()).doesNotContain("ahead-model");
    }

    @Test
    void releaseEndsAScopesHoldsAndLearnedLimitsInTheDatabase() throws Exception {
        try (KeycycleStore store = KeycycleStore.open(StoreConfig.builder(db).shutdownHook(false).build())) {
            store.onEvent(new KeycycleEvent.LimitLearned(NOW.minus(Duration.ofMinutes(9)), "groq", "org-a", LLAMA,
                    io.keycycle.core.Limits.Metric.RPD, 1000, 14, "groq x-ratelimit-limit-requests"));
            assertThat(store.flush(Duration.ofSeconds(10))).isTrue();
        }
        assertThat(cli.run("status", "--format", "json").out()).contains("PARKED");

        Cli.Result r = cli.run("release", "groq/org-a");

        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out()).contains("released groq/org-a", "PARKED " + LLAMA + " until 2026-11-28T18:00:00Z",
                "learned groq org-a " + LLAMA + ": rpd 1000 → 14", "POST /admin/keys/groq/{keyId}/release");
        assertThat(cli.run("status", "--format", "json").out()).doesNotContain("PARKED").contains("DISABLED");
        try (KeycycleStore store = KeycycleStore.open(StoreConfig.builder(db).shutdownHook(false).build())) {
            assertThat(store.learnedLimits()).isEmpty();
        }

        Cli.Result again = cli.run("release", "groq/org-a");
        assertThat(again.code()).isEqualTo(1);
        assertThat(again.err()).contains("groq/org-a has no cooldown, day-park or learned limit", "nothing was released",
                "Scopes that have: none");
        Cli.Result bad = cli.run("release", "org-a");
        assertThat(bad.code()).isNotZero();
        assertThat(bad.err()).contains("PROVIDER/SCOPE");
    }

    @Test
    void pruneDeletesOnlyOldUsage() throws Exception {
        Cli.Result r = cli.run("prune", "--older-than", "30d");

        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out()).contains("deleted 1 usage record older than 30d (before 2026-10-29T12:00:00Z)");
        JsonNode after = Json.MAPPER.readTree(cli.run("usage", "--days", "90", "--by", "none", "--format", "json").out());
        assertThat(after.get(0).path("requests").asLong()).isEqualTo(6);
        assertThat(cli.run("prune", "--older-than", "30d").out()).contains("deleted 0 usage records");
    }

    @Test
    void pruneNeedsAValidDuration() {
        Cli.Result missing = cli.run("prune");
        assertThat(missing.code()).isEqualTo(2);
        assertThat(missing.err()).contains("--older-than");

        Cli.Result bad = cli.run("prune", "--older-than", "30x");
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).contains("'30x' is not a duration; write e.g. 30d, 12h");
    }
}
