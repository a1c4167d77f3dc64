package io.keycycle.sim;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class GeminiSimTest {

    static final String A1 = SimKey.fakeSecret(ProviderKind.GEMINI, 1);
    static final String A2 = SimKey.fakeSecret(ProviderKind.GEMINI, 2);
    static final String B1 = SimKey.fakeSecret(ProviderKind.GEMINI, 3);
    static final String FLASH = "gemini-2.5-flash";
    static final String DAILY = "gemini-3.5-flash";
    // 23:59:30 in Los Angeles (PST, UTC-8) on 2026-11-27
    static final Instant BEFORE_LA_MIDNIGHT = Instant.parse("2026-11-28T07:59:30Z");
    static final TestClock CLOCK = new TestClock(BEFORE_LA_MIDNIGHT);
    static Simulator sim;
    static String base;

    @BeforeAll
    static void start() {
        sim = Simulator.builder().clock(CLOCK).provider(SimProvider.gemini()
                .key(A1, "project-a").key(A2, "project-a").key(B1, "project-b")
                .model(FLASH, SimLimits.UNLIMITED.rpm(2))
                .model(DAILY, SimLimits.UNLIMITED.rpd(3))
                .noFreeTierModel("gemini-2.5-pro")
                .goneModel("gemini-2.0-flash")
                .thinkingTokens(30)
                .build()).build().start();
        base = sim.baseUrl("gemini");
    }

    @AfterAll
    static void stop() {
        sim.close();
    }

    @BeforeEach
    void reset() {
        sim.reset();
        CLOCK.set(BEFORE_LA_MIDNIGHT);
    }

    @Test
    void successIsAlphabeticalWithHiddenThinkingTokensAndNoHeaders() {
        HttpResponse<String> r = Http.chat(base, A1, Http.body("models/" + FLASH, "hello"));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(base).endsWith("/gemini/v1beta/openai");
        JsonNode b = Http.json(r);
        List<String> keys = new ArrayList<>();
        b.fieldNames().forEachRemaining(keys::add);
        assertThat(keys).containsExactly("choices", "created", "id", "model", "object", "usage");
        assertThat(b.path("id").asText()).hasSize(23).doesNotStartWith("chatcmpl");
        assertThat(b.path("model").asText()).isEqualTo(FLASH);
        JsonNode u = b.path("usage");
        assertThat(u.path("total_tokens").asInt())
                .isEqualTo(u.path("prompt_tokens").asInt() + u.path("completion_tokens").asInt() + 30);
        assertThat(r.headers().map().keySet()).noneMatch(h -> h.toLowerCase().startsWith("x-ratelimit") || h.equalsIgnoreCase("retry-after"));
        assertThat(sim.stats().total("gemini").totalTokens()).isEqualTo(u.path("total_tokens").asLong());
    }

    @Test
    void keysOfOneProjectShareTheBucketAndOtherProjectsDoNot() {
        assertThat(Http.chat(base, A1, Http.body(FLASH, "1")).statusCode()).isEqualTo(200);
        assertThat(Http.chat(base, A2, Http.body(FLASH, "2")).statusCode()).isEqualTo(200);
        HttpResponse<String> limited = Http.chat(base, A2, Http.body(FLASH, "3"));
        assertThat(limited.statusCode()).isEqualTo(429);
        assertThat(limited.headers().map().keySet()).noneMatch(h -> h.equalsIgnoreCase("retry-after"));
        JsonNode e = Http.json(limited);
        assertThat(e.isArray()).as("compat endpoint wraps errors in an array").isTrue();
        JsonNode err = e.get(0).path("error");
        assertThat(err.path("code").asInt()).isEqualTo(429);
        assertThat(err.path("status").asText()).isEqualTo("RESOURCE_EXHAUSTED");
        assertThat(err.path("message").asText()).contains("generate_content_free_tier_requests, limit: 2, model: " + FLASH)
                .contains("Please retry in 60s.");
        JsonNode quota = detail(err, "QuotaFailure").path("violations").get(0);
        assertThat(quota.path("quotaId").asText()).isEqualTo("GenerateRequestsPerMinutePerProjectPerModel-FreeTier");
        assertThat(quota.path("quotaValue").asText()).isEqualTo("2");
        assertThat(quota.path("quotaDimensions").path("model").asText()).isEqualTo(FLASH);
        assertThat(detail(err, "RetryInfo").path("retryDelay").asText()).isEqualTo("60s");

        assertThat(Http.chat(base, B1, Http.body(FLASH, "4")).statusCode()).isEqualTo(200);
    }

    @Test
    void dayQuotaResetsAtMidnightPacific() {
        for (int i = 0; i < 3; i++) {
            assertThat(Http.chat(base, A1, Http.body(DAILY, "r" + i)).statusCode()).isEqualTo(200);
            CLOCK.advance(Duration.ofSeconds(1));
        }
        HttpResponse<String> day = Http.chat(base, A2, Http.body(DAILY, "r4"));
        assertThat(day.statusCode()).isEqualTo(429);
        JsonNode err = Http.json(day).get(0).path("error");
        assertThat(detail(err, "QuotaFailure").path("violations").get(0).path("quotaId").asText())
                .isEqualTo("GenerateRequestsPerDayPerProjectPerModel-FreeTier");
        // a daily exhaustion still carries a short retryDelay: 23:59:33 → 27 s to the minute boundary
        assertThat(detail(err, "RetryInfo").path("retryDelay").asText()).isEqualTo("27s");
        assertThat(sim.stats().total("gemini").day429()).isEqualTo(1);

        CLOCK.set(Instant.parse("2026-11-28T08:00:00Z"));  // 00:00 in Los Angeles
        assertThat(Http.chat(base, A1, Http.body(DAILY, "new day")).statusCode()).isEqualTo(200);
    }

    /**
     * Gemini's token quotas count input tokens only ({@code generate_content_free_tier_input_token_count},
     * {@code GenerateContentInputTokensPerModelPerMinute}): a 20-token TPM admits four prompts of 5
     * tokens, whatever the answers' length, and refuses the fifth.
     */
    @Test
    void tokenQuotasCountInputTokensOnly() {
        sim.provider("gemini").setLimits("gemini-3.1-flash-lite", SimLimits.UNLIMITED.tpm(20));
        for (int i = 0; i < 4; i++) {
            HttpResponse<String> r = Http.chat(base, A1, Http.body("gemini-3.1-flash-lite", "hi"));
            assertThat(r.statusCode()).as("request %d: %s", i + 1, r.body()).isEqualTo(200);
            assertThat(Http.json(r).path("usage").path("prompt_tokens").asInt()).isEqualTo(5);
        }
        HttpResponse<String> fifth = Http.chat(base, A2, Http.body("gemini-3.1-flash-lite", "hi"));
        assertThat(fifth.statusCode()).isEqualTo(429);
        JsonNode err = Http.json(fifth).get(0).path("error");
        assertThat(detail(err, "QuotaFailure").path("violations").get(0).path("quotaId").asText())
                .isEqualTo("GenerateContentInputTokensPerModelPerMinute-FreeTier");
    }

    @Test
    void keyErrors() {
        HttpResponse<String> bad = Http.chat(base, "AIzaNotAKey", Http.body(FLASH, "a"));
        assertThat(bad.statusCode()).isEqualTo(400);
        JsonNode err = Http.json(bad).get(0).path("error");
        assertThat(err.path("status").asText()).isEqualTo("INVALID_ARGUMENT");
        assertThat(err.path("message").asText()).isEqualTo("API key not valid. Please pass a valid API key.");
        assertThat(detail(err, "ErrorInfo").path("reason").asText()).isEqualTo("API_KEY_INVALID");

        sim.provider("gemini").suspendKey(B1);
        HttpResponse<String> leaked = Http.chat(base, B1, Http.body(FLASH, "a"));
        assertThat(leaked.statusCode()).isEqualTo(403);
        assertThat(Http.json(leaked).get(0).path("error").path("message").asText()).contains("reported as leaked");

        sim.provider("gemini").killKey(A1);
        assertThat(Http.chat(base, A1, Http.body(FLASH, "a")).statusCode()).isEqualTo(400);
    }

    @Test
    void modelWithoutFreeTierAndGoneModel() {
        HttpResponse<String> pro = Http.chat(base, A1, Http.body("gemini-2.5-pro", "a"));
        assertThat(pro.statusCode()).isEqualTo(429);
        JsonNode err = Http.json(pro).get(0).path("error");
        assertThat(err.path("message").asText()).contains("limit: 0, model: gemini-2.5-pro");
        assertThat(detail(err, "QuotaFailure").path("violations")).hasSize(4);

        HttpResponse<String> gone = Http.chat(base, A1, Http.body("gemini-2.0-flash", "a"));
        assertThat(gone.statusCode()).isEqualTo(404);
        assertThat(Http.json(gone).get(0).path("error").path("message").asText())
                .startsWith("This model models/gemini-2.0-flash is no longer available to new users.");
    }

    @Test
    void aPaidProjectIsServedTheModelThatHasNoFreeTier(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path yaml = dir.resolve("sim.yaml");
        java.nio.file.Files.writeString(yaml, """
                providers:
                  gemini:
                    keys: [{ secret: %s, scope: project-free }, { secret: %s, scope: project-paid }]
                    models: { gemini-2.5-flash: { rpm: 5 } }
                    no-free-tier-models: [gemini-2.5-pro]
                    paid-scopes: [project-paid]
                """.formatted(A1, B1));
        try (Simulator s = Simulator.builder().configFile(yaml).build().start()) {
            String url = s.baseUrl("gemini");
            HttpResponse<String> free = Http.chat(url, A1, Http.body("gemini-2.5-pro", "a"));
            assertThat(free.statusCode()).isEqualTo(429);
            assertThat(free.body()).contains("limit: 0");
            assertThat(Http.chat(url, B1, Http.body("gemini-2.5-pro", "a")).statusCode()).as("the paid project").isEqualTo(200);
        }
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> SimProvider.groq().paidScope("org-a"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("only on gemini");
    }

    @Test
    void streamCarriesUsageOnTheFinishFrameOnly() throws Exception {
        List<Http.Line> lines = Http.stream(base, A1, Http.streamBody(FLASH, "stream", true));
        List<JsonNode> frames = Http.dataFrames(lines);
        assertThat(lines).anyMatch(l -> l.text().equals("data: [DONE]"));
        JsonNode last = frames.get(frames.size() - 1);
        assertThat(last.path("choices").get(0).path("finish_reason").asText()).isEqualTo("stop");
        assertThat(last.path("usage").path("total_tokens").asInt()).isGreaterThan(
                last.path("usage").path("prompt_tokens").asInt() + last.path("usage").path("completion_tokens").asInt());
        assertThat(frames.subList(0, frames.size() - 1)).noneMatch(f -> f.has("usage"));
        assertThat(frames).allMatch(f -> f.path("choices").size() == 1);
    }

    static JsonNode detail(JsonNode err, String type) {
        for (JsonNode d : err.path("details")) {
            if (d.path("@type").asText().endsWith("." + type)) {
                return d;
            }
        }
        throw new AssertionError("no " + type + " in " + err);
    }
}
