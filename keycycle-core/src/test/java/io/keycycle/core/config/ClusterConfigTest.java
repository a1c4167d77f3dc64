package io.keycycle.core.config;

import io.keycycle.Keycycle;
import io.keycycle.core.ClusterException;
import io.keycycle.core.ConfigurationException;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The {@code cluster:} section, and a Redis URL without keycycle-redis on the class path (core's tests do not have it). */
class ClusterConfigTest {

    @Test
    void theClusterSectionIsParsedWithDefaultsLeftToTheModule() {
        KeycycleConfig c = KeycycleConfig.parse("""
                cluster:
                  redis-url: ${REDIS:-redis://10.0.0.5:6379/2}
                  instance-id: gw-1
                  key-prefix: team-a
                """, Map.of(), "test.yaml");
        assertThat(c.cluster()).isEqualTo(new ClusterConfig("redis://10.0.0.5:6379/2", "gw-1", "team-a"));
        assertThat(KeycycleConfig.parse("selection: headroom\n", Map.of(), "t.yaml").cluster()).isEqualTo(ClusterConfig.DEFAULT);
    }

    @Test
    void clusterTimingsAreReadAsDurationsAndDefaultWhenAbsent() {
        ClusterConfig c = KeycycleConfig.parse("""
                cluster:
                  redis-url: redis://10.0.0.5:6379/2
                  heartbeat: 500ms
                  command-timeout: 250ms
                  instance-ttl: 30s
                """, Map.of(), "test.yaml").cluster();
        assertThat(c.heartbeatOrDefault()).isEqualTo(java.time.Duration.ofMillis(500));
        assertThat(c.commandTimeoutOrDefault()).isEqualTo(java.time.Duration.ofMillis(250));
        assertThat(c.instanceTtlOrDefault()).isEqualTo(java.time.Duration.ofSeconds(30));
        assertThat(c.withRedisUrl("redis://other:6379").instanceTtl()).as("a URL from the environment keeps the file's timings")
                .isEqualTo(java.time.Duration.ofSeconds(30));
        ClusterConfig d = ClusterConfig.DEFAULT;
        assertThat(d.heartbeatOrDefault()).isEqualTo(java.time.Duration.ofSeconds(1));
        assertThat(d.commandTimeoutOrDefault()).isEqualTo(java.time.Duration.ofSeconds(1));
        assertThat(d.instanceTtlOrDefault()).isEqualTo(java.time.Duration.ofSeconds(10));
    }

    @Test
    void badClusterTimingsAreNamed() {
        assertThatThrownBy(() -> KeycycleConfig.parse("""
                cluster:
                  heartbeat: 0s
                  command-timeout: soon
                """, Map.of(), "test.yaml"))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("cluster.heartbeat must be > 0, was '0s'")
                .hasMessageContaining("cluster.command-timeout must be a duration such as 500ms");
        assertThatThrownBy(() -> KeycycleConfig.parse("""
                cluster:
                  heartbeat: 6s
                """, Map.of(), "test.yaml"))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("cluster.instance-ttl (10s) must be at least two cluster.heartbeat (6s)");
        assertThatThrownBy(() -> KeycycleConfig.parse("""
                cluster:
                  instance-ttl: 1500ms
                """, Map.of(), "test.yaml"))
                .hasMessageContaining("cluster.instance-ttl (1500ms) must be at least two cluster.heartbeat (1s)");
    }

    @Test
    void blockSettingsAreReadAndBadOnesNamed() {
        ClusterConfig c = KeycycleConfig.parse("""
                cluster:
                  redis-url: redis://10.0.0.5:6379/2
                  block-size: 1
                  block-time: 250ms
                """, Map.of(), "test.yaml").cluster();
        assertThat(c.blockSize()).isEqualTo(1);
        assertThat(c.blockTime()).isEqualTo(java.time.Duration.ofMillis(250));
        assertThat(c.withRedisUrl("redis://other:6379").blockSize()).as("a URL from the environment keeps the file's blocks").isEqualTo(1);
        assertThat(ClusterConfig.DEFAULT.blockSize()).as("unset: the module's default").isNull();
        assertThatThrownBy(() -> KeycycleConfig.parse("""
                cluster:
                  block-size: 0
                  block-time: 5s
                """, Map.of(), "test.yaml"))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("cluster.block-size")
                .hasMessageContaining("cluster.block-time must be between 10ms and 1s, was 5s");
    }

    @Test
    void badClusterValuesAreNamedWithTheirPathAndNoPassword() {
        assertThatThrownBy(() -> KeycycleConfig.parse("""
                cluster:
                  redis-url: http://:hunter2@10.0.0.5:6379
                  instance-id: "gw 1"
                  redis-port: 6379
                """, Map.of(), "test.yaml"))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("cluster.redis-url must be a redis:// or rediss:// URL, was 'http://***@10.0.0.5:6379'")
                .hasMessageContaining("cluster.instance-id may hold only")
                .hasMessageContaining("redis-port")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("hunter2"));
    }

    @Test
    void aPasswordWithAnAtSignOrASlashShowsNoPartOfItself() {
        for (String url : new String[] {"redis://:hunter2@secret@10.0.0.5:6379/0", "redis://:hunter2/secret@10.0.0.5:6379/0",
                "rediss://user:hunter2/se@cret@10.0.0.5:6380"}) {
            assertThat(ClusterConfig.redactUrl(url)).as(url).startsWith("redis").contains("://***@10.0.0.5:")
                    .doesNotContain("hunter2").doesNotContain("secret").doesNotContain("cret");
            assertThat(new ClusterConfig(url, null, null).toString()).as(url).doesNotContain("hunter2").doesNotContain("cret");
        }
        assertThat(ClusterConfig.redactUrl("redis://10.0.0.5:6379/0")).isEqualTo("redis://10.0.0.5:6379/0");
    }

    @Test
    void aRedisUrlWithoutKeycycleRedisOnTheClassPathIsAClearError() {
        assertThatThrownBy(() -> Keycycle.builder().env(Map.of()).shutdownHook(false).redis("redis://127.0.0.1:6379/1").build())
                .isInstanceOf(ClusterException.class)
                .hasMessageContaining("keycycle-redis is not on the class path");
        assertThatThrownBy(() -> Keycycle.builder().env(Map.of("KEYCYCLE_REDIS_URL", "redis://:pw@127.0.0.1:6379")).shutdownHook(false).build())
                .isInstanceOf(ClusterException.class)
                .hasMessageContaining("redis://***@127.0.0.1:6379")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(":pw@"));
        // a blank URL turns sharing off
        Keycycle.builder().env(Map.of("KEYCYCLE_REDIS_URL", "redis://127.0.0.1:6379")).shutdownHook(false).redis("").build().close();
    }
}
