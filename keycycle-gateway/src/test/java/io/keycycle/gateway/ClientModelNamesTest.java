package io.keycycle.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import io.keycycle.Keycycle;
import io.keycycle.core.config.KeycycleConfig;
import io.keycycle.sim.SimLimits;
import io.keycycle.sim.SimProvider;
import io.keycycle.sim.Simulator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.keycycle.gateway.TestGateway.MODEL;
import static io.keycycle.gateway.TestGateway.TARGET;
import static io.keycycle.gateway.TestGateway.json;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * With {@code allow-unknown-models: true} the model name is the client's to choose: each new one must
 * not become a new metric series and 24 hours of per-minute counters kept for ever.
 */
class ClientModelNamesTest {

    final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) open.get(i).close();
    }

    @Test
    void modelNamesTheCatalogDoesNotListAreBoundedInMetricsAndMemory() {
        Simulator sim = Simulator.builder().provider(SimProvider.groq().fakeKeys(2).model(MODEL, SimLimits.UNLIMITED).build()).build().start();
        open.add(sim);
        String yaml = "providers:\n  groq:\n    allow-unknown-models: true\n    models:\n      " + MODEL + ": { rpm: 100000 }\n";
        Keycycle kc = Keycycle.builder().env(Map.of()).config(KeycycleConfig.parse(yaml, Map.of(), "test.yaml"))
                .keys("groq", TestGateway.keys(2)).baseUrl("groq", URI.create(sim.baseUrl("groq"))).shutdownHook(false).build();
        open.add(kc);
        TestGateway gw = TestGateway.start(kc);
        open.add(gw.gateway);
        int junk = ModelLabels.MAX_UNLISTED * 3;
        for (int i = 0; i < junk; i++) gw.chat("groq/made-up-model-" + i, "hi");
        assertThat(gw.chat(TARGET, "a listed model after them").statusCode()).isEqualTo(200);

        String scrape = gw.get("/metrics").body();
        Set<String> labels = new TreeSet<>();
        Matcher m = Pattern.compile("keycycle_admissions_total\\{[^}]*model=\"([^\"]*)\"").matcher(scrape);
        while (m.find()) labels.add(m.group(1));
        assertThat(labels).as("model labels of keycycle_admissions_total").contains(MODEL, ModelLabels.OTHER)
                .hasSizeLessThanOrEqualTo(ModelLabels.MAX_UNLISTED + 2);

        Set<String> planned = new TreeSet<>();
        for (JsonNode p : json(gw.get("/api/plan")).path("providers")) for (JsonNode mo : p.path("models")) planned.add(mo.path("model").asText());
        assertThat(planned).as("models of the capacity plan (from memory)").contains(MODEL)
                .hasSizeLessThanOrEqualTo(ModelLabels.MAX_UNLISTED + 2);
    }
}
