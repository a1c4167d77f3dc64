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

class GroqSimTest {

    static final String KEY = SimKey.fakeSecret(ProviderKind.GROQ, 1);
    static final String MODEL = "llama-3.3-70b-versatile";
    static final TestClock CLOCK = new TestClock(Instant.parse("2026-11-28T10:00:00Z"));
    static Simulator sim;
    static String base;

    @BeforeAll
    static void start() {
        sim = Simulator.builder().clock(CLOCK).provider(SimProvider.groq()
                .key(KEY, "org_01abc")
                .model(MODEL, SimLimits.UNLIMITED.rpm(2).rpd(1000).tpm(12_000).tpd(100_000))
                .model("tiny-tpd", SimLimits.UNLIMITED.tpd(200))
                .goneModel("gemma2-9b-it")
                .build()).build().start();
        base = sim.baseUrl("groq");
    }

    @AfterAll
    static void stop() {
        sim.close();
    }

    @BeforeEach
    void reset() {
        sim.reset();
    }

    @Test
    void baseUrlMirrorsTheRealPath() {
        assertThat(base).matches("http://127\\.0\\.0\\.1:\\d+/groq/openai/v1");
    }

    @Test
    void successHasXGroqUsageTimingAndTheSixHeaders() {
        HttpResponse<String> r = Http.chat(base, KEY, Http.body(MODEL, "hello there"));
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode b = Http.json(r);
        assertThat(b.path("id").asText()).startsWith("chatcmpl-");
        assertThat(b.path("object").asText()).isEqualTo("chat.completion");
        assertThat(b.path("x_groq").path("id").asText()).startsWith("req_");
        assertThat(b.path("service_tier").asText()).isEqualTo("on_demand");
        JsonNode u = b.path("usage");
        assertThat(u.has("queue_time") && u.has("prompt_time") && u.has("completion_time") && u.has("total_time")).isTrue();
        assertThat(u.path("total_tokens").asInt()).isEqualTo(u.path("prompt_tokens").asInt() + u.path("completion_tokens").asInt());
        // prompt: ceil(11/4)+4 = 7; completion 20..60
        assertThat(u.path("prompt_tokens").asInt()).isEqualTo(7);
        assertThat(u.path("completion_tokens").asInt()).isBetween(20, 60);
        assertThat(r.headers().firstValue("x-ratelimit-limit-requests")).hasValue("1000");
        assertThat(r.headers().firstValue("x-ratelimit-remaining-requests")).hasValue("999");
        assertThat(r.headers().firstValue("x-ratelimit-limit-tokens")).hasValue("12000");
        assertThat(r.headers().firstValue("x-ratelimit-remaining-tokens"))
                .hasValue(Long.toString(12_000 - u.path("total_tokens").asInt()));
        assertThat(r.headers().firstValue("x-ratelimit-reset-requests")).hasValue("1m26.4s");  // 1/1000 of a day
        assertThat(r.headers().firstValue("x-ratelimit-reset-tokens")).hasValue("1m0s");
        assertThat(r.headers().firstValue("retry-after")).isEmpty();
    }

    @Test
    void rpm429FollowsTheMessageTemplateWithRetryAfter() {
        Http.chat(base, KEY, Http.body(MODEL, "a"));
        CLOCK.advance(Duration.ofMillis(57_500));
        Http.chat(base, KEY, Http.body(MODEL, "b"));
        HttpResponse<String> r = Http.chat(base, KEY, Http.body(MODEL, "c"));
        assertThat(r.statusCode()).isEqualTo(429);
        JsonNode e = Http.json(r).path("error");
        assertThat(e.path("type").asText()).isEqualTo("requests");
        assertThat(e.path("code").asText()).isEqualTo("rate_limit_exceeded");
        assertThat(e.path("message").asText()).isEqualTo("Rate limit reached for model `" + MODEL
                + "` in organization `org_01abc` service tier `on_demand` on requests per minute (RPM): Limit 2, Used 2, "
                + "Requested 1. Please try again in 2.5s. Need more tokens? Upgrade to Dev Tier today at "
                + "https://console.groq.com/settings/billing");
        assertThat(r.headers().firstValue("retry-after")).hasValue("3");
        assertThat(r.headers().firstValue("x-ratelimit-remaining-requests")).hasValue("998");

        CLOCK.advance(Duration.ofMillis(2_500));
        assertThat(Http.chat(base, KEY, Http.body(MODEL, "d")).statusCode()).isEqualTo(200);
        assertThat(sim.stats().total("groq").minute429()).isEqualTo(1);
    }

    @Test
    void tpd429IsATokensTypeDayLimit() {
        HttpResponse<String> first = Http.chat(base, KEY, Http.body("tiny-tpd", "x".repeat(400)));
        assertThat(first.statusCode()).isEqualTo(200);  // 104 prompt + completion <= 200
        HttpResponse<String> r = Http.chat(base, KEY, Http.body("tiny-tpd", "x".repeat(250)));  // 87..127 more
        assertThat(r.statusCode()).isEqualTo(429);
        JsonNode e = Http.json(r).path("error");
        assertThat(e.path("type").asText()).isEqualTo("tokens");
        assertThat(e.path("message").asText()).contains("on tokens per day (TPD): Limit 200, Used ");
        // the day refills at 200 tokens a day (432 s a token): wait until Used + Requested fits, as in
        // Groq's "Limit 100000, Used 97050, Requested 3619. Please try again in 9m38.016s."
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("Used (\\d+), Requested (\\d+)").matcher(e.path("message").asText());
        assertThat(m.find()).isTrue();
        long excess = Long.parseLong(m.group(1)) + Long.parseLong(m.group(2)) - 200;
        assertThat(e.path("message").asText()).contains("Please try again in " + Durations.go(Duration.ofSeconds(excess * 432)) + ".");
        assertThat(sim.stats().total("groq").day429()).isEqualTo(1);
    }

    /**
     * Groq's day quota refills gradually: its documentation shows {@code x-ratelimit-limit-requests:
     * 14400}, {@code -remaining-requests: 14370}, {@code -reset-requests: 2m59.56s} (30 requests, 6 s of
     * the day each), and on a 1,000-a-day model the reset advanced 86.4 s per request. A day 429 says
     * to try again when one request's share has refilled, not a day later.
     */
    @Test
    void dayQuotaRefillsGraduallyAsGroqsHeadersShow() {
        sim.provider("groq").setLimits("refill", SimLimits.UNLIMITED.rpd(14_400));
        HttpResponse<String> r = null;
        for (int i = 0; i < 30; i++) {
            r = Http.chat(base, KEY, Http.body("refill", "a"));
            assertThat(r.statusCode()).isEqualTo(200);
        }
        assertThat(r.headers().firstValue("x-ratelimit-remaining-requests")).hasValue("14370");
        assertThat(r.headers().firstValue("x-ratelimit-reset-requests")).hasValue("3m0s");
        CLOCK.advance(Duration.ofSeconds(60));  // 10 requests' share refilled
        r = Http.chat(base, KEY, Http.body("refill", "b"));
        assertThat(r.headers().firstValue("x-ratelimit-remaining-requests")).hasValue("14379");
        assertThat(r.headers().firstValue("x-ratelimit-reset-requests")).hasValue("2m6s");

        sim.provider("groq").setLimits("daily", SimLimits.UNLIMITED.rpd(1000));
        for (int i = 0; i < 1000; i++) {
            assertThat(Http.chat(base, KEY, Http.body("daily", "a")).statusCode()).isEqualTo(200);
        }
        HttpResponse<String> day = Http.chat(base, KEY, Http.body("daily", "b"));
        assertThat(day.statusCode()).isEqualTo(429);
        assertThat(Http.json(day).path("error").path("message").asText())
                .contains("on requests per day (RPD): Limit 1000, Used 1000, Requested 1. Please try again in 1m26.4s.");
        assertThat(day.headers().firstValue("retry-after")).hasValue("87");
        assertThat(day.headers().firstValue("x-ratelimit-remaining-requests")).hasValue("0");
        CLOCK.advance(Duration.ofMillis(86_400));
        assertThat(Http.chat(base, KEY, Http.body("daily", "c")).statusCode()).isEqualTo(200);
    }

    @Test
    void requestThatCanNeverFitIs413() {
        HttpResponse<String> r = Http.chat(base, KEY, Http.body("tiny-tpd", "x".repeat(1000)));
        assertThat(r.statusCode()).isEqualTo(413);
        JsonNode e = Http.json(r).path("error");
        assertThat(e.path("message").asText()).startsWith("Request too large for model `tiny-tpd` in organization `org_01abc` "
                + "service tier `on_demand` on tokens per day (TPD): Limit 200, Requested ");
        assertThat(e.path("type").asText()).isEqualTo("tokens");
        assertThat(e.path("code").asText()).isEqualTo("rate_limit_exceeded");
    }

    @Test
    void keyAndModelErrors() {
        HttpResponse<String> bad = Http.chat(base, "gsk_test_unknown", Http.body(MODEL, "a"));
        assertThat(bad.statusCode()).isEqualTo(401);
        assertThat(Http.json(bad).path("error").path("code").asText()).isEqualTo("invalid_api_key");

        sim.provider("groq").suspendKey(KEY);
        HttpResponse<String> restricted = Http.chat(base, KEY, Http.body(MODEL, "a"));
        assertThat(restricted.statusCode()).isEqualTo(400);
        assertThat(Http.json(restricted).path("error").path("code").asText()).isEqualTo("organization_restricted");

        sim.provider("groq").reviveKey(KEY);
        HttpResponse<String> gone = Http.chat(base, KEY, Http.body("gemma2-9b-it", "a"));
        assertThat(gone.statusCode()).isEqualTo(400);
        assertThat(Http.json(gone).path("error").path("code").asText()).isEqualTo("model_decommissioned");

        HttpResponse<String> unknown = Http.chat(base, KEY, Http.body("no-such-model", "a"));
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(Http.json(unknown).path("error").path("code").asText()).isEqualTo("model_not_found");
    }

    @Test
    void overloaded503() {
        sim.provider("groq").failNext(1, FaultKind.OVERLOADED_503);
        HttpResponse<String> r = Http.chat(base, KEY, Http.body(MODEL, "a"));
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(Http.json(r).path("error").path("message").asText())
                .startsWith("`" + MODEL + "` is currently over capacity. Please try again and back off exponentially.");
        assertThat(Http.chat(base, KEY, Http.body(MODEL, "a")).statusCode()).isEqualTo(200);
    }

    @Test
    void streamPutsUsageUnderXGroqAndAddsAUsageChunkWithIncludeUsage() throws Exception {
        List<JsonNode> plain = Http.dataFrames(Http.stream(base, KEY, Http.streamBody(MODEL, "stream me", false)));
        JsonNode finish = plain.get(plain.size() - 1);
        assertThat(finish.path("choices").get(0).path("finish_reason").asText()).isEqualTo("stop");
        assertThat(finish.path("x_groq").path("usage").path("total_tokens").asInt()).isPositive();
        assertThat(finish.has("usage")).isFalse();
        assertThat(plain).allMatch(f -> f.path("object").asText().equals("chat.completion.chunk"));

        List<Http.Line> lines = Http.stream(base, KEY, Http.streamBody(MODEL, "stream me", true));
        assertThat(lines.get(lines.size() - 2).text()).isEqualTo("data: [DONE]");
        List<JsonNode> frames = Http.dataFrames(lines);
        JsonNode trailing = frames.get(frames.size() - 1);
        assertThat(trailing.path("choices").isEmpty()).isTrue();
        assertThat(trailing.path("usage").path("total_tokens").asInt())
                .isEqualTo(finish.path("x_groq").path("usage").path("total_tokens").asInt());
        StringBuilder text = new StringBuilder();
        frames.forEach(f -> text.append(f.path("choices").path(0).path("delta").path("content").asText("")));
        assertThat(text.toString().split(" ")).hasSize(trailing.path("usage").path("completion_tokens").asInt());
    }
}
