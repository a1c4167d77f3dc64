package io.keycycle.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import io.keycycle.Keycycle;
import io.keycycle.core.config.KeycycleConfig;
import io.keycycle.sim.FaultKind;
import io.keycycle.sim.SimLimits;
import io.keycycle.sim.SimProvider;
import io.keycycle.sim.Simulator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

import static io.keycycle.gateway.TestGateway.MODEL;
import static io.keycycle.gateway.TestGateway.TARGET;
import static io.keycycle.gateway.TestGateway.json;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The {@code calls:} section of keycycle.yaml reaches the gateway: a hung provider is cut after
 * {@code request-timeout} and the request rotates to another key well within its deadline, and
 * {@code max-retries} bounds the rotations. Before the section existed, the file was refused, and the
 * gateway's only request timeout was the call's whole deadline (120 s).
 */
class CallsSectionGatewayTest {

    Simulator sim;
    TestGateway gw;

    void start(String calls) {
        sim = Simulator.builder().provider(SimProvider.groq().fakeKeys(3).model(MODEL, SimLimits.UNLIMITED).build()).build().start();
        String yaml = "providers:\n  groq:\n    models:\n      " + MODEL + ": { rpm: 100 }\n" + "calls: " + calls + "\n";
        Keycycle keycycle = Keycycle.builder().env(Map.of())
                .config(KeycycleConfig.parse(yaml, Map.of(), "test.yaml"))
                .keys("groq", TestGateway.keys(3))
                .baseUrl("groq", URI.create(sim.baseUrl("groq")))
                .shutdownHook(false).build();
        gw = TestGateway.start(keycycle);
    }

    @AfterEach
    void stop() {
        if (gw != null) gw.close();
        if (sim != null) sim.close();
    }

    @Test
    void aHungProviderIsCutAfterTheRequestTimeoutAndTheRequestRotatesToAnotherKey() {
        start("{ request-timeout: 1s }");
        assertThat(gw.keycycle.requestTimeout()).isEqualTo(Duration.ofSeconds(1));
        sim.provider("groq").failNext(1, FaultKind.SLOW(Duration.ofSeconds(60)));
        long t0 = System.nanoTime();
        HttpResponse<String> r = gw.chat(TARGET, "the first key hangs");
        long millis = (System.nanoTime() - t0) / 1_000_000;
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(millis).as("cut after 1 s, not after the call's 120-s deadline").isBetween(900L, 15_000L);
        assertThat(r.headers().firstValue("x-keycycle-attempts")).as("the hung attempt and the one that answered").hasValue("2");
    }

    @Test
    void maxRetriesOfTheFileBoundsTheRotations() {
        start("{ max-retries: 1 }");
        assertThat(gw.keycycle.callSpec().maxRetries()).isEqualTo(1);
        sim.provider("groq").failNext(20, FaultKind.INTERNAL_500);
        HttpResponse<String> r = gw.chat(TARGET, "doomed");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(502);
        JsonNode attempts = json(r).path("error").path("attempts");
        assertThat(attempts).as("the first attempt and one rotation (the default allows 5)").hasSize(2);
        assertThat(sim.stats().totalRequests()).isEqualTo(2);
    }

    @Test
    void aCallDeadlineShorterThanTheRequestTimeoutStartsNoAttemptAfterIt() {
        start("{ timeout: 1500ms, request-timeout: 1s }");
        sim.provider("groq").failNext(20, FaultKind.SLOW(Duration.ofSeconds(60)));
        long t0 = System.nanoTime();
        HttpResponse<String> r = gw.chat(TARGET, "every key hangs");
        long millis = (System.nanoTime() - t0) / 1_000_000;
        assertThat(r.statusCode()).as(r.body()).isEqualTo(502);
        assertThat(millis).as("two 1-s attempts at most, the second started before the 1.5-s deadline").isBetween(900L, 10_000L);
        JsonNode attempts = json(r).path("error").path("attempts");
        assertThat(attempts.size()).as(r.body()).isBetween(1, 2);
        for (JsonNode a : attempts) assertThat(a.path("reason").asText()).contains("timed out");
    }
}
