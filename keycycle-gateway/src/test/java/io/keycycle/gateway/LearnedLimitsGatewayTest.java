package io.keycycle.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import io.keycycle.sim.SimLimits;
import io.keycycle.sim.SimProvider;
import io.keycycle.sim.Simulator;
import org.junit.jupiter.api.Test;

import static io.keycycle.gateway.TestGateway.MODEL;
import static io.keycycle.gateway.TestGateway.TARGET;
import static io.keycycle.gateway.TestGateway.json;
import static org.assertj.core.api.Assertions.assertThat;

/** A limit learned from the provider shows in the admin API and the dashboard's state, with its source and instant. */
class LearnedLimitsGatewayTest {

    @Test
    void aLimitGroqReportsShowsInTheAdminApiAndTheDashboardState() {
        try (Simulator sim = Simulator.builder().provider(SimProvider.groq().fakeKeys(1)
                     .model(MODEL, SimLimits.UNLIMITED.rpd(40).tpm(100_000)).build()).build().start();
             TestGateway gw = TestGateway.start(TestGateway.keycycle(sim, 1, "rpm: 100, rpd: 1000", null).build())) {
            assertThat(gw.chat(TARGET, "hi").statusCode()).isEqualTo(200);

            JsonNode learned = json(gw.get("/admin/learned-limits"));
            assertThat(learned).hasSize(1);
            JsonNode l = learned.get(0);
            assertThat(l.path("provider").asText()).isEqualTo("groq");
            assertThat(l.path("model").asText()).isEqualTo(MODEL);
            assertThat(l.path("metric").asText()).isEqualTo("rpd");
            assertThat(l.path("table").asLong()).isEqualTo(1000);
            assertThat(l.path("learned").asLong()).isEqualTo(40);
            assertThat(l.path("text").asText()).startsWith("rpd 1000 → 40, learned from groq 20");

            JsonNode state = json(gw.get("/api/state"));
            assertThat(state.path("learned_limits").get(0).path("text").asText()).isEqualTo(l.path("text").asText());
        }
    }
}
