package io.keycycle.gateway;

import io.keycycle.Keycycle;
import io.keycycle.core.ApiKey;
import io.keycycle.core.config.KeycycleConfig;
import io.keycycle.sim.ProviderKind;
import io.keycycle.sim.SimKey;
import io.keycycle.sim.SimProvider;
import io.keycycle.sim.Simulator;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.net.Socket;
import java.net.URI;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Shared mode (Redis at 127.0.0.1:6379, database 13, a key prefix of its own): two gateways share
 * one Cerebras key; what an unbounded request reserves there (prompt + 16,384) is seen by both, so
 * the second gateway does not send what Cerebras would refuse. Skipped without Redis.
 */
class SharedCerebrasReservationTest {

    private static boolean redisAnswers() {
        try (Socket s = new Socket("127.0.0.1", 6379)) {
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    private static Keycycle over(Simulator sim, String prefix, String id) {
        String yaml = "cluster:\n  redis-url: redis://127.0.0.1:6379/13\n  key-prefix: " + prefix + "\n  instance-id: " + id + "\n";
        List<SimKey> keys = sim.provider(ProviderKind.CEREBRAS).config().keys();
        List<ApiKey> api = new ArrayList<>();
        for (int i = 0; i < keys.size(); i++) api.add(new ApiKey("cerebras", i + 1, keys.get(i).secret(), keys.get(i).scope()));
        return Keycycle.builder().env(Map.of()).config(KeycycleConfig.parse(yaml, Map.of(), "test.yaml")).shutdownHook(false)
                .keys("cerebras", api).baseUrl("cerebras", URI.create(sim.baseUrl(ProviderKind.CEREBRAS))).build();
    }

    @Test
    void twoGatewaysShareWhatAnUnboundedCerebrasRequestReserves() {
        Assumptions.assumeTrue(redisAnswers(), "no Redis on 127.0.0.1:6379");
        String prefix = "review2gw-" + UUID.randomUUID();
        try (Simulator sim = Simulator.builder().port(0).provider(SimProvider.freeTier(ProviderKind.CEREBRAS, 1)).build().start();
             TestGateway a = TestGateway.start(over(sim, prefix, "gw-a"));
             TestGateway b = TestGateway.start(over(sim, prefix, "gw-b"))) {
            assertThat(a.keycycle.cluster()).isPresent();
            String body = "{\"model\":\"cerebras/gpt-oss-120b\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
            HttpResponse<String> first = a.chat(body);
            assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
            HttpResponse<String> second = b.chat(body);
            assertThat(second.statusCode()).as(second.body()).isEqualTo(429);
            assertThat(sim.stats().total429()).as("no request the provider refused").isZero();
            assertThat(sim.stats().totalRequests()).isEqualTo(1);
        } finally {
            try (var client = io.lettuce.core.RedisClient.create("redis://127.0.0.1:6379/13"); var c = client.connect()) {
                var keys = c.sync().keys("{" + prefix + "}*");
                if (!keys.isEmpty()) c.sync().del(keys.toArray(String[]::new));
            }
        }
    }
}
