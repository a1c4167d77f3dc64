package io.keycycle.gateway;

import io.keycycle.Keycycle;
import io.keycycle.core.ConfigurationException;
import io.keycycle.sim.SimLimits;
import io.keycycle.sim.SimProvider;
import io.keycycle.sim.Simulator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;

import static io.keycycle.gateway.TestGateway.MODEL;
import static io.keycycle.gateway.TestGateway.TARGET;
import static io.keycycle.gateway.TestGateway.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Bearer tokens, open probes, and the refusal to serve a public address without them. */
class ClientAuthTest {

    static final String TOKEN = "test-token-0000000001";
    static Simulator sim;
    static TestGateway gw;

    @BeforeAll
    static void start() {
        sim = Simulator.builder().provider(SimProvider.groq().fakeKeys(1).model(MODEL, SimLimits.UNLIMITED).build()).build().start();
        gw = TestGateway.start(TestGateway.keycycle(sim, 1, "rpm: 100", null).build(), null, List.of(TOKEN), 1 << 20);
    }

    @AfterAll
    static void stop() {
        gw.close();
        sim.close();
    }

    HttpResponse<String> chatWith(String authorization) {
        HttpRequest.Builder b = HttpRequest.newBuilder(gw.uri("/v1/chat/completions")).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(TestGateway.chatBody(TARGET, "hi", false)));
        if (authorization != null) b.header("Authorization", authorization);
        return gw.send(b.build());
    }

    @Test
    void missingOrWrongTokenIs401AndTheRightOneServes() {
        HttpResponse<String> missing = chatWith(null);
        assertThat(missing.statusCode()).isEqualTo(401);
        assertThat(missing.headers().firstValue("www-authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
        assertThat(json(missing).path("error").path("code").asText()).isEqualTo("invalid_api_key");

        HttpResponse<String> wrong = chatWith("Bearer " + TOKEN + "x");
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(wrong.body()).doesNotContain(TOKEN);
        assertThat(chatWith("Basic " + TOKEN).statusCode()).isEqualTo(401);

        assertThat(chatWith("Bearer " + TOKEN).statusCode()).isEqualTo(200);
        assertThat(sim.stats().totalRequests()).as("refused requests never reach the provider").isEqualTo(1);
    }

    @Test
    void adminMetricsAndStateNeedTheTokenProbesAndThePageDoNot() {
        for (String path : List.of("/v1/models", "/admin/keys", "/metrics", "/api/state")) {
            HttpResponse<String> r = gw.send(HttpRequest.newBuilder(gw.uri(path)).GET().build());
            assertThat(r.statusCode()).as(path).isEqualTo(401);
        }
        assertThat(gw.get("/api/state").statusCode()).isEqualTo(200);
        assertThat(gw.get("/admin/keys").statusCode()).as("a client token is not an admin token").isEqualTo(403);
        assertThat(gw.send(HttpRequest.newBuilder(gw.uri("/api/state?access_token=" + TOKEN)).GET().build()).statusCode())
                .as("no token in the query string unless gateway.query-token").isEqualTo(401);
        for (String path : List.of("/", "/healthz", "/readyz")) {
            assertThat(gw.send(HttpRequest.newBuilder(gw.uri(path)).GET().build()).statusCode()).as(path).isEqualTo(200);
        }
    }

    @Test
    void aPublicAddressWithoutTokensIsRefused() {
        Keycycle kc = gw.keycycle;
        assertThatThrownBy(() -> KeycycleGateway.builder().keycycle(kc).host("0.0.0.0").build())
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("refusing to serve on 0.0.0.0 without client tokens");
        KeycycleGateway withTokens = KeycycleGateway.builder().keycycle(kc).host("0.0.0.0").tokens(List.of(TOKEN)).build();
        withTokens.close();
        KeycycleGateway.builder().keycycle(kc).host("localhost").build().close();
    }

    @Test
    void theBuilderNamesBadSettings() {
        assertThatThrownBy(() -> KeycycleGateway.builder().port(70000)).hasMessageContaining("port must be 0..65535, was 70000");
        assertThatThrownBy(() -> KeycycleGateway.builder().tokens(List.of(TOKEN, " "))).hasMessageContaining("token #2 is blank");
        assertThatThrownBy(() -> KeycycleGateway.builder().maxBodyBytes(0)).hasMessageContaining("maxBodyBytes must be > 0");
        assertThatThrownBy(() -> KeycycleGateway.builder().build()).hasMessageContaining("needs a Keycycle");
    }

}
