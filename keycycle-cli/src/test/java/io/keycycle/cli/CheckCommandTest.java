package io.keycycle.cli;

import io.keycycle.core.ApiKey;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class CheckCommandTest {

    static final String GROQ_1 = "gsk_test_0000000000000000000001";
    static final String GROQ_2 = "gsk_test_0000000000000000000002";
    static final String GEMINI_1 = "AIzaSyTest.fake.gemini.key.000000000001";

    @TempDir Path dir;

    @Test
    void goodSetUpExitsZeroAndShowsKeysByFingerprintWithLimitSources() {
        Cli.Result r = Cli.at(dir, Map.of("NUM_GROQ", "2", "GROQ_API_KEY_1", GROQ_1, "GROQ_API_KEY_2", GROQ_2,
                "GROQ_SCOPE_1", "org-a", "GROQ_SCOPE_2", "org-a", "NUM_GEMINI", "1", "GEMINI_API_KEY_1", GEMINI_1)).run("check");

        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out())
                .contains("SEVERITY", "PROVIDER", "CODE", "MESSAGE", "loaded")
                .contains("groq: 2 keys in 1 scope")
                .contains(ApiKey.fingerprint(GROQ_1), ApiKey.fingerprint(GROQ_2), ApiKey.fingerprint(GEMINI_1))
                .contains("default model openai/gpt-oss-120b (current)")
                .containsPattern("tpm\\s+8000\\s+built-in groq")
                .contains("0 errors");
        assertThat(r.all()).doesNotContain(GROQ_1, GROQ_2, GEMINI_1);
    }

    @Test
    void badSetUpExitsOneNamingTheProblem() {
        Cli.Result r = Cli.at(dir, Map.of("NUM_GROQ", "two", "GROQ_API_KEY_1", GROQ_1, "GROQ_BASE_URL", "ftp://nowhere")).run("check");

        assertThat(r.code()).as(r.toString()).isEqualTo(1);
        assertThat(r.out()).contains("ERROR").contains("num-invalid").contains("NUM_GROQ").contains("fix the errors above");
        assertThat(r.all()).doesNotContain(GROQ_1).doesNotContain("\tat ");
    }

    @Test
    void anAccountTierNamingNoTierIsAWarningOfTheCheck() {
        Cli.Result r = Cli.at(dir, Map.of("NUM_GROQ", "1", "GROQ_API_KEY_1", GROQ_1, "COHERE_TIER", "platinum")).run("check");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out()).contains("account-tier").contains("COHERE_TIER").contains("1 warning");
    }

    @Test
    void readsDotEnvOfTheWorkingDirectoryAndTheConfigFile() throws IOException {
        Files.writeString(dir.resolve(".env"), "NUM_GROQ=2\nGROQ_API_KEY_1=" + GROQ_1 + "\nGROQ_API_KEY_2=" + GROQ_2 + "\n");
        Files.writeString(dir.resolve("keycycle.yaml"), """
                providers:
                  groq:
                    keys:
                      2: { limits: { rpm: 7 } }
                tiers:
                  fast: [groq/llama-3.1-8b-instant, cerebras/gpt-oss-120b]
                """);
        Cli.Result r = Cli.at(dir, Map.of()).run("check");

        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out()).contains(dir.resolve("keycycle.yaml").toString(), dir.resolve(".env").toString())
                .contains("key #2 " + ApiKey.fingerprint(GROQ_2) + ": rpm 7 (per-key override providers.groq.keys.2)")
                .containsPattern("fast\\s+1\\s+groq/llama-3.1-8b-instant\\s+retired\\s+2")
                .containsPattern("fast\\s+2\\s+cerebras/gpt-oss-120b\\s+\\S+\\s+none — skipped");
    }

    @Test
    void explicitEnvFileAndConfig() throws IOException {
        Path env = Files.writeString(dir.resolve("prod.env"), "NUM_GEMINI=1\nGEMINI_API_KEY_1=" + GEMINI_1 + "\n");
        Path cfg = Files.writeString(dir.resolve("prod.yaml"), "providers:\n  gemini:\n    default-model: gemini-2.5-flash-lite\n");
        Cli.Result r = Cli.at(dir, Map.of()).run("check", "--env-file", env.toString(), "--config", cfg.toString());

        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out()).contains("gemini: 1 key").contains("default model gemini-2.5-flash-lite");
    }

    @Test
    void brokenConfigFileFailsWithItsProblemAndNoStackTrace() throws IOException {
        Files.writeString(dir.resolve("keycycle.yaml"), "providers:\n  groq:\n    modles: {}\n");
        Cli.Result r = Cli.at(dir, Map.of()).run("check");

        assertThat(r.code()).as(r.toString()).isEqualTo(1);
        assertThat(r.err()).contains("error:").contains("modles").doesNotContain("\tat ");
    }

    @Test
    void debugPrintsTheStackTrace() throws IOException {
        Files.writeString(dir.resolve("keycycle.yaml"), "providers:\n  groq:\n    modles: {}\n");
        Cli.Result r = Cli.at(dir, Map.of()).run("check", "--debug");

        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("modles").contains("\tat io.keycycle");
    }

    @Test
    void missingEnvFileIsAUsageError() {
        Cli.Result r = Cli.at(dir, Map.of()).run("check", "--env-file", "nope.env");

        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--env-file nope.env: no such file").contains("keycycle check --help");
    }

    @Test
    void noKeysSaysHowToAddThem() {
        Cli.Result r = Cli.at(dir, Map.of()).run("check");

        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("No keys found. Set NUM_<PROVIDER>=n");
    }
}
