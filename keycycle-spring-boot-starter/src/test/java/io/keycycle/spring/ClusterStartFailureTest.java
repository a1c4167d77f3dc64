package io.keycycle.spring;

import io.keycycle.sim.ProviderKind;
import io.keycycle.sim.SimKey;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.core.io.ClassPathResource;

import java.net.ServerSocket;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A shared pool that cannot be used stops the start with Spring Boot's short report naming
 * keycycle.cluster.redis-url (or KEYCYCLE_REDIS_URL), never the password. No Redis needed: the
 * unreachable case uses a port nothing listens on.
 */
@ExtendWith(OutputCaptureExtension.class)
class ClusterStartFailureTest {

    private static Map<String, String> groqKeys() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("NUM_GROQ", "1");
        env.put("GROQ_API_KEY_1", SimKey.fakeSecret(ProviderKind.GROQ, 1));
        env.put("GROQ_BASE_URL", "http://127.0.0.1:9/openai/v1");
        return env;
    }

    private static String failedStart(CapturedOutput output, Map<String, String> env, String... properties) {
        assertThatThrownBy(() -> TestApp.run(env, properties).close()).isNotNull();
        String out = output.getAll();
        assertThat(out).contains("APPLICATION FAILED TO START");
        assertThat(out).as("no stack trace").doesNotContainPattern("\\n\\s+at org\\.springframework");
        assertThat(out).as("never the password").doesNotContain("hunter2");
        return out;
    }

    private static int closedPort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void aMalformedRedisUrlStopsTheStartBeforeAnyBean(CapturedOutput output) {
        String out = failedStart(output, groqKeys(), "keycycle.database.url=none", "keycycle.cluster.redis-url=http://:hunter2@127.0.0.1:6379");
        assertThat(out).contains("Property: keycycle.cluster.redis-url").contains("must be a redis:// or rediss:// URL");
        assertThat(out).doesNotContain("Error creating bean with name");
    }

    @Test
    void aRedisUrlLettuceCannotParseStopsTheStartBeforeAnyBean(CapturedOutput output) {
        String out = failedStart(output, groqKeys(), "keycycle.database.url=none", "keycycle.cluster.redis-url=redis://:hunter2@127.0.0.1:6379/six");
        assertThat(out).contains("Property: keycycle.cluster.redis-url").contains("Redis URL 'redis://***@127.0.0.1:6379/six' is not valid");
        assertThat(out).doesNotContain("Error creating bean with name");
    }

    @Test
    void anUnreachableRedisStopsTheStartNamingTheProperty(CapturedOutput output) throws Exception {
        int port = closedPort();
        String out = failedStart(output, groqKeys(), "keycycle.database.url=none",
                "keycycle.cluster.redis-url=redis://:hunter2@127.0.0.1:" + port + "/6");
        assertThat(out).contains("Property: keycycle.cluster.redis-url")
                .contains("the shared pool could not be joined (keycycle.cluster.redis-url): cannot use Redis at redis://***@127.0.0.1:" + port + "/6");
    }

    @Test
    void theRedisUrlVariableIsNamedWhenItIsTheOneInForce(CapturedOutput output) throws Exception {
        Map<String, String> env = groqKeys();
        env.put("KEYCYCLE_REDIS_URL", "redis://:hunter2@127.0.0.1:" + closedPort() + "/6");
        String out = failedStart(output, env, "keycycle.database.url=none");
        assertThat(out).contains("Property: KEYCYCLE_REDIS_URL");
    }

    @Test
    void aRedisUrlWithoutKeycycleRedisStopsTheStartBeforeAnyBean(CapturedOutput output) {
        Thread t = Thread.currentThread();
        ClassLoader before = t.getContextClassLoader();
        t.setContextClassLoader(new FilteredClassLoader(new ClassPathResource("META-INF/services/io.keycycle.core.ClusterProvider")));
        try {
            String out = failedStart(output, groqKeys(), "keycycle.database.url=none", "keycycle.cluster.redis-url=redis://:hunter2@127.0.0.1:6379/6");
            assertThat(out).contains("Property: keycycle.cluster.redis-url").contains("keycycle-redis is not on the class path");
            assertThat(out).doesNotContain("Error creating bean with name");
        } finally {
            t.setContextClassLoader(before);
        }
    }
}
