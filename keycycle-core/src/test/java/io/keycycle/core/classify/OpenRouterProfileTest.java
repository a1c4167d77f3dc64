package io.keycycle.core.classify;

import io.keycycle.core.Limits.Metric;
import io.keycycle.core.Outcome;
import io.keycycle.core.OutcomeKind;
import io.keycycle.core.ProviderProfile;
import io.keycycle.core.ProviderResponse;
import io.keycycle.core.Usage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.time.Instant;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Bodies from providers.md §5 (OpenRouter); messages and metadata verbatim. */
class OpenRouterProfileTest {

    /** 2026-09-29T23:58:30Z; the captured high-balance Reset 1790726400000 is 2026-09-30T00:00Z. */
    static final Instant NOW = Instant.parse("2026-09-29T23:58:30Z");
    static final Instant RESET_DAY = Instant.ofEpochMilli(1_790_726_400_000L);
    final ProviderProfile openrouter = ProviderProfiles.forProvider("openrouter");

    static final String PER_MIN = """
            {"error":{"code":429,"message":"Rate limit exceeded: free-models-per-min. ",
             "metadata":{"headers":{"Limit":"20","Remaining":"0","Reset":"1790726340000"},"limit_source":"free_tier_per_minute","provider_name":null}},
             "user_id":"user_2abc"}""";
    static final String PER_DAY = """
            {"error":{"code":429,"message":"Rate limit exceeded: free-models-per-day. Add 10 credits to unlock 1000 free model requests per day",
             "metadata":{"headers":{"Limit":"50","Remaining":"0","Reset":"1790726400000"},"limit_source":"openrouter_free_tier_daily"}},
             "user_id":"user_2abc"}""";
    static final String PER_DAY_HIGH = """
            {"error":{"code":429,"message":"Rate limit exceeded: free-models-per-day-high-balance. ",
             "metadata":{"headers":{"Limit":"1000","Remaining":"0","Reset":"1790726400000"},"limit_source":"openrouter_free_tier_daily",
             "remedy_hint":"Wait for the daily reset (see X-RateLimit-Reset), or purchase credits…"}},"user_id":"user_2abc"}""";
    static final String PER_DAY_2025 = """
            {"error":{"code":429,"message":"Rate limit exceeded: free-models-per-day. Add 10 credits to unlock 1000 free model requests per day",
             "metadata":{"headers":{"X-RateLimit-Limit":"50","X-RateLimit-Remaining":"0","X-RateLimit-Reset":"1790726400000"},"provider_name":null}},
             "user_id":"user_2abc"}""";
    static final String UPSTREAM_OLD = """
            {"error":{"code":429,"message":"Provider returned error","metadata":{"raw":"google/gemini-2.0-flash-exp:free is temporarily rate-limited upstream. Please retry shortly, or add your own key to accumulate your rate limits: https://openrouter.ai/settings/integrations","provider_name":"Google AI Studio"}},"user_id":"user_2abc"}""";
    static final String UPSTREAM_OLD_MESSAGE = """
            {"error":{"code":429,"message":"deepseek/deepseek-chat-v3-0324:free is temporarily rate-limited upstream. Please retry shortly, or add your own key to accumulate your rate limits: https://openrouter.ai/settings/integrations"},"user_id":"user_2abc"}""";
    static final String UPSTREAM_2026 = """
            {"error":{"code":429,"message":"Provider returned error","metadata":{"raw":"deepseek/deepseek-chat-v3.1:free is temporarily rate-limited upstream. Please retry shortly, or add your own key to accumulate your rate limits: https://openrouter.ai/settings/integrations",
             "provider_name":"DeepInfra","is_byok":false,"provider_error_code":"429","limit_source":"upstream_provider_shared_pool",
             "remedy_hint":"Retry shortly or add your own key"}},"user_id":"user_2abc"}""";

    @Test
    void perMinuteCoolsTheWholeAccountUntilTheReset() {
        Outcome o = openrouter.classify(ProviderResponse.of(429, PER_MIN), NOW);
        assertThat(o.kind()).isEqualTo(OutcomeKind.RATE_LIMITED);
        assertThat(o.metric()).isEqualTo(Metric.RPM);
        assertThat(o.scopeWide()).isTrue();
        assertThat(o.until()).isEqualTo(Instant.ofEpochMilli(1_790_726_340_000L));
        assertThat(o.retryAfter()).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void perMinuteHonoursARealRetryAfterFirst() {
        Outcome o = openrouter.classify(ProviderResponse.of(429, PER_MIN, "retry-after", "12",
                "X-RateLimit-Limit", "20", "X-RateLimit-Remaining", "0", "X-RateLimit-Reset", "1790726340000"), NOW);
        assertThat(o.retryAfter()).isEqualTo(Duration.ofSeconds(12));
        assertThat(o.until()).isEqualTo(Instant.ofEpochMilli(1_790_726_340_000L));
    }

    static Stream<String> dailyBodies() {
        return Stream.of(PER_DAY, PER_DAY_HIGH, PER_DAY_2025);
    }

    @ParameterizedTest
    @MethodSource("dailyBodies")
    void perDayParksEveryFreeModelOfTheAccountUntilTheReset(String body) {
        Outcome o = openrouter.classify(ProviderResponse.of(429, body), NOW);
        assertThat(o.kind()).isEqualTo(OutcomeKind.QUOTA_EXHAUSTED);
        assertThat(o.metric()).isEqualTo(Metric.RPD);
        assertThat(o.scopeWide()).isTrue();
        assertThat(o.until()).isEqualTo(RESET_DAY);
        assertThat(o.retryAfter()).isEqualTo(Duration.ofSeconds(90));
    }

    @Test
    void realResetHeaderWinsOverTheEchoedOne() {
        Outcome o = openrouter.classify(ProviderResponse.of(429, PER_DAY, "X-RateLimit-Reset", "1790812800000"), NOW);
        assertThat(o.until()).isEqualTo(Instant.parse("2026-10-01T00:00:00Z"));
    }

    @Test
    void perDayWithoutAnyResetFallsBackToTheNextUtcMidnight() {
        String body = "{\"error\":{\"code\":429,\"message\":\"Rate limit exceeded: free-models-per-day. \"}}";
        Instant now = Instant.parse("2026-09-29T13:15:00Z");
        Outcome o = openrouter.classify(ProviderResponse.of(429, body), now);
        assertThat(o.kind()).isEqualTo(OutcomeKind.QUOTA_EXHAUSTED);
        assertThat(o.until()).isEqualTo(Instant.parse("2026-09-30T00:00:00Z"));
        assertThat(o.scopeWide()).isTrue();
    }

    @Test
    void limitSourceAloneIdentifiesTheDailyLimit() {
        String body = "{\"error\":{\"code\":429,\"message\":\"Rate limit exceeded\",\"metadata\":{\"limit_source\":\"openrouter_free_tier_daily\"}}}";
        Outcome o = openrouter.classify(ProviderResponse.of(429, body), NOW);
        assertThat(o.kind()).isEqualTo(OutcomeKind.QUOTA_EXHAUSTED);
        assertThat(o.scopeWide()).isTrue();
    }

    static Stream<String> upstreamBodies() {
        return Stream.of(UPSTREAM_OLD, UPSTREAM_OLD_MESSAGE, UPSTREAM_2026);
    }

    @ParameterizedTest
    @MethodSource("upstreamBodies")
    void upstreamRateLimitIsThatModelsProviderBeingBusy(String body) {
        Outcome o = openrouter.classify(ProviderResponse.of(429, body), NOW);
        assertThat(o.kind()).isEqualTo(OutcomeKind.OVERLOADED);
        assertThat(o.scopeWide()).isFalse();
        assertThat(o.metric()).isNull();
    }

    @Test
    void perModelMinuteLimiterIsNotScopeWide() {
        String body = "{\"error\":{\"code\":429,\"message\":\"Rate limit exceeded\",\"metadata\":{\"headers\":{\"Limit\":\"20\",\"Remaining\":\"0\",\"Reset\":\"1790726340000\"},\"limit_source\":\"openrouter_per_model_minute\"}}}";
        Outcome o = openrouter.classify(ProviderResponse.of(429, body), NOW);
        assertThat(o.kind()).isEqualTo(OutcomeKind.RATE_LIMITED);
        assertThat(o.metric()).isEqualTo(Metric.RPM);
        assertThat(o.scopeWide()).isFalse();
        assertThat(o.retryAfter()).isEqualTo(Duration.ofSeconds(30));
    }

    static Stream<Arguments> otherErrors() {
        return Stream.of(
                Arguments.of(401, "{\"error\":{\"message\":\"User not found.\",\"code\":401}}", OutcomeKind.KEY_INVALID, false),
                Arguments.of(401, "{\"error\":{\"message\":\"No cookie auth credentials found\",\"code\":401}}", OutcomeKind.KEY_INVALID, false),
                Arguments.of(402, "{\"error\":{\"code\":402,\"message\":\"Insufficient credits. Add more using https://openrouter.ai/settings/credits\"}}",
                        OutcomeKind.PAYMENT, true),
                Arguments.of(402, "{\"error\":{\"code\":402,\"message\":\"Insufficient credits.\",\"metadata\":{\"limit_source\":\"openrouter_credits\"}}}",
                        OutcomeKind.PAYMENT, true),
                Arguments.of(402, "{\"error\":{\"code\":402,\"message\":\"This request requires more credits, or fewer max_tokens. You requested up to 32000 tokens, but can only afford 16000. To increase, visit https://openrouter.ai/settings/credits and upgrade to a paid account\"}}",
                        OutcomeKind.PAYMENT_TRANSIENT, false),
                Arguments.of(402, "{\"error\":{\"code\":402,\"message\":\"Request exceeds in-flight budget\",\"metadata\":{\"limit_source\":\"openrouter_in_flight_budget\"}}}",
                        OutcomeKind.PAYMENT_TRANSIENT, false),
                Arguments.of(403, "{\"error\":{\"code\":403,\"message\":\"Input was flagged\",\"metadata\":{\"reasons\":[\"violence\"],\"flagged_input\":\"…\",\"provider_name\":\"OpenAI\",\"model_slug\":\"openai/gpt-4o\"}}}",
                        OutcomeKind.REQUEST_INVALID, false),
                Arguments.of(404, "{\"error\":{\"message\":\"No endpoints found for deepseek/deepseek-r1:free.\",\"code\":404},\"user_id\":\"user_2abc\"}",
                        OutcomeKind.MODEL_UNAVAILABLE, false),
                Arguments.of(404, "{\"error\":{\"message\":\"No endpoints found that support tool use. To learn more about provider routing, visit: https://openrouter.ai/docs/provider-routing\",\"code\":404}}",
                        OutcomeKind.REQUEST_INVALID, false),
                Arguments.of(404, "{\"error\":{\"message\":\"No endpoints found that support image input\",\"code\":404}}",
                        OutcomeKind.REQUEST_INVALID, false),
                Arguments.of(404, "{\"error\":{\"message\":\"No endpoints found matching your data policy (Free model publication). Configure: https://openrouter.ai/settings/privacy\",\"code\":404}}",
                        OutcomeKind.REQUEST_INVALID, false),
                Arguments.of(404, "{\"error\":{\"message\":\"No endpoints found that can handle the requested parameters at or below your max price\",\"code\":404}}",
                        OutcomeKind.REQUEST_INVALID, false),
                Arguments.of(400, "{\"error\":{\"message\":\"deepseek/deepseek-r1 is not a valid model ID\",\"code\":400}}", OutcomeKind.REQUEST_INVALID, false),
                Arguments.of(408, "{\"error\":{\"message\":\"Request timed out\",\"code\":408}}", OutcomeKind.TRANSIENT, false),
                Arguments.of(502, "{\"error\":{\"message\":\"Provider returned error\",\"code\":502,\"metadata\":{\"provider_name\":\"Chutes\",\"raw\":\"upstream connect error\"}}}",
                        OutcomeKind.TRANSIENT, false),
                Arguments.of(503, "{\"error\":{\"message\":\"There is no available model provider that meets your routing requirements\",\"code\":503}}",
                        OutcomeKind.OVERLOADED, false));
    }

    @ParameterizedTest(name = "[{index}] {0} -> {2}")
    @MethodSource("otherErrors")
    void otherErrors(int status, String body, OutcomeKind kind, boolean scopeWide) {
        Outcome o = openrouter.classify(ProviderResponse.of(status, body), NOW);
        assertThat(o.kind()).isEqualTo(kind);
        assertThat(o.scopeWide()).isEqualTo(scopeWide);
    }

    @Test
    void inFlightBudgetKeepsItsRetryAfter() {
        Outcome o = openrouter.classify(ProviderResponse.of(402,
                "{\"error\":{\"code\":402,\"message\":\"Request exceeds in-flight budget\",\"metadata\":{\"limit_source\":\"openrouter_in_flight_budget\"}}}",
                "Retry-After", "4"), NOW);
        assertThat(o.retryAfter()).isEqualTo(Duration.ofSeconds(4));
    }

    @Test
    void successReadsUsageWithCost() {
        String body = "{\"id\":\"gen-1\",\"provider\":\"DeepInfra\",\"choices\":[{\"message\":{\"role\":\"assistant\",\"content\":\"hi\"}}],"
                + "\"usage\":{\"prompt_tokens\":194,\"completion_tokens\":2,\"total_tokens\":196,\"cost\":0.95,\"cost_details\":{\"upstream_inference_cost\":19},\"prompt_tokens_details\":{\"cached_tokens\":0,\"audio_tokens\":0},\"completion_tokens_details\":{\"reasoning_tokens\":0}}}";
        Outcome o = openrouter.classify(ProviderResponse.of(200, body), NOW);
        assertThat(o.kind()).isEqualTo(OutcomeKind.SUCCESS);
        assertThat(o.usage()).isEqualTo(new Usage(194, 2, 196));
    }

    @Test
    void midStreamFailureInA200IsClassifiedByItsErrorCode() {
        String upstream = "{\"id\":\"gen-1\",\"object\":\"chat.completion.chunk\",\"error\":{\"code\":429,\"message\":\"Provider returned error\","
                + "\"metadata\":{\"provider_name\":\"Chutes\"}},\"choices\":[{\"index\":0,\"delta\":{\"content\":\"\"},\"finish_reason\":\"error\"}]}";
        Outcome o = openrouter.classify(ProviderResponse.of(200, upstream), NOW);
        assertThat(o.kind()).isEqualTo(OutcomeKind.OVERLOADED);
        assertThat(o.status()).isEqualTo(200);
        assertThat(o.reason()).contains("code 429");

        String server = "{\"error\":{\"code\":\"server_error\",\"message\":\"Stream interrupted\"},\"choices\":[{\"finish_reason\":\"error\"}]}";
        assertThat(openrouter.classify(ProviderResponse.of(200, server), NOW).kind()).isEqualTo(OutcomeKind.TRANSIENT);

        String daily = "{\"error\":{\"code\":429,\"message\":\"Rate limit exceeded: free-models-per-day. \"},\"choices\":[{\"finish_reason\":\"error\"}]}";
        Outcome d = openrouter.classify(ProviderResponse.of(200, daily), NOW);
        assertThat(d.kind()).isEqualTo(OutcomeKind.QUOTA_EXHAUSTED);
        assertThat(d.scopeWide()).isTrue();
    }

    @Test
    void nullErrorInASuccessIsStillASuccess() {
        String body = "{\"id\":\"gen-1\",\"error\":null,\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1,\"total_tokens\":2}}";
        assertThat(openrouter.classify(ProviderResponse.of(200, body), NOW).kind()).isEqualTo(OutcomeKind.SUCCESS);
    }
}
