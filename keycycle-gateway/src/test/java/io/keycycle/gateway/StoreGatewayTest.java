package io.keycycle.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import io.keycycle.Keycycle;
import io.keycycle.core.pool.Selection;
import io.keycycle.sim.SimLimits;
import io.keycycle.sim.SimProvider;
import io.keycycle.sim.SimStats;
import io.keycycle.sim.Simulator;
import io.keycycle.store.KeycycleStore;
import io.keycycle.store.ReportQuery;
import io.keycycle.store.StoreConfig;
import io.keycycle.store.UsageRow;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static io.keycycle.gateway.TestGateway.MODEL;
import static io.keycycle.gateway.TestGateway.TARGET;
import static io.keycycle.gateway.TestGateway.json;
import static org.assertj.core.api.Assertions.assertThat;

/** The gateway over a real SQLite store: usage books, readiness, and state across a restart. */
class StoreGatewayTest {

    @TempDir Path dir;
    Simulator sim;
    TestGateway gw;

    @AfterEach
    void stop() {
        if (gw != null) gw.close();
        if (sim != null) sim.close();
    }

    KeycycleStore openStore() {
        return KeycycleStore.open(StoreConfig.builder("jdbc:sqlite:" + dir.resolve("keycycle.db"))
                .journalDir(dir.resolve("journal")).shutdownHook(false).build());
    }

    TestGateway startGateway(KeycycleStore store, int keys, String limits, Selection selection) {
        Keycycle kc = TestGateway.keycycle(sim, keys, limits, selection).persistence(store).build();
        return TestGateway.start(kc, store, List.of(), 1 << 20);
    }

    @Test
    void usageInTheDatabaseEqualsWhatTheProviderReported() throws Exception {
        sim = Simulator.builder().provider(SimProvider.groq().fakeKeys(2).model(MODEL, SimLimits.UNLIMITED).build()).build().start();
        KeycycleStore store = openStore();
        gw = startGateway(store, 2, "rpm: 100", null);
        for (int i = 0; i < 4; i++) assertThat(gw.chat(TARGET, "plain request number " + i).statusCode()).isEqualTo(200);
        for (int i = 0; i < 2; i++) {
            HttpRequest req = gw.request("/v1/chat/completions").header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
                    TestGateway.chatBody(TARGET, "streamed request " + i, true))).build();
            HttpResponse<String> r = gw.send(req);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).endsWith("data: [DONE]\n\n");
        }
        assertThat(store.flush(Duration.ofSeconds(10))).isTrue();

        SimStats.Row upstream = sim.stats().total("groq");
        List<UsageRow> rows = store.report(ReportQuery.of(Instant.EPOCH, Instant.now().plusSeconds(86_400), ReportQuery.GroupBy.PROVIDER));
        assertThat(rows).hasSize(1);
        UsageRow db = rows.get(0);
        assertThat(db.requests()).isEqualTo(6).isEqualTo(upstream.requests());
        assertThat(db.promptTokens()).isEqualTo(upstream.promptTokens()).isPositive();
        assertThat(db.completionTokens()).isEqualTo(upstream.completionTokens()).isPositive();
        assertThat(db.failures()).isZero();

        HttpResponse<String> ready = gw.get("/readyz");
        assertThat(ready.statusCode()).isEqualTo(200);
        assertThat(json(ready).path("store").path("ping").asBoolean()).isTrue();
        assertThat(gw.get("/metrics").body()).contains("keycycle_store_queue_depth", "keycycle_store_journal_events",
                "keycycle_store_calls_unrecorded_total 0.0");

        store.close();
        HttpResponse<String> notReady = gw.get("/readyz");
        assertThat(notReady.statusCode()).isEqualTo(503);
        assertThat(json(notReady).path("reasons").toString()).contains("writer is not running");
    }

    @Test
    void aRestartOnTheSameDatabaseKeepsADayParkedAndADisabledKey() {
        sim = Simulator.builder().provider(SimProvider.groq().fakeKeys(3).model(MODEL, SimLimits.UNLIMITED.rpd(1)).build()).build().start();
        KeycycleStore store = openStore();
        gw = startGateway(store, 3, "rpd: 5", Selection.FIRST_FIT);
        assertThat(gw.chat(TARGET, "first").statusCode()).isEqualTo(200);
        // groq's x-ratelimit-remaining-requests (the day budget) says 0 after one request: key 1 is parked
        // without a 429, and key 2 serves the next request
        HttpResponse<String> second = gw.chat(TARGET, "second");
        assertThat(second.statusCode()).isEqualTo(200);
        assertThat(second.headers().firstValue("x-keycycle-key")).hasValue(RotationTest.fp(2));
        assertThat(sim.stats().total429()).isZero();
        assertThat(gw.post("/admin/keys/groq/3/disable", "{\"reason\":\"leaked in a log\"}").statusCode()).isEqualTo(200);
        gw.close();                                                   // closes the Keycycle, which drains the store
        gw = null;

        gw = startGateway(openStore(), 3, "rpd: 5", Selection.FIRST_FIT);
        JsonNode keys = json(gw.get("/admin/keys"));
        JsonNode key1 = keys.get(0), key3 = keys.get(2);
        assertThat(key1.path("models").get(0).path("state").asText()).isEqualTo("PARKED");
        assertThat(Instant.parse(key1.path("models").get(0).path("until").asText())).isAfter(Instant.now());
        assertThat(key3.path("state").asText()).isEqualTo("DISABLED");
        assertThat(key3.path("reason").asText()).contains("leaked in a log");
        assertThat(keys.get(1).path("models").get(0).path("state").asText()).isEqualTo("PARKED");
        HttpResponse<String> refused = gw.chat(TARGET, "third");
        assertThat(refused.statusCode()).as("two parked keys and a disabled one: nothing to serve").isEqualTo(429);
        assertThat(json(refused).path("error").path("parked").asInt()).isEqualTo(2);
        assertThat(json(refused).path("error").path("disabled").asInt()).isEqualTo(1);
        assertThat(sim.stats().totalRequests()).as("no request after the restart reached the provider").isEqualTo(2);
        gw.keycycle.persistence().orElseThrow().close();
    }

    /**
     * The operator moved the organisation to a higher tier: {@code POST …/release} ends the day-park
     * at once (until then only the provider's reset did), and the release survives a restart.
     */
    @Test
    void anOperatorsReleaseEndsADayParkNowAndARestartKeepsItEnded() {
        sim = Simulator.builder().provider(SimProvider.groq().fakeKeys(2).model(MODEL, SimLimits.UNLIMITED.rpd(1)).build()).build().start();
        KeycycleStore store = openStore();
        gw = startGateway(store, 2, "rpd: 500", Selection.FIRST_FIT);
        assertThat(gw.chat(TARGET, "first").statusCode()).isEqualTo(200);
        assertThat(gw.chat(TARGET, "second").statusCode()).isEqualTo(200);
        assertThat(gw.chat(TARGET, "third").statusCode()).as("both keys parked for the day").isEqualTo(429);
        assertThat(sim.stats().totalRequests()).isEqualTo(2);

        sim.provider("groq").setLimits(MODEL, SimLimits.UNLIMITED.rpd(1_000)); // a higher tier
        HttpResponse<String> released = gw.post("/admin/keys/groq/1/release", "");
        assertThat(released.statusCode()).isEqualTo(200);
        JsonNode key1 = json(released);
        assertThat(key1.path("released").toString()).isEqualTo("[\"" + MODEL + "\"]");
        assertThat(key1.path("forgotten").toString()).as("groq's headers taught 1 a day: that would still refuse")
                .contains(MODEL + ": rpd 500 → 1, learned from groq");
        assertThat(key1.path("state").asText()).isEqualTo("READY");
        assertThat(key1.path("models").size()).as("no hold left on key 1's organisation").isZero();
        HttpResponse<String> served = gw.chat(TARGET, "after the release");
        assertThat(served.statusCode()).as(served.body()).isEqualTo(200);
        assertThat(served.headers().firstValue("x-keycycle-key")).hasValue(RotationTest.fp(1));
        assertThat(json(gw.post("/admin/keys/groq/1/release", "")).path("released").size()).as("nothing held any more").isZero();
        assertThat(gw.post("/admin/keys/groq/9/release", "").statusCode()).isEqualTo(404);
        gw.close();
        gw = null;

        gw = startGateway(openStore(), 2, "rpd: 500", Selection.FIRST_FIT);
        JsonNode keys = json(gw.get("/admin/keys"));
        assertThat(keys.get(0).path("models").size()).as("the release was stored: the park is not brought back").isZero();
        assertThat(keys.get(1).path("models").get(0).path("state").asText()).as("key 2 was not released").isEqualTo("PARKED");
        JsonNode learned = json(gw.get("/admin/learned-limits"));
        assertThat(learned.size()).as("the dropped limit is not brought back; key 2's organisation keeps its own: " + learned).isEqualTo(1);
        assertThat(learned.get(0).path("scope").asText()).isEqualTo(keys.get(1).path("scope").asText())
                .isNotEqualTo(keys.get(0).path("scope").asText());
        assertThat(learned.get(0).path("learned").asLong()).isEqualTo(1);
        assertThat(gw.chat(TARGET, "after the restart").statusCode()).isEqualTo(200);
        gw.keycycle.persistence().orElseThrow().close();
    }
}
