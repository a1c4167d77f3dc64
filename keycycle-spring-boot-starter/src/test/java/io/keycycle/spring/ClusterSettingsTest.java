package io.keycycle.spring;

import io.keycycle.core.config.ClusterConfig;
import io.keycycle.core.config.KeycycleConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.core.io.ClassPathResource;
import org.springframework.mock.env.MockEnvironment;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** keycycle.cluster.* mean what cluster: in keycycle.yaml means; nothing is joined here (no Redis needed). */
class ClusterSettingsTest {

    private static KeycycleProperties bind(MockEnvironment env) {
        return Binder.get(env).bind("keycycle", KeycycleProperties.class).orElseGet(KeycycleProperties::new);
    }

    private static KeycycleSetup.Settings resolve(MockEnvironment env) {
        return KeycycleSetup.Settings.resolve(bind(env), env);
    }

    @Test
    void clusterPropertiesMirrorTheYamlSection() {
        MockEnvironment env = new MockEnvironment()
                .withProperty("keycycle.tiers.fast", "groq/llama-3.1-8b-instant")
                .withProperty("keycycle.cluster.redis-url", "redis://:s3cret@10.0.0.5:6379/2")
                .withProperty("keycycle.cluster.instance-id", "api-1")
                .withProperty("keycycle.cluster.key-prefix", "shop")
                .withProperty("keycycle.cluster.heartbeat", "500ms")
                .withProperty("keycycle.cluster.command-timeout", "250ms")
                .withProperty("keycycle.cluster.instance-ttl", "30s")
                .withProperty("keycycle.cluster.block-size", "8")
                .withProperty("keycycle.cluster.block-time", "50ms");
        KeycycleConfig fromYaml = KeycycleConfig.parse("""
                tiers:
                  fast: [groq/llama-3.1-8b-instant]
                cluster: { redis-url: "redis://:s3cret@10.0.0.5:6379/2", instance-id: api-1, key-prefix: shop,
                           heartbeat: 500ms, command-timeout: 250ms, instance-ttl: 30s, block-size: 8, block-time: 50ms }
                """, Map.of(), "keycycle.yaml");
        KeycycleSetup.Settings s = resolve(env);
        assertThat(s.config().cluster()).isEqualTo(fromYaml.cluster());
        assertThat(s.redisUrl()).isEqualTo("redis://:s3cret@10.0.0.5:6379/2");
        assertThat(s.redisUrlProperty()).isEqualTo("keycycle.cluster.redis-url");
    }

    @Test
    void clusterPropertiesApplyOnTopOfTheFilesSection(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("keycycle.yaml");
        Files.writeString(file, """
                tiers:
                  cheap: [groq/llama-3.1-8b-instant]
                cluster: { redis-url: "redis://10.0.0.5:6379/0", instance-id: from-file, key-prefix: file-prefix }
                """);
        MockEnvironment env = new MockEnvironment().withProperty("keycycle.config-file", file.toString())
                .withProperty("keycycle.cluster.key-prefix", "from-properties");
        KeycycleConfig c = resolve(env).config();
        assertThat(c.tiers()).as("the file is still read: cluster properties alone define no configuration").containsOnlyKeys("cheap");
        assertThat(c.cluster()).isEqualTo(new ClusterConfig("redis://10.0.0.5:6379/0", "from-file", "from-properties"));

        MockEnvironment off = new MockEnvironment().withProperty("keycycle.config-file", file.toString())
                .withProperty("keycycle.cluster.redis-url", "");
        assertThat(resolve(off).redisUrl()).as("a blank property turns the file's sharing off").isNull();
    }

    @Test
    void theRedisUrlVariableComesFromAnyPropertySourceAndWins() {
        MockEnvironment env = new MockEnvironment()
                .withProperty("KEYCYCLE_REDIS_URL", "redis://127.0.0.1:6390/3")
                .withProperty("keycycle.cluster.redis-url", "redis://10.0.0.5:6379/0");
        KeycycleSetup.Settings s = resolve(env);
        assertThat(s.redisUrl()).isEqualTo("redis://127.0.0.1:6390/3");
        assertThat(s.redisUrlProperty()).isEqualTo("KEYCYCLE_REDIS_URL");
    }

    @Test
    void aMalformedClusterPropertyIsNamed() {
        MockEnvironment url = new MockEnvironment().withProperty("keycycle.cluster.redis-url", "http://:pw@127.0.0.1:6379");
        assertThatThrownBy(() -> resolve(url))
                .isInstanceOfSatisfying(KeycyclePropertyException.class, e -> assertThat(e.property()).isEqualTo("keycycle.cluster.redis-url"))
                .hasMessageContaining("keycycle.cluster.redis-url must be a redis:// or rediss:// URL")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("pw@"));
        MockEnvironment prefix = new MockEnvironment().withProperty("keycycle.tiers.t", "groq/llama-3.1-8b-instant")
                .withProperty("keycycle.cluster.key-prefix", "has space");
        assertThatThrownBy(() -> resolve(prefix))
                .isInstanceOfSatisfying(KeycyclePropertyException.class, e -> assertThat(e.property()).isEqualTo("keycycle.cluster.key-prefix"));
    }

    @Test
    void aRedisUrlWithoutKeycycleRedisOnTheClassPathIsNamed() {
        MockEnvironment env = new MockEnvironment().withProperty("keycycle.cluster.redis-url", "redis://:pw@127.0.0.1:6379/6");
        assertThat(resolve(env).redisUrl()).as("with keycycle-redis present the URL is accepted").isNotNull();
        Thread t = Thread.currentThread();
        ClassLoader before = t.getContextClassLoader();
        t.setContextClassLoader(new FilteredClassLoader(new ClassPathResource("META-INF/services/io.keycycle.core.ClusterProvider")));
        try {
            assertThatThrownBy(() -> resolve(env))
                    .isInstanceOfSatisfying(KeycyclePropertyException.class, e -> assertThat(e.property()).isEqualTo("keycycle.cluster.redis-url"))
                    .hasMessageContaining("keycycle-redis is not on the class path")
                    .hasMessageContaining("io.keycycle:keycycle-redis")
                    .hasMessageContaining("redis://***@127.0.0.1:6379/6")
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain(":pw@"));
        } finally {
            t.setContextClassLoader(before);
        }
    }
}
