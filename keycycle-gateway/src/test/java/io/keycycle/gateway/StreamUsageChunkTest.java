package io.keycycle.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import io.keycycle.core.KeycycleEvent;
import io.keycycle.sim.SimLimits;
import io.keycycle.sim.SimProvider;
import io.keycycle.sim.Simulator;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.keycycle.gateway.TestGateway.MODEL;
import static io.keycycle.gateway.TestGateway.TARGET;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The gateway asks every provider for usage in a stream, to record real tokens. OpenAI sends the
 * usage-only chunk ({@code "choices": []}) only to a client that set
 * {@code stream_options.include_usage}; a client that did not (OpenAI's own quick-start loop reads
 * {@code chunk.choices[0]}) must not get it. Until 2026-12-03 every client got it, even one that
 * sent {@code include_usage: false}.
 */
class StreamUsageChunkTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"|false", "\"stream_options\":{\"include_usage\":false},|false",
            "\"stream_options\":{\"include_usage\":true},|true"})
    void theUsageOnlyChunkGoesToAClientThatAskedForIt(String options, boolean asked) {
        try (Simulator sim = Simulator.builder().provider(SimProvider.groq().fakeKeys(1).model(MODEL, SimLimits.UNLIMITED).build()).build().start();
             TestGateway gw = TestGateway.start(TestGateway.keycycle(sim, 1, "rpm: 100", null).build())) {
            List<KeycycleEvent.Settled> settled = new CopyOnWriteArrayList<>();
            gw.keycycle.addListener(e -> {
                if (e instanceof KeycycleEvent.Settled s) settled.add(s);
            });
            String body = "{\"model\":\"" + TARGET + "\",\"stream\":true," + (options == null ? "" : options)
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"count\"}]}";
            HttpResponse<String> r = gw.chat(body);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(r.body()).endsWith("data: [DONE]\n\n");

            List<JsonNode> chunks = new ArrayList<>();
            for (String line : r.body().split("\n")) {
                if (line.startsWith("data: {")) chunks.add(Jsons.tryParse(line.substring(6)));
            }
            long usageOnly = chunks.stream().filter(c -> c.path("choices").isArray() && c.path("choices").isEmpty()).count();
            assertThat(usageOnly).as("usage-only chunks the client got").isEqualTo(asked ? 1 : 0);
            assertThat(chunks).allSatisfy(c -> assertThat(c.path("choices").size() > 0 || asked).isTrue());

            await().atMost(Duration.ofSeconds(5)).until(() -> !settled.isEmpty());
            assertThat(settled.get(0).completionTokens()).as("real usage recorded either way").isPositive();
        }
    }
}
