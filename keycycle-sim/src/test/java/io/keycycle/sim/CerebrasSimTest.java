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

class CerebrasSimTest {

    static final String KEY = SimKey.fakeSecret(ProviderKind.CEREBRAS, 1);
    static final String BROKE = SimKey.fakeSecret(ProviderKind.CEREBRAS, 2);
    static final TestClock CLOCK = new TestClock(Instant.parse("2026-11-28T10:00:00Z"));
    static Simulator sim;
    static String base;

    @BeforeAll
    static void start() {
        sim = Simulator.builder().clock(CLOCK).provider(SimProvider.cerebras()
                .key(KEY, "org-a")
                .key(new SimKey(BROKE, "org-b", KeyState.NO_CREDIT))
                .model("gpt-oss-120b", SimLimits.UNLIMITED.rpd(2).tpm(150))
                .goneModel("llama-3.3-70b")
                .build()).build().start();
        base = sim.baseUrl("cerebras");
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
    void successHasTimeInfoAndDayMinuteHeaders() {
        HttpResponse<String> r = Http.chat(base, KEY, Http.withMax(Http.body("gpt-oss-120b", "hi"), 60));
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode b = Http.json(r);
        assertThat(b.path("id").asText()).startsWith("chatcmpl-");
        assertThat(b.path("system_fingerprint").asText()).startsWith("fp_");
        assertThat(b.path("usage").path("prompt_tokens_details").path("cached_tokens").asInt()).isZero();
        JsonNode t = b.path("time_info");
        assertThat(t.has("queue_time") && t.has("prompt_time") && t.has("completion_time") && t.has("total_time")).isTrue();
        assertThat(t.path("created").asLong()).isEqualTo(CLOCK.instant().getEpochSecond());
        assertThat(r.headers().firstValue("x-ratelimit-limit-requests-day")).hasValue("2");
        assertThat(r.headers().firstValue("x-ratelimit-remaining-requests-day")).hasValue("1");
        assertThat(r.headers().firstValue("x-ratelimit-limit-tokens-minute")).hasValue("150");
        assertThat(r.headers().firstValue("x-ratelimit-reset-requests-day")).hasValue("86400.0");
        assertThat(r.headers().firstValue("x-ratelimit-reset-tokens-minute")).hasValue("60.0");
    }

    @Test
    void minuteTokenAndDayRequest429sAreFlatWithTheirWording() {
        assertThat(Http.chat(base, KEY, Http.withMax(Http.body("gpt-oss-120b", "x".repeat(200)), 60)).statusCode()).isEqualTo(200);
        HttpResponse<String> tokens = Http.chat(base, KEY, Http.withMax(Http.body("gpt-oss-120b", "x".repeat(200)), 60));
        assertThat(tokens.statusCode()).isEqualTo(429);
        assertThat(tokens.body()).isEqualTo("{\"message\":\"Tokens per minute limit exceeded - too many tokens processed.\","
                + "\"type\":\"too_many_tokens_error\",\"param\":\"quota\",\"code\":\"token_quota_exceeded\"}");
        assertThat(tokens.headers().firstValue("x-ratelimit-remaining-tokens-minute")).isPresent();

        CLOCK.advance(Duration.ofMinutes(1));
        assertThat(Http.chat(base, KEY, Http.withMax(Http.body("gpt-oss-120b", "y"), 60)).statusCode()).isEqualTo(200);
        HttpResponse<String> day = Http.chat(base, KEY, Http.withMax(Http.body("gpt-oss-120b", "z"), 60));
        assertThat(day.statusCode()).isEqualTo(429);
        assertThat(day.body()).isEqualTo("{\"message\":\"Requests per day limit exceeded - too many requests sent.\","
                + "\"type\":\"too_many_requests_error\",\"param\":\"quota\",\"code\":\"request_quota_exceeded\"}");
        assertThat(day.headers().firstValue("x-ratelimit-remaining-requests-day")).hasValue("0");
        assertThat(sim.stats().total("cerebras").minute429()).isEqualTo(1);
        assertThat(sim.stats().total("cerebras").day429()).isEqualTo(1);
    }

    @Test
    void keyModelAndCapacityErrors() {
        HttpResponse<String> wrong = Http.chat(base, "csk-nope", Http.withMax(Http.body("gpt-oss-120b", "a"), 60));
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(wrong.body()).isEqualTo("{\"message\":\"Wrong API Key\",\"type\":\"invalid_request_error\","
                + "\"param\":\"api_key\",\"code\":\"wrong_api_key\"}");
        HttpResponse<String> none = Http.chat(base, null, Http.withMax(Http.body("gpt-oss-120b", "a"), 60));
        assertThat(none.statusCode()).isEqualTo(403);
        assertThat(none.body()).isEqualTo("{\"detail\":\"Not authenticated\"}");
        HttpResponse<String> broke = Http.chat(base, BROKE, Http.withMax(Http.body("gpt-oss-120b", "a"), 60));
        assertThat(broke.statusCode()).isEqualTo(402);
        assertThat(Http.json(broke).path("message").asText()).startsWith("Payment required");
        HttpResponse<String> gone = Http.chat(base, KEY, Http.body("llama-3.3-70b", "a"));
        assertThat(gone.statusCode()).isEqualTo(404);
        assertThat(Http.json(gone).path("code").asText()).isEqualTo("model_not_found");

        sim.provider("cerebras").failNext(1, FaultKind.QUEUE_EXCEEDED);
        HttpResponse<String> queue = Http.chat(base, KEY, Http.withMax(Http.body("gpt-oss-120b", "a"), 60));
        assertThat(queue.statusCode()).isEqualTo(429);
        assertThat(Http.json(queue).path("code").asText()).isEqualTo("queue_exceeded");
        assertThat(sim.stats().total("cerebras").other429()).isEqualTo(1);
    }

    @Test
    void streamCarriesUsageOnTheLastChunkAndATrailingUsageChunkWithIncludeUsage() throws Exception {
        List<JsonNode> plain = Http.dataFrames(Http.stream(base, KEY, Http.withMax(Http.streamBody("gpt-oss-120b", "s", false), 60)));
        JsonNode last = plain.get(plain.size() - 1);
        assertThat(last.path("choices").get(0).path("finish_reason").asText()).isEqualTo("stop");
        assertThat(last.path("usage").path("total_tokens").asInt()).isPositive();
        assertThat(last.has("time_info")).isTrue();

        List<JsonNode> withUsage = Http.dataFrames(Http.stream(base, KEY, Http.withMax(Http.streamBody("gpt-oss-120b", "s", true), 60)));
        JsonNode trailing = withUsage.get(withUsage.size() - 1);
        assertThat(trailing.path("choices").isArray() && trailing.path("choices").isEmpty()).isTrue();
        assertThat(trailing.path("usage")).isEqualTo(last.path("usage"));
        assertThat(trailing.has("time_info")).isTrue();
    }
}
