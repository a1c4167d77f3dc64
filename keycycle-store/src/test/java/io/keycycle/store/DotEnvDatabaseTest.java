package io.keycycle.store;

import io.keycycle.Keycycle;
import io.keycycle.core.ApiKey;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A database URL kept in the {@code .env} file (where the Python library's users keep
 * {@code TIDB_DB_URL}: it loads the file into the environment) is the store the library discovers,
 * not the default {@code ./keycycle.db}; the real environment still wins over the file.
 */
class DotEnvDatabaseTest {

    @TempDir Path dir;

    private Keycycle build(Map<String, String> env, Path dotEnv) {
        return Keycycle.builder().env(env).dotEnv(dotEnv).discoverPersistence(true).shutdownHook(false)
                .keys("groq", List.of(ApiKey.of("groq", 1, "gsk_FAKE_dotenv_database_test_0001"))).build();
    }

    @Test
    void theDatabaseUrlOfTheDotEnvFileIsTheStore() throws Exception {
        Path db = dir.resolve("from-dotenv.db");
        Path dotEnv = Files.writeString(dir.resolve(".env"), "TIDB_DB_URL=sqlite:///" + db + "\n");
        try (Keycycle kc = build(Map.of(), dotEnv)) {
            assertThat(kc.persistence()).isPresent();
        }
        assertThat(db).as("the store was opened at the .env's URL").exists();
    }

    @Test
    void theEnvironmentWinsOverTheDotEnvFile() throws Exception {
        Path fromFile = dir.resolve("from-dotenv.db");
        Path fromEnv = dir.resolve("from-env.db");
        Path dotEnv = Files.writeString(dir.resolve(".env"), "KEYCYCLE_DB_URL=jdbc:sqlite:" + fromFile + "\n");
        try (Keycycle kc = build(Map.of("KEYCYCLE_DB_URL", "jdbc:sqlite:" + fromEnv), dotEnv)) {
            assertThat(kc.persistence()).isPresent();
        }
        assertThat(fromEnv).exists();
        assertThat(fromFile).doesNotExist();
    }
}
