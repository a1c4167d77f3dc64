package io.keycycle.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

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
                .contains("0 from limits the configuration knew");
        assertThat(Files.exists(dir.resolve("keycycle-demo.db"))).isTrue();
        // the fake keys never show, only fingerprints
        assertThat(r.all()).doesNotContainPattern("(csk-test-|gsk_test_|AIzaSyTest|sk-or-v1-test)\\w{8,}");
    }

    @Test
    void tooShortADurationIsAUsageError() {
        Cli.Result r = Cli.at(dir, Map.of()).run("demo", "--duration", "5s");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--duration must be at least 20s");
    }
}
