package io.keycycle.cli;

import io.keycycle.core.EngineClock;
import io.keycycle.redis.RedisCluster;
import io.keycycle.redis.testing.RedisTestSupport;
import io.keycycle.store.KeycycleStore;
import io.keycycle.store.StoreConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** {@code serve --redis} refuses a fleet it cannot join (exit 2, one line); {@code status} lists the fleet's instances. */
class ClusterCommandsTest {

    static final String K1 = "gsk_test_0000000000000000000001";

    @TempDir Path dir;

    @Test
    void serveWithAnUnreachableRedisIsOneLineAndExitCode2() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Cli.Result r = Cli.at(dir, Map.of("NUM_GROQ", "1", "GROQ_API_KEY_1", K1))
                .run("serve", "--port", "0", "--db", "none", "--redis", "redis://:s3cret-pass@127.0.0.1:" + port);
        assertThat(r.code()).as(r.toString()).isEqualTo(2);
        assertThat(r.err().strip().lines()).as(r.toString()).hasSize(1);
        assertThat(r.err()).startsWith("error: cannot use Redis at redis://***@127.0.0.1:" + port + ": ").doesNotContain("s3cret");
    }

    /** The library joins Redis before it opens a store: a fleet it cannot join leaves no database open (nor created). */
    @Test
    void aLibraryThatCannotJoinRedisOpensNoStore() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path db = dir.resolve("lib.db");
        Map<String, String> env = Map.of("NUM_GROQ", "1", "GROQ_API_KEY_1", K1,
                "KEYCYCLE_DB_URL", "jdbc:sqlite:" + db, "KEYCYCLE_REDIS_URL", "redis://127.0.0.1:" + port);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> io.keycycle.Keycycle.builder().env(env).discoverPersistence(true).build())
                .isInstanceOf(io.keycycle.core.ClusterException.class)
                .hasMessageContaining("127.0.0.1:" + port);
        assertThat(db).as("no store was opened for a facade that failed to start").doesNotExist();
    }

    @Test
    void serveWithABadRedisUrlIsOneLineAndExitCode2() {
        Cli.Result r = Cli.at(dir, Map.of("NUM_GROQ", "1", "GROQ_API_KEY_1", K1, "KEYCYCLE_REDIS_URL", "localhost:6379"))
                .run("serve", "--port", "0", "--db", "none");
        assertThat(r.code()).as(r.toString()).isEqualTo(2);
        assertThat(r.err().strip().lines()).as(r.toString()).hasSize(1);
        assertThat(r.err()).contains("Redis URL 'localhost:6379' is not valid");
    }

    @Test
    void statusListsTheInstancesOfTheFleet() {
        assumeTrue(RedisTestSupport.available(), "Redis does not answer at 127.0.0.1:6379");
        String db = "jdbc:sqlite:" + dir.resolve("keycycle.db");
        KeycycleStore.open(StoreConfig.builder(db).shutdownHook(false).build()).close();
        String prefix = RedisTestSupport.randomPrefix();
        try (RedisCluster gw = RedisCluster.join(RedisTestSupport.settings(2, prefix, "gw-east-1"), EngineClock.system())) {
            java.nio.file.Files.writeString(dir.resolve("keycycle.yaml"), "cluster:\n  key-prefix: " + prefix + "\n");
            Cli.Result r = Cli.at(dir, Map.of("NUM_GROQ", "1", "GROQ_API_KEY_1", K1, "KEYCYCLE_DB_URL", db,
                    "KEYCYCLE_REDIS_URL", RedisTestSupport.url(2))).run("status");
            assertThat(r.code()).as(r.toString()).isZero();
            assertThat(r.out()).contains("shared pool redis://127.0.0.1:6379/2 (prefix " + prefix + ") — 1 instance")
                    .containsPattern("gw-east-1 +shared +.* ago\\) +0 +yes");
            RedisTestSupport.clean(gw.link());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
