package io.keycycle.gateway;

import io.keycycle.Keycycle;
import io.keycycle.core.KeycycleEvent;
import io.keycycle.core.OutcomeKind;
import io.keycycle.core.config.KeycycleConfig;
import io.keycycle.sim.SimLimits;
import io.keycycle.sim.SimProvider;
import io.keycycle.sim.Simulator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.URI;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.keycycle.gateway.TestGateway.MODEL;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * With {@code allow-unknown-models: true} the served model is the client's string, and it goes
 * into the {@code x-keycycle-model} header. A header carries ASCII only and no line break: until
 * 2026-12-03 a name with a line break made the header write throw, so a plain request got no answer
 * at all (the client waited for the idle timeout) and a stream that the provider had answered was
 * cut after its first event and settled as failed; other non-ASCII characters went out as '?'.
 */
class ModelNameHeaderTest {

    final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) open.get(i).close();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "a\\nb|false|a%0Ab",
            "a\\nb|true|a%0Ab",
            "\\u6a21\\u578b 100%|false|%E6%A8%A1%E5%9E%8B 100%25",
            "\\u6a21\\u578b 100%|true|%E6%A8%A1%E5%9E%8B 100%25"})
    void theServedModelHeaderIsPercentEncodedAndTheAnswerArrives(String escapedModel, boolean stream, String header) {
        Simulator sim = Simulator.builder().provider(SimProvider.groq().fakeKeys(1).model(MODEL, SimLimits.UNLIMITED)
                .defaultLimits(SimLimits.UNLIMITED).build()).build().start();
        open.add(sim);
        String yaml = "providers:\n  groq:\n    allow-unknown-models: true\n    models:\n      " + MODEL + ": { rpm: 100000 }\n";
        Keycycle kc = Keycycle.builder().env(Map.of()).config(KeycycleConfig.parse(yaml, Map.of(), "test.yaml"))
                .keys("groq", TestGateway.keys(1)).baseUrl("groq", URI.create(sim.baseUrl("groq"))).shutdownHook(false).build();
        open.add(kc);
        List<KeycycleEvent.Settled> settled = new java.util.concurrent.CopyOnWriteArrayList<>();
        kc.addListener(e -> {
            if (e instanceof KeycycleEvent.Settled st) settled.add(st);
        });
        TestGateway gw = TestGateway.start(kc);
        open.add(gw.gateway);
        String body = "{\"model\":\"groq/" + escapedModel + "\",\"stream\":" + stream
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

        HttpResponse<String> r = gw.chat(body);

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("x-keycycle-model")).hasValue(header);
        assertThat(r.headers().firstValue("x-keycycle-attempts")).hasValue("1");
        if (stream) assertThat(r.body()).endsWith("data: [DONE]\n\n").doesNotContain("\"error\"");
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5)).until(() -> !settled.isEmpty());
        assertThat(settled).extracting(KeycycleEvent.Settled::outcome).as("how the call was settled").containsExactly(OutcomeKind.SUCCESS);
        assertThat(settled.get(0).completionTokens()).as("the provider's usage").isPositive();
    }
}
