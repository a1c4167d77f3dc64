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
                """.formatted(prefix), Map.of(), "test.yaml").cluster();
        try (RedisCluster c = RedisCluster.join(file.withRedisUrl(RedisTestSupport.url(7)), EngineClock.system())) {
            RedisSettings s = c.link().settings();
            assertThat(s.heartbeatInterval()).isEqualTo(Duration.ofMillis(300));
            assertThat(s.commandTimeout()).isEqualTo(Duration.ofMillis(250));
            assertThat(s.instanceTtl()).isEqualTo(Duration.ofSeconds(4));
            assertThat(s.instanceId()).isEqualTo("timed");
            RedisTestSupport.clean(c.link());
        }
        try (RedisCluster c = RedisCluster.join(new ClusterConfig(RedisTestSupport.url(7), "plain", prefix), EngineClock.system())) {
            assertThat(c.link().settings().instanceTtl()).as("default").isEqualTo(ClusterConfig.DEFAULT_INSTANCE_TTL);
            RedisTestSupport.clean(c.link());
        }
    }

    @Test
    void anInstanceTtlShorterThanTwoHeartbeatsIsRefusedInTheFilesWords() {
        assertThatThrownBy(() -> RedisSettings.of("redis://127.0.0.1:6379").withTimings(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(3)))
                .isInstanceOf(ConfigurationException.class)
                .hasMessage("cluster.instance-ttl (3s) must be at least two cluster.heartbeat (2s)");
    }
}
