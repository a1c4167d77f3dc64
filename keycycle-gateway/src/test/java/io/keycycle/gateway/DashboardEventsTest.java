package io.keycycle.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import io.keycycle.core.ApiKey;
import io.keycycle.sim.SimLimits;
import io.keycycle.sim.SimProvider;
import io.keycycle.sim.Simulator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static io.keycycle.gateway.TestGateway.MODEL;
import static io.keycycle.gateway.TestGateway.TARGET;
import static io.keycycle.gateway.TestGateway.json;
import static org.assertj.core.api.Assertions.assertThat;

/** The dashboard's data: the page itself, {@code /api/state}, and snapshots pushed on {@code /api/events}. */
class DashboardEventsTest {

    static Simulator sim;
    static TestGateway gw;

    @BeforeAll
    static void start() {
        sim = Simulator.builder().provider(SimProvider.groq().fakeKeys(2).model(MODEL, SimLimits.UNLIMITED).build()).build().start();
        gw = TestGateway.start(TestGateway.keycycle(sim, 2, "rpm: 10", null).build());
    }

    @AfterAll
    static void stop() {
        gw.close();
        sim.close();
    }

    @Test
    void thePageNeedsNothingFromOutsideTheGateway() {
        HttpResponse<String> page = gw.get("/");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("content-type").orElseThrow()).startsWith("text/html");
        assertThat(page.body()).contains("<style>", "<script>", "api/events", "api/state", "api/history", "api/plan");
        assertThat(page.body()).doesNotContain("http://", "https://");
        // the only external files are the chart library's, served by the gateway from its WebJar
        java.util.regex.Matcher refs = java.util.regex.Pattern.compile("(?:src|href)=\"([^\"]*)\"").matcher(page.body());
        java.util.List<String> found = new java.util.ArrayList<>();
        while (refs.find()) found.add(refs.group(1));
        assertThat(found).containsExactlyInAnyOrder("assets/uPlot.min.css", "assets/uPlot.iife.min.js");
        for (String asset : found) {
            HttpResponse<String> r = gw.get("/" + asset);
            assertThat(r.statusCode()).as(asset).isEqualTo(200);
            assertThat(r.body().length()).as(asset).isGreaterThan(1_000);
        }
        assertThat(gw.get("/assets/other.js").statusCode()).isEqualTo(404);
        assertThat(page.headers().firstValue("content-security-policy").orElseThrow()).contains("script-src 'self'");
    }

    @Test
    void stateCarriesKeysUsageAndTheFeed() {
        assertThat(gw.chat(TARGET, "for the feed").statusCode()).isEqualTo(200);
        JsonNode s = json(gw.get("/api/state"));
        JsonNode groq = s.path("providers").get(0);
        assertThat(groq.path("provider").asText()).isEqualTo("groq");
        assertThat(groq.path("keys")).hasSize(2);
        assertThat(groq.path("keys").get(0).path("fingerprint").asText()).isEqualTo(ApiKey.fingerprint(TestGateway.secret(1)));
        JsonNode rpm = null;
        long used = 0;
        for (JsonNode b : groq.path("buckets")) {
            for (JsonNode u : b.path("usage")) {
                if (u.path("metric").asText().equals("rpm")) {
                    rpm = u;
                    used += u.path("used").asLong();
                }
            }
        }
        assertThat(rpm).isNotNull();
        assertThat(rpm.path("limit").asLong()).isEqualTo(10);
        assertThat(used).isGreaterThanOrEqualTo(1);
        assertThat(s.path("events").get(0).path("outcome").asText()).isEqualTo("SUCCESS");
        assertThat(s.toString()).doesNotContain(TestGateway.secret(1));
    }

    @Test
    void eventsPushASnapshotEverySecond() throws Exception {
        HttpResponse<InputStream> r = gw.http.send(gw.request("/api/events").GET().build(), HttpResponse.BodyHandlers.ofInputStream());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type").orElseThrow()).startsWith("text/event-stream");
        List<JsonNode> snapshots = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
            for (String line; snapshots.size() < 2 && (line = in.readLine()) != null; ) {
                if (line.startsWith("data: ")) snapshots.add(Jsons.tryParse(line.substring(6)));
            }
        }
        assertThat(snapshots).hasSize(2);
        assertThat(snapshots.get(1).path("providers").get(0).path("keys")).hasSize(2);
        assertThat(snapshots.get(1).path("at").asText()).isNotEqualTo(snapshots.get(0).path("at").asText());
    }
}
