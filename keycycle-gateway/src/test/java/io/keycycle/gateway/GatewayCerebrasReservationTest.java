package io.keycycle.gateway;

import io.keycycle.Keycycle;
import io.keycycle.core.ApiKey;
import io.keycycle.core.config.KeycycleConfig;
import io.keycycle.sim.ProviderKind;
import io.keycycle.sim.SimKey;
import io.keycycle.sim.SimProvider;
import io.keycycle.sim.Simulator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.URI;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Cerebras takes prompt + max tokens (16,384 when the request sets none) from its tokens per minute
 * when a request arrives, whatever the answer costs. A gateway request must reserve the same on a
 * Cerebras candidate, or the gateway sends what Cerebras refuses with a 429. Until 2026-12-03 the
 * gateway passed neither the body nor the request's shape to the engine, so an unbounded request
 * reserved prompt + the call spec's budget (1,000): the second one of a minute went out and met a 429.
 */
class GatewayCerebrasReservationTest {

    private static final String TARGET = "cerebras/gpt-oss-120b";

    private static Keycycle over(Simulator sim) {
        Keycycle.Builder b = Keycycle.builder().env(Map.of())
                .config(KeycycleConfig.parse("{}", Map.of(), "test.yaml")).shutdownHook(false);
        List<SimKey> keys = sim.provider(ProviderKind.CEREBRAS).config().keys();
        List<ApiKey> api = new ArrayList<>();
        for (int i = 0; i < keys.size(); i++) api.add(new ApiKey("cerebras", i + 1, keys.get(i).secret(), keys.get(i).scope()));
        return b.keys("cerebras", api).baseUrl("cerebras", URI.create(sim.baseUrl(ProviderKind.CEREBRAS))).build();
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void anUnboundedRequestReservesWhatCerebrasTakesSoNoneIsSentIntoA429(boolean stream) {
        try (Simulator sim = Simulator.builder().port(0).provider(SimProvider.freeTier(ProviderKind.CEREBRAS, 1)).build().start();
             TestGateway gw = TestGateway.start(over(sim))) {
            String body = "{\"model\":\"" + TARGET + "\",\"stream\":" + stream + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
            HttpResponse<String> first = gw.chat(body);
            assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
            HttpResponse<String> second = gw.chat(body);
            assertThat(second.statusCode()).as(second.body()).isEqualTo(429);
            assertThat(TestGateway.json(second).path("error").path("code").asText()).isEqualTo("keycycle_no_key_available");
            assertThat(sim.stats().total429()).as("no request the provider refused").isZero();
            assertThat(sim.stats().totalRequests()).isEqualTo(1);
        }
    }

    @Test
    void boundedRequestsReserveTheirLimitSoSeveralFitAMinute() {
        try (Simulator sim = Simulator.builder().port(0).provider(SimProvider.freeTier(ProviderKind.CEREBRAS, 1)).build().start();
             TestGateway gw = TestGateway.start(over(sim))) {
            for (int i = 0; i < 3; i++) {
                HttpResponse<String> r = gw.chat("{\"model\":\"" + TARGET + "\",\"max_tokens\":1024,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
                assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            }
            assertThat(sim.stats().total429()).isZero();
        }
    }

    /** A request Cerebras could never admit is the client's to change: not sent, and not a 503 that clients retry. */
    @Test
    void aRequestThatCanNeverFitIsAClientErrorNamingTheFix() {
        try (Simulator sim = Simulator.builder().port(0).provider(SimProvider.freeTier(ProviderKind.CEREBRAS, 1)).build().start();
             TestGateway gw = TestGateway.start(over(sim))) {
            String prompt = "word ".repeat(16_000); // ~20,000 tokens + 16,384 unset completion > 30,000 a minute
            HttpResponse<String> r = gw.chat("{\"model\":\"" + TARGET + "\",\"messages\":[{\"role\":\"user\",\"content\":\"" + prompt + "\"}]}");

            assertThat(r.statusCode()).as(r.body()).isEqualTo(413);
            assertThat(r.headers().firstValue("retry-after")).isEmpty();
            var e = TestGateway.json(r).path("error");
            assertThat(e.path("type").asText()).isEqualTo("invalid_request_error");
            assertThat(e.path("message").asText()).contains("max_completion_tokens");
            assertThat(sim.stats().totalRequests()).isZero();
        }
    }
}
