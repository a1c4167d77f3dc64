package io.keycycle.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import io.keycycle.sim.SimLimits;
import io.keycycle.sim.SimProvider;
import io.keycycle.sim.Simulator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;

import static io.keycycle.gateway.TestGateway.MODEL;
import static io.keycycle.gateway.TestGateway.TARGET;
import static io.keycycle.gateway.TestGateway.json;
import static org.assertj.core.api.Assertions.assertThat;

/** A model the provider reports gone is not gone for good: the admin API clears it. */
class ModelGoneTest {

    Simulator sim;
    TestGateway gw;

    @BeforeEach
    void start() {
        sim = Simulator.builder().provider(SimProvider.groq().fakeKeys(2).model(MODEL, SimLimits.UNLIMITED).build()).build().start();
        gw = TestGateway.start(TestGateway.keycycle(sim, 2, "rpm: 100", null).build());
    }

    @AfterEach
    void stop() {
        gw.close();
        sim.close();
    }

    @Test
    void theAdminApiBringsBackAModelTheProviderRestored() {
        sim.provider("groq").markGone(MODEL);
        assertThat(gw.chat(TARGET, "is it there?").statusCode()).isEqualTo(404);
        long seen = sim.stats().totalRequests();
        assertThat(gw.chat(TARGET, "and now?").statusCode()).as("marked unavailable: not sent again").isNotEqualTo(200);
        assertThat(sim.stats().totalRequests()).isEqualTo(seen);
        JsonNode state = json(gw.get("/api/state"));
        assertThat(state.toString()).contains("recheck_at");

        sim.provider("groq").restoreModel(MODEL);
        HttpResponse<String> cleared = gw.post("/admin/models/groq/clear", "{\"model\":\"" + MODEL + "\"}");
        assertThat(cleared.statusCode()).isEqualTo(200);
        assertThat(json(cleared).path("cleared").asBoolean()).isTrue();
        assertThat(gw.chat(TARGET, "back?").statusCode()).isEqualTo(200);

        assertThat(gw.post("/admin/models/groq/clear", "{}").statusCode()).isEqualTo(400);
        assertThat(gw.post("/admin/models/nowhere/clear", "{\"model\":\"x\"}").statusCode()).isEqualTo(404);
    }
}
