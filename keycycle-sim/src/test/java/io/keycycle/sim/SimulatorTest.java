package io.keycycle.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Behaviour shared by all providers, over the real clock. */
class SimulatorTest {

    static Simulator sim;

    @BeforeAll
    static void start() {
        sim = Simulator.builder().freeTierProviders(2).chunkInterval(Duration.ofMillis(60)).build().start();
    }

    @AfterAll
    static void stop() {
        sim.close();
    }

    @BeforeEach
    void reset() {
        sim.reset();
    }

    static String key(ProviderKind k) {
        return SimKey.fakeSecret(k, 1);
    }

    static String model(ProviderKind k) {
        return switch (k) {
            case CEREBRAS -> "gpt-oss-120b";
            case GROQ -> "llama-3.1-8b-instant";
            case GEMINI -> "gemini-3.1-flash-lite";
            case OPENROUTER -> "qwen/qwen3-coder:free";
        };
    }

    @Test
    void everyProviderAnswersMalformedJsonWith400() {
        for (ProviderKind k : ProviderKind.values()) {
            HttpResponse<String> r = Http.chat(sim.baseUrl(k), key(k), "{\"model\": ");
            assertThat(r.statusCode()).as(k.id()).isEqualTo(400);
            assertThat(r.body()).as(k.id()).contains("not valid JSON");
            HttpResponse<String> noMessages = Http.chat(sim.baseUrl(k), key(k), "{\"model\":\"" + model(k) + "\"}");
            assertThat(noMessages.statusCode()).as(k.id()).isEqualTo(400);
            assertThat(noMessages.body()).as(k.id()).contains("'messages' is required");
        }
        assertThat(sim.stats().total().otherErrors()).isEqualTo(8);
    }

    @Test
    void everyProviderServesItsFreeTierModelAndListsModels() {
        for (ProviderKind k : ProviderKind.values()) {
            assertThat(Http.chat(sim.baseUrl(k), key(k), Http.body(model(k), "hi")).statusCode()).as(k.id()).isEqualTo(200);
            HttpResponse<String> models = Http.get(sim.baseUrl(k) + "/models", key(k));
            assertThat(models.statusCode()).as(k.id()).isEqualTo(200);
            assertThat(models.body()).as(k.id()).contains(model(k)).doesNotContain("gemma2-9b-it");
        }
        assertThat(Http.get(sim.rootUrl() + "/nothing/here", null).statusCode()).isEqualTo(404);
        assertThat(Http.get(sim.baseUrl("groq") + "/chat/completions", key(ProviderKind.GROQ)).statusCode()).isEqualTo(405);
        assertThat(sim.stats().total().successes()).isEqualTo(4);
    }

    @Test
    void streamFramesAreFlushedOneByOne() throws Exception {
        List<Http.Line> lines = Http.stream(sim.baseUrl("cerebras"), key(ProviderKind.CEREBRAS),
                Http.streamBody("gpt-oss-120b", "pace me", false));
        Http.Line first = lines.stream().filter(l -> l.text().startsWith("data: {")).findFirst().orElseThrow();
        Http.Line done = lines.stream().filter(l -> l.text().equals("data: [DONE]")).findFirst().orElseThrow();
        // at least 3 content frames and a finish frame, 60 ms apart: a buffered body would arrive at once
        assertThat(Duration.ofNanos(done.arrivedNanos() - first.arrivedNanos())).isGreaterThan(Duration.ofMillis(200));
        assertThat(Http.dataFrames(lines).size()).isGreaterThanOrEqualTo(4);
    }

    @Test
    void concurrentRequestsNeverOvershootALimit() throws Exception {
        sim.provider("groq").setLimits("llama-3.1-8b-instant", SimLimits.UNLIMITED.rpm(10));
        String base = sim.baseUrl("groq");
        String k = key(ProviderKind.GROQ);
        var pool = java.util.concurrent.Executors.newFixedThreadPool(8);
        try {
            List<java.util.concurrent.Future<Integer>> futures = new java.util.ArrayList<>();
            for (int i = 0; i < 40; i++) {
                int n = i;
                futures.add(pool.submit(() -> Http.chat(base, k, Http.body("llama-3.1-8b-instant", "c" + n)).statusCode()));
            }
            long ok = 0;
            for (var f : futures) {
                ok += f.get() == 200 ? 1 : 0;
            }
            assertThat(ok).isEqualTo(10);
        } finally {
            pool.shutdownNow();
        }
        assertThat(sim.stats().total("groq").minute429()).isEqualTo(30);
    }

    @Test
    void resetConnectionDropsTheConnectionWithoutAnswer() {
        sim.provider("groq").failNext(1, FaultKind.RESET_CONNECTION);
        assertThatThrownBy(() -> Http.chat(sim.baseUrl("groq"), key(ProviderKind.GROQ), Http.body(model(ProviderKind.GROQ), "a")))
                .isInstanceOf(UncheckedIOException.class);
        assertThat(Http.chat(sim.baseUrl("groq"), key(ProviderKind.GROQ), Http.body(model(ProviderKind.GROQ), "a")).statusCode())
                .isEqualTo(200);
        assertThat(sim.stats().total("groq").otherErrors()).isEqualTo(1);
    }

    @Test
    void slowFaultDelaysThenAnswers() {
        sim.provider("gemini").failNext(1, FaultKind.SLOW(Duration.ofMillis(300)));
        long t0 = System.nanoTime();
        HttpResponse<String> r = Http.chat(sim.baseUrl("gemini"), key(ProviderKind.GEMINI), Http.body(model(ProviderKind.GEMINI), "a"));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
    }

    @Test
    void failNextCountsDownAndFaultsAreProviderShaped() {
        sim.provider("gemini").failNext(2, FaultKind.OVERLOADED_503);
        String base = sim.baseUrl("gemini");
        String k = key(ProviderKind.GEMINI);
        for (int i = 0; i < 2; i++) {
            HttpResponse<String> r = Http.chat(base, k, Http.body(model(ProviderKind.GEMINI), "a"));
            assertThat(r.statusCode()).isEqualTo(503);
            JsonNode e = Http.json(r).get(0).path("error");
            assertThat(e.path("status").asText()).isEqualTo("UNAVAILABLE");
            assertThat(e.path("message").asText()).isEqualTo("The model is overloaded. Please try again later.");
        }
        assertThat(Http.chat(base, k, Http.body(model(ProviderKind.GEMINI), "a")).statusCode()).isEqualTo(200);
        sim.provider("gemini").failNext(1, FaultKind.MID_STREAM_ERROR);
        assertThat(Http.chat(base, k, Http.body(model(ProviderKind.GEMINI), "a")).statusCode()).isEqualTo(500);
    }

    @Test
    void faultsBeforeAdmissionAreNotChargedAndAMidStreamErrorIs() throws Exception {
        ProviderKind k = ProviderKind.GROQ;
        sim.provider(k).setLimits(model(k), SimLimits.UNLIMITED.rpm(1));
        sim.provider(k).failNext(1, FaultKind.OVERLOADED_503);
        assertThat(Http.chat(sim.baseUrl(k), key(k), Http.body(model(k), "a")).statusCode()).isEqualTo(503);
        sim.provider(k).failNext(1, FaultKind.MID_STREAM_ERROR);
        List<Http.Line> lines = Http.stream(sim.baseUrl(k), key(k), Http.streamBody(model(k), "b", false));
        assertThat(lines).anyMatch(l -> l.text().contains("\"finish_reason\":\"error\""));
        assertThat(Http.chat(sim.baseUrl(k), key(k), Http.body(model(k), "c")).statusCode())
                .as("the failed stream had been admitted and counts").isEqualTo(429);
    }

    @Test
    void faultProbabilityOneAlwaysFails() {
        sim.provider("cerebras").faultProbability(1.0, FaultKind.INTERNAL_500);
        for (int i = 0; i < 3; i++) {
            assertThat(Http.chat(sim.baseUrl("cerebras"), key(ProviderKind.CEREBRAS), Http.body("gpt-oss-120b", "a")).statusCode())
                    .isEqualTo(500);
        }
        sim.provider("cerebras").faultProbability(0);
        assertThat(Http.chat(sim.baseUrl("cerebras"), key(ProviderKind.CEREBRAS), Http.body("gpt-oss-120b", "a")).statusCode())
                .isEqualTo(200);
    }

    @Test
    void statsCountPerKeyAndModelAndShowOnlyMasks() {
        String groq = sim.baseUrl("groq");
        String k1 = SimKey.fakeSecret(ProviderKind.GROQ, 1);
        String k2 = SimKey.fakeSecret(ProviderKind.GROQ, 2);
        sim.provider("groq").setLimits("llama-3.1-8b-instant", SimLimits.UNLIMITED.rpm(1));
        HttpResponse<String> ok = Http.chat(groq, k1, Http.body("llama-3.1-8b-instant", "a"));
        Http.chat(groq, k1, Http.body("llama-3.1-8b-instant", "b"));  // 429: rpm 1
        Http.chat(groq, k2, Http.body("llama-3.1-8b-instant", "c"));  // other scope: fine
        Http.chat(groq, "gsk_test_unknownkey9999", Http.body("llama-3.1-8b-instant", "d"));

        SimStats stats = sim.stats();
        SimStats.Row row1 = stats.rows().stream().filter(r -> r.keyIndex() == 1).findFirst().orElseThrow();
        assertThat(row1.keyMask()).isEqualTo("…0001");
        assertThat(row1.scope()).isEqualTo("scope-1");
        assertThat(row1.model()).isEqualTo("llama-3.1-8b-instant");
        assertThat(row1.requests()).isEqualTo(2);
        assertThat(row1.successes()).isEqualTo(1);
        assertThat(row1.minute429()).isEqualTo(1);
        JsonNode usage = Http.json(ok).path("usage");
        assertThat(row1.promptTokens()).isEqualTo(usage.path("prompt_tokens").asLong());
        assertThat(row1.completionTokens()).isEqualTo(usage.path("completion_tokens").asLong());
        assertThat(row1.totalTokens()).isEqualTo(usage.path("total_tokens").asLong());
        assertThat(stats.total("groq").requests()).isEqualTo(4);
        assertThat(stats.total("groq").otherErrors()).isEqualTo(1);
        assertThat(stats.total429()).isEqualTo(1);
        assertThat(stats.table()).contains("…0001", "…9999").doesNotContain(k1).doesNotContain("unknownkey");
        assertThat(stats.toString()).doesNotContain(k1);

        stats.reset();
        assertThat(stats.total429()).isZero();
        assertThat(stats.rows()).isEmpty();
    }

    @Test
    void runtimeTogglesRejectWhatAProviderCannotDo() {
        assertThatThrownBy(() -> sim.provider("groq").failNext(1, FaultKind.QUEUE_EXCEEDED))
                .hasMessageContaining("QUEUE_EXCEEDED is a Cerebras error");
        assertThatThrownBy(() -> sim.provider("cerebras").suspendKey(key(ProviderKind.CEREBRAS)))
                .hasMessageContaining("cerebras has no SUSPENDED error");
        assertThatThrownBy(() -> sim.provider("groq").killKey("gsk_not_configured"))
                .hasMessageContaining("no key …ured is configured for groq");
        assertThatThrownBy(() -> sim.provider("nope")).hasMessageContaining("unknown provider 'nope'");
        assertThatThrownBy(() -> SimLimits.UNLIMITED.rpm(-2)).hasMessageContaining("rpm must be >= 0");
    }

    @Test
    void keyToStringIsMasked() {
        SimKey k = SimKey.of(SimKey.fakeSecret(ProviderKind.OPENROUTER, 7), "acct");
        assertThat(k.toString()).contains("…0007").doesNotContain("sk-or-v1");
        assertThat(SimProvider.openrouter().key(k).build().toString()).doesNotContain("sk-or-v1");
    }
}
