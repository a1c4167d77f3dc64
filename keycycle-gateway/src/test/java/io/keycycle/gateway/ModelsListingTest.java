package io.keycycle.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import io.keycycle.Keycycle;
import io.keycycle.core.config.KeycycleConfig;
import io.keycycle.sim.SimLimits;
import io.keycycle.sim.SimProvider;
import io.keycycle.sim.Simulator;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.keycycle.gateway.TestGateway.MODEL;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code GET /v1/models} lists what a client can ask for: every id listed must be served. A tier
 * whose candidates all belong to providers without keys cannot be (it is answered 404); until
 * 2026-12-03 it was listed all the same.
 */
class ModelsListingTest {

    @Test
    void everyListedTierIsServed() {
        String yaml = "providers:\n  groq:\n    models:\n      " + MODEL + ": { rpm: 1000 }\n"
                + "tiers:\n  fast: [groq/" + MODEL + ", cerebras/gpt-oss-120b]\n  strong: [gemini/gemini-2.5-flash, cerebras/gpt-oss-120b]\n";
        try (Simulator sim = Simulator.builder().provider(SimProvider.groq().fakeKeys(1).model(MODEL, SimLimits.UNLIMITED).build()).build().start();
             TestGateway gw = TestGateway.start(Keycycle.builder().env(Map.of()).config(KeycycleConfig.parse(yaml, Map.of(), "test.yaml"))
                     .keys("groq", TestGateway.keys(1)).baseUrl("groq", URI.create(sim.baseUrl("groq"))).shutdownHook(false).build())) {
            List<String> ids = new ArrayList<>();
            for (JsonNode m : TestGateway.json(gw.get("/v1/models")).path("data")) ids.add(m.path("id").asText());
            assertThat(ids).contains("groq/" + MODEL, "fast");
            List<String> notServed = new ArrayList<>();
            // the simulator serves MODEL only: the provider's other listed models would be its 404, not the gateway's
            for (String id : ids.stream().filter(i -> !i.contains("/") || i.equals("groq/" + MODEL)).toList()) {
                HttpResponse<String> r = gw.chat(id, "hi");
                if (r.statusCode() == 404) notServed.add(id + ": " + TestGateway.json(r).path("error").path("message").asText());
            }
            assertThat(notServed).as("listed ids answered 404").isEmpty();
        }
    }
}
