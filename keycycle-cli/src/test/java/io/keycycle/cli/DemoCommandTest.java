package io.keycycle.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.keycycle.core.KeyState;
import io.keycycle.core.KeycycleEvent;
import io.keycycle.store.KeycycleStore;
import io.keycycle.store.ReportQuery;
import io.keycycle.store.StoreConfig;
import io.keycycle.store.UsageRow;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

/** A short demo run end to end: simulator, gateway, database, traffic, summary, exit code. */
class DemoCommandTest {

    @TempDir Path dir;

    @Test
    void aShortRunTellsTheStoryAndBalancesTheBooks() throws Exception {
        Cli.Result r = Cli.at(dir, Map.of()).run("demo", "--duration", "20", "--port", "0", "--rate", "3");

        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out())
                .contains("gateway    http://127.0.0.1:")
                .contains("▶ Gemini revokes key #1")
                .contains("▶ Cerebras accounts run out of credit")
                .contains("Summary after")
                .contains("Books: ✓")
                .contains("0 from limits the configuration knew")
                // the storm: Groq stricter than the file says, so its 429s are the provider's, and they cool
                .containsPattern("Upstream 429s: \\d+ — [1-9]\\d* from the storm");
        assertThat(Files.exists(dir.resolve("keycycle-demo.db"))).isTrue();
        // the fake keys never show, only fingerprints
        assertThat(r.all()).doesNotContainPattern("(csk-test-|gsk_test_|AIzaSyTest|sk-or-v1-test)\\w{8,}");
    }

    /**
     * A kept database (--db) from an earlier run holds that run's usage and key states: the engine
     * would restore them (Cerebras disabled, OpenRouter parked before the story starts) and the
     * books would count the old tokens. The demo refuses such a database and leaves it as it was.
     */
    @Test
    void aDatabaseThatAlreadyHoldsDataIsRefusedAndLeftAsItWas() throws Exception {
        Path kept = dir.resolve("kept.db");
        String url = "jdbc:sqlite:" + kept;
        String fp = io.keycycle.core.ApiKey.fingerprint("gsk_test_0000000000000000000001");
        java.time.Instant at = java.time.Instant.now().minusSeconds(600);
        try (KeycycleStore store = KeycycleStore.open(StoreConfig.builder(url).shutdownHook(false).build())) {
            store.onEvent(StoreCommandsTest.success(at, "groq", "groq-org-1", fp, DemoWorld.GROQ_FAST, 100, 1));
            store.onEvent(new KeycycleEvent.StateChanged(at, "cerebras", KeycycleEvent.Level.KEY, "cerebras-org-1",
                    fp, "*", KeyState.DISABLED, null, "402 payment required"));
            assertThat(store.flush(Duration.ofSeconds(10))).isTrue();
        }

        Cli.Result r = Cli.at(dir, Map.of()).run("demo", "--duration", "20", "--port", "0", "--db", "kept.db");

        assertThat(r.code()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains("--db", "already holds", kept.toString());
        assertThat(r.out()).doesNotContain("Summary after");
        try (KeycycleStore store = KeycycleStore.open(StoreConfig.builder(url).shutdownHook(false).build())) {
            List<UsageRow> rows = store.report(ReportQuery.of(java.time.Instant.EPOCH, java.time.Instant.now().plusSeconds(60),
                    ReportQuery.GroupBy.PROVIDER));
            assertThat(rows).extracting(UsageRow::provider, UsageRow::requests).containsExactly(tuple("groq", 1L));
        }
    }

    @Test
    void tooShortADurationIsAUsageError() {
        Cli.Result r = Cli.at(dir, Map.of()).run("demo", "--duration", "5s");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--duration must be at least 20s");
    }

    @Test
    void aConfigurationOrEnvFileIsAUsageErrorSinceTheDemoBringsItsOwn() throws Exception {
        Files.writeString(dir.resolve("mine.yaml"), "tiers:\n  fast: [groq/openai/gpt-oss-20b]\n");
        Files.writeString(dir.resolve("mine.env"), "NUM_GROQ=1\nGROQ_API_KEY_1=gsk_test_0000000000000000000009\n");

        for (String[] option : new String[][] {{"--config", "mine.yaml"}, {"--env-file", "mine.env"}}) {
            Cli.Result r = Cli.at(dir, Map.of()).run("demo", "--duration", "20", "--port", "0", option[0], option[1]);

            assertThat(r.code()).as(r.toString()).isEqualTo(2);
            assertThat(r.err()).contains(option[0], "the demo brings its own");
            assertThat(r.out()).doesNotContain("Summary after");
        }
        assertThat(dir.resolve("keycycle-demo.db")).doesNotExist();
    }
}
