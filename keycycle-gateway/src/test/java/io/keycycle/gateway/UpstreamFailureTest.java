package io.keycycle.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import io.keycycle.sim.FaultKind;
import io.keycycle.sim.SimLimits;
import io.keycycle.sim.SimProvider;
import io.keycycle.sim.Simulator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;

import static io.keycycle.gateway.TestGateway.MODEL;
import static io.keycycle.gateway.TestGateway.TARGET;
import static io.keycycle.gateway.TestGateway.json;
import static org.assertj.core.api.Assertions.assertThat;

/** What the client sees when the provider fails: its own message for a bad request, 502 after retries. */
class UpstreamFailureTest {

    Simulator sim;
    TestGateway gw;

    void start(SimLimits simLimits, String configLimits) {
        sim = Simulator.builder().provider(SimProvider.groq().fakeKeys(2).model(MODEL, simLimits).build()).build().start();
        gw = TestGateway.start(TestGateway.keycycle(sim, 2, configLimits, null).build());
    }

    @AfterEach
    void stop() {
        if (gw != null) gw.close();
        if (sim != null) sim.close();
    }

    @Test
    void aRequestTheProviderRejectsComesBackWithItsStatusAndMessage() {
        start(SimLimits.UNLIMITED.tpm(200), "tpm: 100000");   // groq answers 413 "Request too large" over its TPM
        HttpResponse<String> r = gw.chat(TARGET, "word ".repeat(400));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(413);
        JsonNode e = json(r).path("error");
        assertThat(e.path("type").asText()).isEqualTo("invalid_request_error");
        assertThat(e.path("code").asText()).isEqualTo("provider_rejected_request");
        assertThat(e.path("message").asText()).startsWith("groq: ").containsIgnoringCase("too large");
        assertThat(e.path("attempts")).hasSize(1);
        assertThat(sim.stats().totalRequests()).as("not retried on the other key").isEqualTo(1);
    }

    @Test
    void upstreamErrorsOnEveryAttemptAreA502ListingTheAttempts() {
        start(SimLimits.UNLIMITED, "rpm: 100");
        sim.provider("groq").failNext(20, FaultKind.INTERNAL_500);
        HttpResponse<String> r = gw.chat(TARGET, "doomed");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(502);
        JsonNode e = json(r).path("error");
        assertThat(e.path("code").asText()).isEqualTo("keycycle_upstream_failed");
        assertThat(e.path("attempts").size()).isGreaterThan(1);
        assertThat(e.path("attempts").get(0).path("outcome").asText()).isEqualTo("TRANSIENT");
        assertThat(r.body()).doesNotContain(TestGateway.secret(1)).doesNotContain("\tat ");
        // five failures without a success back the model off: the answer says when to try again
        assertThat(e.path("attempts")).hasSize(5);
        assertThat(e.path("retry_at").isTextual()).as(r.body()).isTrue();
        assertThat(r.headers().firstValue("retry-after")).isPresent();
        HttpResponse<String> during = gw.chat(TARGET, "during the backoff");
        assertThat(during.statusCode()).as(during.body()).isEqualTo(429);
        assertThat(json(during).path("error").path("message").asText()).contains("overloaded or failing");
        assertThat(sim.stats().totalRequests()).as("nothing sent during the backoff").isEqualTo(5);
    }

    @Test
    void aStreamThatFailsBeforeItsFirstChunkGetsAnErrorStatusNotA200() {
        start(SimLimits.UNLIMITED, "rpm: 100");
        sim.provider("groq").failNext(20, FaultKind.INTERNAL_500);
        HttpResponse<String> r = gw.chat(TestGateway.chatBody(TARGET, "doomed stream", true));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(502);
        assertThat(r.headers().firstValue("content-type").orElseThrow()).startsWith("application/json");
    }

    @Test
    void aMidStreamErrorIsForwardedAndTheStreamEnds() {
        start(SimLimits.UNLIMITED, "rpm: 100");
        sim.provider("groq").failNext(1, FaultKind.MID_STREAM_ERROR);
        HttpResponse<String> r = gw.chat(TestGateway.chatBody(TARGET, "half a stream", true));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("\"error\"").doesNotContain("data: [DONE]");
        assertThat(r.body().lines().filter(l -> l.startsWith("data: ") && l.contains("\"error\":{")))
                .as("the provider's error event, and no second one from the gateway").hasSize(1);
        long counted = 0;
        for (JsonNode b : json(gw.get("/api/state")).path("providers").get(0).path("buckets")) {
            for (JsonNode u : b.path("usage")) if (u.path("metric").asText().equals("rpm")) counted += u.path("used").asLong();
        }
        assertThat(counted).as("the provider had the request (it sent chunks): it stays counted").isEqualTo(sim.stats().totalRequests());
    }
}
