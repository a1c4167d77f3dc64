package io.keycycle.gateway;

import io.keycycle.Keycycle;
import io.keycycle.core.ApiKey;
import io.keycycle.core.EngineClock;
import io.keycycle.core.config.KeycycleConfig;
import io.keycycle.redis.Fleet;
import io.keycycle.redis.RedisLink;
import io.keycycle.redis.RedisSettings;
import io.keycycle.redis.SharedWindows;
import io.keycycle.sim.ProviderKind;
import io.keycycle.sim.SimKey;
import io.keycycle.sim.SimProvider;
import io.keycycle.sim.Simulator;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.net.Socket;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A gateway that meets another live process under its instance id (two processes started at the
 * same moment with one id) says so where an operator looks: {@code keycycle_cluster_warning} turns
 * 1 (and {@code ClusterStatus.warning()} says why). Skipped without Redis.
 */
class InstanceIdConflictMetricTest {

    private static boolean redisAnswers() {
        try (Socket s = new Socket("127.0.0.1", 6379)) {
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    @Test
    void anotherLiveProcessUnderTheGatewaysIdTurnsTheWarningGaugeOn() {
        Assumptions.assumeTrue(redisAnswers(), "no Redis on 127.0.0.1:6379");
        String prefix = "twin-metric-" + UUID.randomUUID();
        String url = "redis://127.0.0.1:6379/12";
        String yaml = "cluster:\n  redis-url: " + url + "\n  key-prefix: " + prefix + "\n  instance-id: gw-twin\n  heartbeat: 200ms\n  instance-ttl: 2s\n";
        try (Simulator sim = Simulator.builder().port(0).provider(SimProvider.freeTier(ProviderKind.GROQ, 1)).build().start()) {
            List<SimKey> keys = sim.provider(ProviderKind.GROQ).config().keys();
            List<ApiKey> api = new ArrayList<>();
            for (int i = 0; i < keys.size(); i++) api.add(new ApiKey("groq", i + 1, keys.get(i).secret(), keys.get(i).scope()));
            Keycycle kc = Keycycle.builder().env(Map.of()).config(KeycycleConfig.parse(yaml, Map.of(), "test.yaml")).shutdownHook(false)
                    .keys("groq", api).baseUrl("groq", URI.create(sim.baseUrl(ProviderKind.GROQ))).build();
            try (TestGateway gw = TestGateway.start(kc)) {
                assertThat(gw.get("/metrics").body()).contains("keycycle_cluster_warning 0.0");
                // a second process that started at the same moment under the same id: no join could tell
                RedisLink other = RedisLink.open(RedisSettings.of(url).withKeyPrefix(prefix).withInstanceId("gw-twin"));
                try {
                    Fleet twin = new Fleet(new SharedWindows(other, EngineClock.system(), true), () -> 0);
                    await().atMost(10, TimeUnit.SECONDS).untilAsserted(() -> {
                        twin.beat();
                        assertThat(gw.get("/metrics").body()).contains("keycycle_cluster_warning 1.0");
                    });
                    twin.close();
                } finally {
                    other.close();
                }
            }
        }
    }
}
