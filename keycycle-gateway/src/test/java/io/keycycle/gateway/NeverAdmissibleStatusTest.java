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

/**
 * A request that no key will ever admit for a reason other than disabled keys is answered with the
 * status that names that reason, not the 503 "nothing will free up" of an all-disabled pool: the
 * OpenAI clients retry a 503 (twice by default) although the answer cannot change.
 */
class NeverAdmissibleStatusTest {

    Simulator sim;
    TestGateway gw;

    @BeforeEach
    void start() {
        sim = Simulator.builder().provider(SimProvider.groq().fakeKeys(2).model(MODEL, SimLimits.UNLIMITED).build()).build().start();
        gw = TestGateway.start(TestGateway.keycycle(sim, 2, "rpm: 100, tpm: 6000", null).build());
    }

    @AfterEach
    void stop() {
        gw.close();
        sim.close();
    }

    @Test
    void aRequestAboveEveryKeysTokenLimitIs413RequestNeverFitsPlainAndStream() {
        String body = "{\"model\":\"" + TARGET + "\",\"max_tokens\":100000,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        for (String b : new String[] {body, body.replace("{\"model\"", "{\"stream\":true,\"model\"")}) {
            HttpResponse<String> r = gw.chat(b);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(413);
            JsonNode e = json(r).path("error");
            assertThat(e.path("type").asText()).isEqualTo("invalid_request_error");
            assertThat(e.path("code").asText()).isEqualTo("request_never_fits");
            assertThat(e.path("message").asText()).contains("100").contains("max_tokens");
            assertThat(r.headers().firstValue("retry-after")).isEmpty();
        }
        assertThat(sim.stats().totalRequests()).as("nothing was sent").isZero();
        assertThat(gw.chat(TARGET, "a normal request still fits").statusCode()).isEqualTo(200);
    }

    @Test
    void aModelTheProviderReportedGoneStays404UntilItsRecheckNotA503() {
        sim.provider("groq").markGone(MODEL);
        HttpResponse<String> first = gw.chat(TARGET, "is it there?");
        assertThat(first.statusCode()).as(first.body()).isEqualTo(404);
        long seen = sim.stats().totalRequests();
        HttpResponse<String> second = gw.chat(TARGET, "and now?");
        assertThat(second.statusCode()).as(second.body()).isEqualTo(404);
        JsonNode e = json(second).path("error");
        assertThat(e.path("type").asText()).isEqualTo("invalid_request_error");
        assertThat(e.path("code").asText()).isEqualTo("model_not_found");
        assertThat(e.path("suggested_models").isArray()).isTrue();
        assertThat(e.path("suggested_models")).isNotEmpty();
        assertThat(second.headers().firstValue("retry-after")).isEmpty();
        assertThat(sim.stats().totalRequests()).as("marked unavailable: not sent again").isEqualTo(seen);
    }
}
