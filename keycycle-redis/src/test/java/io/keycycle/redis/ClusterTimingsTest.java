package io.keycycle.redis;

import io.keycycle.core.ConfigurationException;
import io.keycycle.core.EngineClock;
import io.keycycle.core.config.ClusterConfig;
import io.keycycle.core.config.KeycycleConfig;
import io.keycycle.redis.testing.RedisTestSupport;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The cluster timings of the file ({@code cluster.heartbeat / command-timeout / instance-ttl}) are the ones the instance runs with. */
class ClusterTimingsTest {

    @Test
    void theFilesTimingsReachTheInstance() {
        assumeTrue(RedisTestSupport.available(), "Redis does not answer at 127.0.0.1:6379");
        String prefix = RedisTestSupport.randomPrefix();
        ClusterConfig file = KeycycleConfig.parse("""
                cluster:
                  instance-id: timed
                  key-prefix: %s
                  heartbeat: 300ms
                  command-timeout: 250ms
                  instance-ttl: 4s
                  block-size: 8
                  block-time: 50ms
                """.formatted(prefix), Map.of(), "test.yaml").cluster();
        try (RedisCluster c = RedisCluster.join(file.withRedisUrl(RedisTestSupport.url(7)), EngineClock.system())) {
            RedisSettings s = c.link().settings();
            assertThat(s.heartbeatInterval()).isEqualTo(Duration.ofMillis(300));
            assertThat(s.commandTimeout()).isEqualTo(Duration.ofMillis(250));
            assertThat(s.instanceTtl()).isEqualTo(Duration.ofSeconds(4));
            assertThat(s.instanceId()).isEqualTo("timed");
            assertThat(s.blockSize()).isEqualTo(8);
            assertThat(s.blockTime()).isEqualTo(Duration.ofMillis(50));
            RedisTestSupport.clean(c.link());
        }
        try (RedisCluster c = RedisCluster.join(new ClusterConfig(RedisTestSupport.url(7), "plain", prefix), EngineClock.system())) {
            assertThat(c.link().settings().instanceTtl()).as("default").isEqualTo(ClusterConfig.DEFAULT_INSTANCE_TTL);
            assertThat(c.link().settings().blockSize()).as("default").isEqualTo(RedisSettings.DEFAULT_BLOCK_SIZE);
            RedisTestSupport.clean(c.link());
        }
    }

    @Test
    void blockSettingsOutOfRangeAreRefusedInTheFilesWords() {
        assertThatThrownBy(() -> RedisSettings.of("redis://127.0.0.1:6379").withBlocks(0, Duration.ofMillis(100)))
                .isInstanceOf(ConfigurationException.class)
                .hasMessage("cluster.block-size must be between 1 (blocks off) and 1000, was 0");
        assertThatThrownBy(() -> RedisSettings.of("redis://127.0.0.1:6379").withBlocks(8, Duration.ofSeconds(2)))
                .isInstanceOf(ConfigurationException.class)
                .hasMessage("cluster.block-time must be between 10ms and 1s, was 2s");
    }

    @Test
    void anInstanceTtlShorterThanTwoHeartbeatsIsRefusedInTheFilesWords() {
        assertThatThrownBy(() -> RedisSettings.of("redis://127.0.0.1:6379").withTimings(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(3)))
                .isInstanceOf(ConfigurationException.class)
                .hasMessage("cluster.instance-ttl (3s) must be at least two cluster.heartbeat (2s)");
    }
}
