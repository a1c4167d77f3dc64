package io.keycycle.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Python library loads {@code .env} into the environment, so its users keep {@code TIDB_DB_URL}
 * there. The {@code .env} file is read for every variable Keycycle reads, the database's included;
 * the real environment wins where both set one. Before, a database URL in {@code .env} was silently
 * ignored and usage went to {@code ./keycycle.db}.
 */
class DotEnvSettingsTest {

    @TempDir Path dir;

    @Test
    void aDatabaseUrlInDotEnvIsTheDatabase() throws IOException {
        Files.writeString(dir.resolve(".env"), "TIDB_DB_URL=jdbc:sqlite:" + dir.resolve("from-dotenv.db") + "\n");
        Cli.Result r = Cli.at(dir, Map.of()).run("usage");

        assertThat(r.code()).as(r.toString()).isNotZero();
        assertThat(r.err()).as(r.toString()).contains("from-dotenv.db");
    }

    @Test
    void theRealEnvironmentWinsOverDotEnv() throws IOException {
        Files.writeString(dir.resolve(".env"), "KEYCYCLE_DB_URL=jdbc:sqlite:" + dir.resolve("from-dotenv.db") + "\n");
        Cli.Result r = Cli.at(dir, Map.of("KEYCYCLE_DB_URL", "jdbc:sqlite:" + dir.resolve("from-env.db"))).run("usage");

        assertThat(r.err()).as(r.toString()).contains("from-env.db").doesNotContain("from-dotenv.db");
    }

    @Test
    void theConfigFileNamedInDotEnvIsRead() throws IOException {
        Files.writeString(dir.resolve("prod.yaml"), "providers:\n  gemini:\n    default-model: gemini-2.5-flash-lite\n");
        Files.writeString(dir.resolve(".env"), "KEYCYCLE_CONFIG=prod.yaml\nNUM_GEMINI=1\nGEMINI_API_KEY_1=test-only-fake-gemini-key-0001\n");
        Cli.Result r = Cli.at(dir, Map.of()).run("check");

        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out()).contains(dir.resolve("prod.yaml").toString()).contains("default model gemini-2.5-flash-lite");
    }
}
