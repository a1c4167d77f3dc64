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
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.keycycle.gateway.TestGateway.MODEL;
import static io.keycycle.gateway.TestGateway.TARGET;
import static io.keycycle.gateway.TestGateway.json;
import static org.assertj.core.api.Assertions.assertThat;

/** The OpenAI surface against the simulator: pass-through, streaming, validation, models, metrics. */
class ChatEndpointTest {

    static Simulator sim;
    static TestGateway gw;

    @BeforeAll
    static void start() {
        sim = Simulator.builder().chunkInterval(Duration.ofMillis(25))
                .provider(SimProvider.groq().fakeKeys(3).model(MODEL, SimLimits.UNLIMITED.rpm(100)).build())
                .build().start();
        gw = TestGateway.start(TestGateway.keycycle(sim, 3, "rpm: 100", null).build(), null, List.of(), 64 * 1024);
    }

    @AfterAll
    static void stop() {
        gw.close();
        sim.close();
    }

    @Test
    void plainAnswerIsTheProvidersBodyWithServedByHeaders() {
        HttpResponse<String> r = gw.chat(TARGET, "hello there");

        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode body = json(r);
        assertThat(body.path("object").asText()).isEqualTo("chat.completion");
        assertThat(body.path("x_groq").isObject()).as("groq's own envelope passes through").isTrue();
        assertThat(body.path("usage").path("completion_tokens").asLong()).isPositive();
        assertThat(r.headers().firstValue("x-keycycle-provider")).hasValue("groq");
        assertThat(r.headers().firstValue("x-keycycle-model")).hasValue(MODEL);
        assertThat(r.headers().firstValue("x-keycycle-attempts")).hasValue("1");
        assertThat(r.headers().firstValue("x-keycycle-fallbacks")).hasValue("0");
        List<String> fingerprints = TestGateway.keys(3).stream().map(ApiKey::fingerprint).map(ServedBy::asciiFingerprint).toList();
        assertThat(r.headers().firstValue("x-keycycle-key").orElseThrow()).isIn(fingerprints);
        assertThat(r.body()).doesNotContain(TestGateway.secret(1), TestGateway.secret(2), TestGateway.secret(3));
    }

    @Test
    void aBareModelRoutesAndAModelTheProviderLacksIsA404FromUpstream() {
        HttpResponse<String> bare = gw.chat(MODEL, "bare model");
        assertThat(bare.statusCode()).isEqualTo(200);
        assertThat(bare.headers().firstValue("x-keycycle-provider")).hasValue("groq");
        // "groq" means its default model, openai/gpt-oss-120b, which this simulator does not serve
        HttpResponse<String> r = gw.chat("groq", "provider default");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(404);
        JsonNode e = json(r).path("error");
        assertThat(e.path("code").asText()).isEqualTo("model_not_found");
        assertThat(e.path("model").asText()).isEqualTo("openai/gpt-oss-120b");
        assertThat(e.path("message").asText()).startsWith("groq: ");
    }

    @Test
    void streamForwardsEachEventAsItArrivesAndEndsWithDone() throws Exception {
        HttpRequest req = gw.request("/v1/chat/completions").header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(TestGateway.chatBody(TARGET, "stream please", true)
                        .replace("\"stream\":true", "\"stream\":true,\"stream_options\":{\"include_usage\":true}"))).build();
        HttpResponse<InputStream> r = gw.http.send(req, HttpResponse.BodyHandlers.ofInputStream());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type").orElseThrow()).startsWith("text/event-stream");
        assertThat(r.headers().firstValue("x-keycycle-provider")).hasValue("groq");
        assertThat(r.headers().firstValue("x-keycycle-key")).isPresent();

        List<String> data = new ArrayList<>();
        long firstAt = 0, doneAt = 0;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                if (!line.startsWith("data: ")) continue;
                if (data.isEmpty()) firstAt = System.nanoTime();
                data.add(line.substring(6));
                if (line.equals("data: [DONE]")) doneAt = System.nanoTime();
            }
        }
        assertThat(data).hasSizeGreaterThan(3);
        assertThat(data.get(data.size() - 1)).isEqualTo("[DONE]");
        assertThat(data.stream().filter("[DONE]"::equals)).hasSize(1);
        // the simulator paces frames 25 ms apart: the first must reach the client long before the last
        assertThat(Duration.ofNanos(doneAt - firstAt)).isGreaterThan(Duration.ofMillis(50));
        JsonNode usage = data.stream().filter(d -> !d.equals("[DONE]")).map(Jsons::tryParse)
                .filter(n -> n.path("usage").isObject()).reduce((a, b) -> b).orElseThrow().path("usage");
        assertThat(usage.path("prompt_tokens").asLong()).as("a client that asks for usage gets the usage chunk").isPositive();
    }

    @Test
    void malformedJsonIsA400NamingTheProblem() {
        HttpResponse<String> r = gw.chat("{\"model\": \"groq/x\", \"messages\": [");
        assertThat(r.statusCode()).isEqualTo(400);
        JsonNode e = json(r).path("error");
        assertThat(e.path("type").asText()).isEqualTo("invalid_request_error");
        assertThat(e.path("message").asText()).contains("not valid JSON").contains("line 1");
        assertThat(r.body()).doesNotContain("at io.").doesNotContain("Exception");
    }

    /** The request's bytes go upstream as they came: nothing after the checked object may ride along. */
    @Test
    void anythingAfterTheRequestObjectIsA400() {
        String ok = TestGateway.chatBody(TARGET, "hi", false);
        long before = sim.stats().totalRequests();
        for (String tail : new String[] {" {\"model\":\"other\"}", " junk", " 42", "]"}) {
            HttpResponse<String> r = gw.chat(ok + tail);
            assertThat(r.statusCode()).as(tail).isEqualTo(400);
            assertThat(json(r).path("error").path("message").asText()).as(tail).contains("not valid JSON");
        }
        assertThat(sim.stats().totalRequests()).as("nothing reached the provider").isEqualTo(before);
        assertThat(gw.chat(ok + " \n\t ").statusCode()).as("white space after it is fine").isEqualTo(200);
    }

    @Test
    void missingModelOrMessagesIsA400() {
        HttpResponse<String> noModel = gw.chat("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertThat(noModel.statusCode()).isEqualTo(400);
        assertThat(json(noModel).path("error").path("message").asText()).contains("'model' is required");

        HttpResponse<String> noMessages = gw.chat("{\"model\":\"" + TARGET + "\"}");
        assertThat(noMessages.statusCode()).isEqualTo(400);
        assertThat(json(noMessages).path("error").path("message").asText()).contains("'messages' is required");

        HttpResponse<String> notObject = gw.chat("[1,2]");
        assertThat(notObject.statusCode()).isEqualTo(400);
        assertThat(json(notObject).path("error").path("message").asText()).contains("JSON object");
    }

    @Test
    void unknownModelIsA404ListingWhatExists() {
        HttpResponse<String> r = gw.chat("no-such-tier", "hi");
        assertThat(r.statusCode()).isEqualTo(404);
        JsonNode e = json(r).path("error");
        assertThat(e.path("code").asText()).isEqualTo("model_not_found");
        assertThat(e.path("message").asText()).contains("no-such-tier");
        assertThat(e.path("available").toString()).contains(TARGET);

        HttpResponse<String> unknownOfProvider = gw.chat("groq/not-a-model", "hi");
        assertThat(unknownOfProvider.statusCode()).isEqualTo(404);
        assertThat(json(unknownOfProvider).path("error").path("message").asText()).contains("not-a-model");
    }

    @Test
    void aBodyOverTheLimitIsA413() {
        String big = "x".repeat(100 * 1024);
        HttpResponse<String> r = gw.chat(TestGateway.chatBody(TARGET, big, false));
        assertThat(r.statusCode()).isEqualTo(413);
        assertThat(json(r).path("error").path("message").asText()).contains("65536 bytes");
    }

    /**
     * The 413 reaches a client still sending its body: the gateway closes the connection after the
     * answer, and a close with the client's bytes unread resets the connection, which can destroy
     * the answer before the client reads it (a JDK client saw "header parser received no bytes" in
     * one of the five CI runs that had the change). The connection now lingers, reading and
     * discarding, for up to a second.
     */
    @Test
    void everyClientSendingABodyOverTheLimitGetsIts413() {
        String big = TestGateway.chatBody(TARGET, "x".repeat(256 * 1024), false);
        for (int i = 0; i < 40; i++) {
            HttpResponse<String> r = gw.chat(big);
            assertThat(r.statusCode()).as("attempt %d", i).isEqualTo(413);
        }
    }

    @Test
    void modelsListsProviderModelsAndTiers() {
        HttpResponse<String> r = gw.get("/v1/models");
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode list = json(r);
        assertThat(list.path("object").asText()).isEqualTo("list");
        List<String> ids = new ArrayList<>();
        list.path("data").forEach(m -> {
            ids.add(m.path("id").asText());
            assertThat(m.path("object").asText()).isEqualTo("model");
            if (m.path("id").asText().startsWith("groq/")) assertThat(m.path("owned_by").asText()).isEqualTo("groq");
        });
        assertThat(ids).contains(TARGET, "groq/openai/gpt-oss-120b");
        assertThat(ids).noneMatch(id -> id.startsWith("gemini/"));
        assertThat(ids).as("retired models are not offered").doesNotContain("groq/gemma2-9b-it", "groq/llama-3.3-70b-versatile");
    }

    @Test
    void metricsCountAdmissionsOutcomesTokensAndRequests() {
        assertThat(gw.chat(TARGET, "count me").statusCode()).isEqualTo(200);
        HttpResponse<String> r = gw.get("/metrics");
        assertThat(r.statusCode()).isEqualTo(200);
        String m = r.body();
        assertThat(m).contains("keycycle_admissions_total{model=\"" + MODEL + "\",provider=\"groq\"}");
        assertThat(m).containsPattern("keycycle_outcomes_total\\{model=\"" + MODEL + "\",outcome=\"SUCCESS\",provider=\"groq\"} [1-9]");
        assertThat(m).containsPattern("keycycle_tokens_total\\{kind=\"completion\",model=\"" + MODEL + "\",provider=\"groq\"} [1-9]");
        assertThat(m).contains("keycycle_keys{provider=\"groq\"", "state=\"READY\"");
        assertThat(m).containsPattern("keycycle_gateway_requests_seconds_count\\{method=\"POST\",route=\"/v1/chat/completions\",status=\"200\"} [1-9]");
        for (int i = 1; i <= 3; i++) assertThat(m).doesNotContain(TestGateway.secret(i));
    }

    @Test
    void healthAndReadiness() {
        assertThat(gw.get("/healthz").statusCode()).isEqualTo(200);
        HttpResponse<String> ready = gw.get("/readyz");
        assertThat(ready.statusCode()).isEqualTo(200);
        assertThat(json(ready).path("keys").asInt()).isEqualTo(3);
    }

    /** Uptime monitors often probe with HEAD (UptimeRobot's default): a 404 there reads as "down". */
    @Test
    void healthReadinessAndModelsAnswerHead() {
        for (String path : java.util.List.of("/healthz", "/readyz", "/v1/models")) {
            HttpResponse<String> r = gw.send(java.net.http.HttpRequest.newBuilder(gw.uri(path))
                    .method("HEAD", java.net.http.HttpRequest.BodyPublishers.noBody()).build());
            assertThat(r.statusCode()).as("HEAD " + path).isEqualTo(200);
            assertThat(r.body()).as("HEAD " + path).isEmpty();
        }
    }

    /** A 405 names what the path takes, in the {@code Allow} header HTTP requires on it and in its message. */
    @Test
    void aMethodNotAllowedSaysWhichAre() {
        HttpResponse<String> r = gw.send(java.net.http.HttpRequest.newBuilder(gw.uri("/v1/models"))
                .header("content-type", "application/json").PUT(java.net.http.HttpRequest.BodyPublishers.ofString("{}")).build());
        assertThat(r.statusCode()).isEqualTo(405);
        assertThat(r.headers().firstValue("allow")).hasValue("GET, HEAD");
        assertThat(json(r).path("error").path("message").asText()).isEqualTo("PUT is not allowed on /v1/models; it takes GET, HEAD");

        for (String probe : java.util.List.of("/healthz", "/readyz")) {
            HttpResponse<String> health = gw.post(probe, "{}");
            assertThat(health.statusCode()).as("POST " + probe).isEqualTo(405);
            assertThat(health.headers().firstValue("allow")).as("POST " + probe).hasValue("GET, HEAD");
        }

        HttpResponse<String> chat = gw.get("/v1/chat/completions");
        assertThat(chat.statusCode()).isEqualTo(405);
        assertThat(chat.headers().firstValue("allow")).hasValue("POST");

        HttpResponse<String> admin = gw.get("/admin/keys/groq/0/disable");
        assertThat(admin.statusCode()).as("a route with path parameters").isEqualTo(405);
        assertThat(admin.headers().firstValue("allow")).hasValue("POST");
    }

    @Test
    void unknownRoutesAreOpenAiShaped404s() {
        HttpResponse<String> r = gw.get("/v1/nothing");
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(json(r).path("error").path("message").asText()).contains("/v1/nothing");
    }

}
