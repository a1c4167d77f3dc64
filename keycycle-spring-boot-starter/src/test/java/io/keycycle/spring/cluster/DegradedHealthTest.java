package io.keycycle.spring.cluster;

import io.keycycle.redis.testing.PrivateRedis;
import io.keycycle.sim.ProviderKind;
import io.keycycle.sim.SimLimits;
import io.keycycle.sim.SimProvider;
import io.keycycle.sim.Simulator;
import io.keycycle.spring.SimulatorEnv;
import io.keycycle.spring.TestApp;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.beans.factory.annotation.BeanFactoryAnnotationUtils;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.health.registry.HealthContributorRegistry;
import org.springframework.context.ConfigurableApplicationContext;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The health component while the shared pool's Redis dies and comes back, on a redis-server of the
 * test's own (with a password, never shown): shared, then degraded (still UP, saying so, calls
 * still answered), then shared again.
 */
class DegradedHealthTest {

    private static final String PASSWORD = "hunter2-not-shown";

    @SuppressWarnings("unchecked")
    private static Map<String, Object> cluster(Health h) {
        return (Map<String, Object>) h.getDetails().get("cluster");
    }

    @Test
    void aDegradedPoolIsUpAndSaysSoAndTheLocationHidesThePassword() throws Exception {
        assumeTrue(PrivateRedis.installed() || Boolean.getBoolean("keycycle.requireServices"), "redis-server is not installed");
        String model = "llama-3.1-8b-instant";
        try (PrivateRedis redis = PrivateRedis.start(PASSWORD);
             Simulator sim = Simulator.builder().port(0)
                     .provider(SimProvider.builder(ProviderKind.GROQ).fakeKeys(1).model(model, SimLimits.UNLIMITED).build())
                     .build().start();
             ConfigurableApplicationContext ctx = TestApp.run(SimulatorEnv.keys(sim, 1, ProviderKind.GROQ),
                     "keycycle.tiers.t=groq/" + model, "keycycle.database.url=none",
                     "keycycle.cluster.redis-url=" + redis.url() + "/0", "keycycle.cluster.instance-id=drill-1")) {
            HealthIndicator indicator = (HealthIndicator) ctx.getBean(HealthContributorRegistry.class).getContributor("keycycle");
            ChatClient client = ChatClient.create(BeanFactoryAnnotationUtils.qualifiedBeanOfType(ctx.getBeanFactory(), ChatModel.class, "t"));

            Health shared = indicator.health();
            assertThat(shared.getStatus()).isEqualTo(Status.UP);
            assertThat(cluster(shared)).containsEntry("mode", "shared").containsEntry("liveInstances", 1)
                    .containsEntry("redis", "redis://***@127.0.0.1:" + redis.port() + "/0 (prefix keycycle)");
            assertThat(shared.toString()).doesNotContain(PASSWORD);
            assertThat(client.prompt().user("before").call().content()).isNotBlank();

            redis.kill();
            await().atMost(Duration.ofSeconds(10)).until(() -> "degraded".equals(cluster(indicator.health()).get("mode")));
            Health degraded = indicator.health();
            assertThat(degraded.getStatus()).as("degraded admission goes on locally").isEqualTo(Status.UP);
            assertThat(cluster(degraded)).containsKey("trouble");
            assertThat((String) cluster(degraded).get("note")).contains("admits locally");
            assertThat(degraded.toString()).doesNotContain(PASSWORD);
            assertThat(client.prompt().user("while Redis is gone").call().content()).isNotBlank();

            redis.startAgain();
            await().atMost(Duration.ofSeconds(15)).until(() -> "shared".equals(cluster(indicator.health()).get("mode")));
            assertThat(cluster(indicator.health())).doesNotContainKey("note");
            assertThat(sim.stats().total("groq").successes()).isEqualTo(2);
        }
    }
}
