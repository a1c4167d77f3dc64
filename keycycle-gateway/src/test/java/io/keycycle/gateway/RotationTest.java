package io.keycycle.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import io.keycycle.core.ApiKey;
import io.keycycle.core.pool.Selection;
import io.keycycle.sim.SimLimits;
import io.keycycle.sim.SimProvider;
import io.keycycle.sim.Simulator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static io.keycycle.gateway.TestGateway.MODEL;
import static io.keycycle.gateway.TestGateway.TARGET;
import static io.keycycle.gateway.TestGateway.json;
import static org.assertj.core.api.Assertions.assertThat;

/** Admission, rotation, key death and the admin API, seen through HTTP. */
class RotationTest {

    Simulator sim;
    TestGateway gw;

    void start(int keys, SimLimits simLimits, String configLimits, Selection selection) {
        sim = Simulator.builder().provider(SimProvider.groq().fakeKeys(keys).model(MODEL, simLimits).build()).build().start();
        gw = TestGateway.start(TestGateway.keycycle(sim, keys, configLimits, selection).build());
    }

    @AfterEach
    void stop() {
        if (gw != null) gw.close();
        if (sim != null) sim.close();
    }

    static String fp(int i) { return ServedBy.asciiFingerprint(ApiKey.fingerprint(TestGateway.secret(i))); }

    @Test
    void limitsThatMatchTheProviderMeanNoUpstream429AndACleanRetryAfterWhenFull() {
        start(2, SimLimits.UNLIMITED.rpm(3), "rpm: 3", null);
        List<HttpResponse<String>> answers = new ArrayList<>();
        for (int i = 0; i < 8; i++) answers.add(gw.chat(TARGET, "request " + i));

        assertThat(answers.stream().filter(r -> r.statusCode() == 200)).hasSize(6);
        assertThat(sim.stats().total429()).as("the gateway never sent what the provider would refuse").isZero();
        HttpResponse<String> refused = answers.get(7);
        assertThat(refused.statusCode()).isEqualTo(429);
        long retryAfter = Long.parseLong(refused.headers().firstValue("retry-after").orElseThrow());
        assertThat(retryAfter).as("a minute window, counted conservatively").isBetween(1L, 65L);
        JsonNode e = json(refused).path("error");
        assertThat(e.path("type").asText()).isEqualTo("rate_limit_exceeded");
        assertThat(e.path("code").asText()).isEqualTo("keycycle_no_key_available");
        assertThat(e.path("provider").asText()).isEqualTo("groq");
        assertThat(e.path("model").asText()).isEqualTo(MODEL);
        assertThat(e.path("param").isNull()).isTrue();
        assertThat(Instant.parse(e.path("retry_at").asText())).isAfter(Instant.now().minusSeconds(1));
        assertThat(e.path("keys").asInt()).isEqualTo(2);
        assertThat(e.path("message").asText()).contains("groq").contains(MODEL);
        assertThat(gw.get("/metrics").body()).containsPattern("keycycle_rejections_total\\{model=\"" + MODEL + "\",provider=\"groq\"} 2");
    }

    @Test
    void concurrentClientsGetExactlyTheCapacityAndTheProviderSeesNo429() {
        start(3, SimLimits.UNLIMITED.rpm(10), "rpm: 10", null);
        List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> inFlight = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            inFlight.add(gw.http.sendAsync(gw.request("/v1/chat/completions").header("content-type", "application/json")
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString(TestGateway.chatBody(TARGET, "concurrent " + i, i % 2 == 0)))
                    .build(), HttpResponse.BodyHandlers.ofString()));
        }
        List<Integer> statuses = inFlight.stream().map(java.util.concurrent.CompletableFuture::join).map(HttpResponse::statusCode).toList();
        assertThat(statuses).filteredOn(s -> s == 200).hasSize(30);
        assertThat(statuses).filteredOn(s -> s == 429).hasSize(10);
        assertThat(sim.stats().total429()).isZero();
        assertThat(sim.stats().total("groq").successes()).isEqualTo(30);
        assertThat(gw.keycycle.pool("groq").openLeases()).isZero();
    }

    @Test
    void anUpstream429RotatesToAnotherKeyWithinTheSameRequest() {
        start(3, SimLimits.UNLIMITED.rpm(1), "rpm: 10", Selection.FIRST_FIT);
        HttpResponse<String> first = gw.chat(TARGET, "one");
        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.headers().firstValue("x-keycycle-key")).hasValue(fp(1));

        HttpResponse<String> second = gw.chat(TARGET, "two");
        assertThat(second.statusCode()).isEqualTo(200);
        assertThat(second.headers().firstValue("x-keycycle-attempts")).hasValue("2");
        assertThat(second.headers().firstValue("x-keycycle-key")).hasValue(fp(2));
        assertThat(sim.stats().total429()).isEqualTo(1);

        JsonNode key1 = adminKey(1);
        assertThat(key1.path("models").get(0).path("state").asText()).isEqualTo("COOLING");
    }

    @Test
    void aDeadKeyIsDisabledAndTheRequestStillSucceeds() {
        start(2, SimLimits.UNLIMITED.rpm(50), "rpm: 50", Selection.FIRST_FIT);
        sim.provider("groq").killKey(TestGateway.secret(1));

        HttpResponse<String> r = gw.chat(TARGET, "hello");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("x-keycycle-attempts")).hasValue("2");
        assertThat(r.headers().firstValue("x-keycycle-key")).hasValue(fp(2));
        JsonNode key1 = adminKey(1);
        assertThat(key1.path("state").asText()).isEqualTo("DISABLED");
        assertThat(key1.path("reason").asText()).isNotBlank();
        assertThat(gw.chat(TARGET, "again").headers().firstValue("x-keycycle-attempts")).hasValue("1");
    }

    @Test
    void adminDisablesAndEnablesKeysByIndexOrFingerprint() {
        start(2, SimLimits.UNLIMITED.rpm(50), "rpm: 50", Selection.FIRST_FIT);
        HttpResponse<String> off = gw.post("/admin/keys/groq/1/disable", "{\"reason\":\"rotating it\"}");
        assertThat(off.statusCode()).isEqualTo(200);
        assertThat(json(off).path("state").asText()).isEqualTo("DISABLED");
        assertThat(json(off).path("reason").asText()).contains("rotating it");
        assertThat(gw.chat(TARGET, "hi").headers().firstValue("x-keycycle-key")).hasValue(fp(2));

        HttpResponse<String> off2 = gw.post("/admin/keys/groq/" + fp(2) + "/disable", "");
        assertThat(off2.statusCode()).isEqualTo(200);
        HttpResponse<String> none = gw.chat(TARGET, "nobody left");
        assertThat(none.statusCode()).as("no key will free up by itself").isEqualTo(503);
        assertThat(json(none).path("error").path("disabled").asInt()).isEqualTo(2);
        assertThat(json(none).path("error").path("retry_at").isNull()).isTrue();

        HttpResponse<String> on = gw.post("/admin/keys/groq/1/enable", "");
        assertThat(json(on).path("state").asText()).isEqualTo("READY");
        assertThat(gw.chat(TARGET, "back").statusCode()).isEqualTo(200);

        assertThat(gw.post("/admin/keys/groq/9/disable", "").statusCode()).isEqualTo(404);
        assertThat(gw.post("/admin/keys/nope/1/disable", "").statusCode()).isEqualTo(404);
        assertThat(gw.post("/admin/keys/groq/1/disable", "{\"reason\":3}").statusCode()).isEqualTo(400);
        String list = gw.get("/admin/keys").body();
        assertThat(list).contains(ApiKey.fingerprint(TestGateway.secret(1))).doesNotContain(TestGateway.secret(1));
    }

    private JsonNode adminKey(int index) {
        for (JsonNode k : json(gw.get("/admin/keys"))) if (k.path("index").asInt() == index) return k;
        throw new AssertionError("no key " + index);
    }
}
