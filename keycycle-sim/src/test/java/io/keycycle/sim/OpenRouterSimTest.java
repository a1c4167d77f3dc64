package io.keycycle.sim;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class OpenRouterSimTest {

    static final String K1 = SimKey.fakeSecret(ProviderKind.OPENROUTER, 1);
    static final String K2 = SimKey.fakeSecret(ProviderKind.OPENROUTER, 2);
    static final String LLAMA = "meta-llama/llama-3.3-70b-instruct:free";
    static final String GEMMA = "google/gemma-3-27b-it:free";
    static final Instant START = Instant.parse("2026-11-28T23:59:00Z");
    static final TestClock CLOCK = new TestClock(START);
    static Simulator sim;
    static String base;

    @BeforeAll
    static void start() {
        sim = Simulator.builder().clock(CLOCK).provider(SimProvider.openrouter()
                .key(K1, "account-1").key(K2, "account-1")
                .model(LLAMA, SimLimits.UNLIMITED).model(GEMMA, SimLimits.UNLIMITED)
                .model("openai/gpt-4o-mini", SimLimits.UNLIMITED)
                .freeModelLimits(SimLimits.UNLIMITED.rpm(2).rpd(3))
                .goneModel("old/model:free")
                .build()).build().start();
        base = sim.baseUrl("openrouter");
    }

    @AfterAll
    static void stop() {
        sim.close();
    }

    @BeforeEach
    void reset() {
        sim.reset();
        CLOCK.set(START);
    }

    @Test
    void successHasGenIdProviderAndCostAndNoRateLimitHeaders() {
        HttpResponse<String> r = Http.chat(base, K1, Http.body(LLAMA, "hi"));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(base).endsWith("/openrouter/api/v1");
        JsonNode b = Http.json(r);
        assertThat(b.path("id").asText()).startsWith("gen-");
        assertThat(b.path("provider").asText()).isNotBlank();
        assertThat(b.path("usage").has("cost")).isTrue();
        assertThat(b.path("usage").path("completion_tokens_details").has("reasoning_tokens")).isTrue();
        assertThat(r.headers().firstValue("x-generation-id")).hasValue(b.path("id").asText());
        assertThat(r.headers().map().keySet()).noneMatch(h -> h.toLowerCase().startsWith("x-ratelimit"));
    }

    @Test
    void freeModelsShareOneAccountBudgetAcrossModelsAndKeys() {
        assertThat(Http.chat(base, K1, Http.body(LLAMA, "1")).statusCode()).isEqualTo(200);
        assertThat(Http.chat(base, K2, Http.body(GEMMA, "2")).statusCode()).isEqualTo(200);
        HttpResponse<String> r = Http.chat(base, K1, Http.body(GEMMA, "3"));
        assertThat(r.statusCode()).isEqualTo(429);
        long resetMs = START.plus(Duration.ofMinutes(1)).toEpochMilli();
        assertThat(r.headers().firstValue("X-RateLimit-Limit")).hasValue("2");
        assertThat(r.headers().firstValue("X-RateLimit-Remaining")).hasValue("0");
        assertThat(r.headers().firstValue("X-RateLimit-Reset")).hasValue(Long.toString(resetMs));
        JsonNode b = Http.json(r);
        assertThat(b.path("error").path("code").asInt()).isEqualTo(429);
        assertThat(b.path("error").path("message").asText()).isEqualTo("Rate limit exceeded: free-models-per-min. ");
        JsonNode meta = b.path("error").path("metadata");
        assertThat(meta.path("headers").path("X-RateLimit-Reset").asText()).isEqualTo(Long.toString(resetMs));
        assertThat(meta.path("provider_name").isNull()).isTrue();
        assertThat(b.path("user_id").asText()).startsWith("user_");
        // a paid model is not part of the free budget
        assertThat(Http.chat(base, K1, Http.body("openai/gpt-4o-mini", "4")).statusCode()).isEqualTo(200);
    }

    @Test
    void dayBudgetEndsAtUtcMidnight() {
        CLOCK.set(Instant.parse("2026-11-28T23:57:00Z"));
        for (int i = 0; i < 3; i++) {
            assertThat(Http.chat(base, K1, Http.body(i % 2 == 0 ? LLAMA : GEMMA, "r" + i)).statusCode()).isEqualTo(200);
            CLOCK.advance(Duration.ofSeconds(31));
        }
        HttpResponse<String> r = Http.chat(base, K2, Http.body(LLAMA, "r4"));
        assertThat(r.statusCode()).isEqualTo(429);
        JsonNode e = Http.json(r).path("error");
        assertThat(e.path("message").asText()).startsWith("Rate limit exceeded: free-models-per-day. Add 10 credits");
        assertThat(e.path("metadata").path("limit_source").asText()).isEqualTo("openrouter_free_tier_daily");
        assertThat(r.headers().firstValue("X-RateLimit-Reset"))
                .hasValue(Long.toString(Instant.parse("2026-11-29T00:00:00Z").toEpochMilli()));

        CLOCK.set(Instant.parse("2026-11-29T00:00:00Z"));
        assertThat(Http.chat(base, K2, Http.body(LLAMA, "tomorrow")).statusCode()).isEqualTo(200);
    }

    @Test
    void highBalanceAccountsGetTheHighBalanceWording() {
        try (Simulator rich = Simulator.builder().clock(CLOCK).provider(SimProvider.openrouter().key(K1, "acct")
                .model(LLAMA, SimLimits.UNLIMITED).freeModelLimits(SimLimits.UNLIMITED.rpd(1)).highBalance(true).build())
                .build().start()) {
            Http.chat(rich.baseUrl("openrouter"), K1, Http.body(LLAMA, "a"));
            HttpResponse<String> r = Http.chat(rich.baseUrl("openrouter"), K1, Http.body(LLAMA, "b"));
            assertThat(Http.json(r).path("error").path("message").asText())
                    .isEqualTo("Rate limit exceeded: free-models-per-day-high-balance. ");
        }
    }

    @Test
    void keyCreditModelAndUpstreamErrors() {
        HttpResponse<String> unknown = Http.chat(base, "sk-or-v1-nope", Http.body(LLAMA, "a"));
        assertThat(unknown.statusCode()).isEqualTo(401);
        assertThat(unknown.body()).isEqualTo("{\"error\":{\"message\":\"User not found.\",\"code\":401}}");

        sim.provider("openrouter").exhaustCredit(K2);
        HttpResponse<String> broke = Http.chat(base, K2, Http.body(LLAMA, "a"));
        assertThat(broke.statusCode()).isEqualTo(402);
        assertThat(Http.json(broke).path("error").path("message").asText()).startsWith("Insufficient credits.");
        sim.provider("openrouter").reviveKey(K2);  // the account (K1's too) has credit again

        HttpResponse<String> gone = Http.chat(base, K1, Http.body("old/model:free", "a"));
        assertThat(gone.statusCode()).isEqualTo(404);
        assertThat(Http.json(gone).path("error").path("message").asText()).isEqualTo("No endpoints found for old/model:free.");

        sim.provider("openrouter").failNext(1, FaultKind.UPSTREAM_429);
        HttpResponse<String> upstream = Http.chat(base, K1, Http.body(LLAMA, "a"));
        assertThat(upstream.statusCode()).isEqualTo(429);
        JsonNode e = Http.json(upstream).path("error");
        assertThat(e.path("message").asText()).contains("is temporarily rate-limited upstream");
        assertThat(e.path("metadata").path("provider_name").asText()).isNotBlank();
        assertThat(sim.stats().total("openrouter").other429()).isEqualTo(1);
    }

    @Test
    void streamHasProcessingCommentsAndAFinalUsageChunk() throws Exception {
        List<Http.Line> lines = Http.stream(base, K1, Http.streamBody(LLAMA, "s", false));
        assertThat(lines.get(0).text()).isEqualTo(": OPENROUTER PROCESSING");
        assertThat(lines.get(lines.size() - 2).text()).isEqualTo("data: [DONE]");
        List<JsonNode> frames = Http.dataFrames(lines);
        assertThat(frames.get(frames.size() - 2).path("choices").get(0).path("finish_reason").asText()).isEqualTo("stop");
        JsonNode usage = frames.get(frames.size() - 1);
        assertThat(usage.path("usage").path("total_tokens").asInt()).isPositive();
        assertThat(frames.subList(0, frames.size() - 1)).noneMatch(f -> f.has("usage"));
    }

    @Test
    void midStreamErrorIsA200WithAnErrorEvent() throws Exception {
        sim.provider("openrouter").failNext(1, FaultKind.MID_STREAM_ERROR);
        List<Http.Line> lines = Http.stream(base, K1, Http.streamBody(LLAMA, "s", false));
        List<JsonNode> frames = Http.dataFrames(lines);
        JsonNode last = frames.get(frames.size() - 1);
        assertThat(last.path("error").path("message").asText()).isNotBlank();
        assertThat(last.path("choices").get(0).path("finish_reason").asText()).isEqualTo("error");
        assertThat(lines).noneMatch(l -> l.text().equals("data: [DONE]"));
        assertThat(sim.stats().total("openrouter").otherErrors()).isEqualTo(1);
    }
}
