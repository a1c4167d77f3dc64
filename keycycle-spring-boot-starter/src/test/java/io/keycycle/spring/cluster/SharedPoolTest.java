package io.keycycle.spring.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keycycle.CallSpec;
import io.keycycle.Keycycle;
import io.keycycle.core.config.KeycycleConfig;
import io.keycycle.sim.ProviderKind;
import io.keycycle.sim.SimLimits;
import io.keycycle.sim.SimProvider;
import io.keycycle.sim.Simulator;
import io.keycycle.spring.SimulatorEnv;
import io.keycycle.spring.TestApp;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.health.registry.HealthContributorRegistry;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A Spring application with {@code keycycle.cluster.redis-url} and a plain {@link Keycycle} built
 * with {@code .redis(url)} on the same key prefix admit against one set of windows: one Groq key
 * that Keycycle may use 4 times a minute serves exactly 4 calls over real HTTP between the two,
 * whoever makes them; after that both refuse, and the simulator never answers 429. The health
 * component shows the shared pool.
 */
@SpringBootTest(classes = TestApp.class, webEnvironment = SpringBootTest.WebEnvironment.NONE)
class SharedPoolTest {

    private static final String MODEL = "llama-3.1-8b-instant";
    private static final String PREFIX = SharedRedis.randomPrefix();
    private static Simulator sim;

    @Autowired
    @Qualifier("t")
    ChatModel tier;

    @Autowired
    HealthContributorRegistry health;

    @BeforeAll
    static void redisAnswers() {
        assumeTrue(SharedRedis.available(), "Redis at 127.0.0.1:6379 does not answer");
    }

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry r) {
        sim = Simulator.builder().port(0)
                .provider(SimProvider.builder(ProviderKind.GROQ).fakeKeys(1).model(MODEL, SimLimits.UNLIMITED).build())
                .build().start();
        SimulatorEnv.keys(sim, 1, ProviderKind.GROQ).forEach((k, v) -> r.add(k, () -> v));
        r.add("keycycle.tiers.t", () -> "groq/" + MODEL);
        r.add("keycycle.providers.groq.models[" + MODEL + "].rpm", () -> "4");
        r.add("keycycle.database.url", () -> "none");
        r.add("keycycle.cluster.redis-url", () -> SharedRedis.URL);
        r.add("keycycle.cluster.key-prefix", () -> PREFIX);
        r.add("keycycle.cluster.instance-id", () -> "spring-app");
    }

    @AfterAll
    static void cleanUp() {
        if (sim != null) sim.close();
        if (SharedRedis.available()) SharedRedis.clean(PREFIX);
    }

    @Test
    void theApplicationAndAPlainKeycycleShareOneSetOfWindows() throws Exception {
        Map<String, String> env = SimulatorEnv.keys(sim, 1, ProviderKind.GROQ);
        KeycycleConfig config = KeycycleConfig.parse("""
                providers:
                  groq:
                    models:
                      %s: { rpm: 4 }
                cluster: { instance-id: plain-process, key-prefix: %s }
                """.formatted(MODEL, PREFIX), env, "test");
        JsonNode body = new ObjectMapper().readTree("{\"model\":\"x\",\"max_tokens\":20,\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}");
        CallSpec noWait = CallSpec.defaults().withWait(false).withTimeout(Duration.ofSeconds(10));
        try (Keycycle plain = Keycycle.builder().env(env).config(config).redis(SharedRedis.URL)
                .discoverPersistence(false).shutdownHook(false).build()) {
            assertThat(plain.cluster()).get().extracting(c -> c.mode()).isEqualTo("shared");

            assertThat(plain.chat("groq/" + MODEL, body, noWait).provider()).isEqualTo("groq");
            ChatClient client = ChatClient.create(tier);
            for (int i = 1; i <= 3; i++) {
                assertThat(client.prompt().user("Question " + i).call().content()).isNotBlank();
            }
            assertThat(sim.stats().total("groq").successes()).isEqualTo(4);

            assertThatThrownBy(() -> client.prompt().user("One too many").call().content())
                    .as("the plain process's admission counts in the application's window").isNotNull();
            assertThatThrownBy(() -> plain.chat("groq/" + MODEL, body, noWait))
                    .as("the application's admissions count in the plain process's window").isNotNull();
            assertThat(sim.stats().total("groq").successes()).isEqualTo(4);
            assertThat(sim.stats().total("groq").minute429()).isZero();

            HealthIndicator indicator = (HealthIndicator) health.getContributor("keycycle");
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                Health h = indicator.health();
                assertThat(h.getStatus()).isEqualTo(Status.UP);
                @SuppressWarnings("unchecked")
                Map<String, Object> cluster = (Map<String, Object>) h.getDetails().get("cluster");
                assertThat(cluster).containsEntry("mode", "shared").containsEntry("instanceId", "spring-app")
                        .containsEntry("liveInstances", 2).doesNotContainKey("note");
                assertThat((String) cluster.get("redis")).contains("127.0.0.1:6379/6").contains(PREFIX);
                assertThat(cluster.get("instances").toString()).contains("spring-app").contains("plain-process");
            });
        }
    }
}
