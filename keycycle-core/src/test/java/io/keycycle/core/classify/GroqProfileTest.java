package io.keycycle.core.classify;

import io.keycycle.core.Limits.Metric;
import io.keycycle.core.Outcome;
import io.keycycle.core.OutcomeKind;
import io.keycycle.core.ProviderProfile;
import io.keycycle.core.ProviderResponse;
import io.keycycle.core.RateLimitObservation;
import io.keycycle.core.Usage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.time.Instant;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Bodies and headers from providers.md §3 (Groq); message templates verbatim. */
class GroqProfileTest {

    static final Instant NOW = Instant.parse("2026-02-28T12:00:00Z");
    final ProviderProfile groq = ProviderProfiles.forProvider("groq");

    static String error(String message, String type, String code) {
        return "{\"error\":{\"message\":\"" + message.replace("\"", "\\\"") + "\",\"type\":\"" + type + "\",\"code\":\"" + code + "\"}}";
    }

    static final String RPM = error("Rate limit reached for model `llama-3.3-70b-versatile` in organization `org_01hq0000000000000000000000` service tier `on_demand` on requests per minute (RPM): Limit 30, Used 30, Requested 1. Please try again in 2s. Need more tokens? Upgrade to Dev Tier today at https://console.groq.com/settings/billing",
            "requests", "rate_limit_exceeded");
    static final String TPD = error("Rate limit reached for model `llama-3.3-70b-versatile` in organization `org_01hq0000000000000000000000` service tier `on_demand` on tokens per day (TPD): Limit 100000, Used 97050, Requested 3619. Please try again in 9m38.016s. Need more tokens? Upgrade to Dev Tier today at https://console.groq.com/settings/billing",
            "tokens", "rate_limit_exceeded");
    static final String RPD = error("Rate limit reached for model `llama-3.3-70b-versatile` in organization `org_01hq0000000000000000000000` service tier `on_demand` on requests per day (RPD): Limit 1000, Used 1000, Requested 1. Please try again in 1m26.4s. Need more tokens? Upgrade to Dev Tier today at https://console.groq.com/settings/billing",
            "requests", "rate_limit_exceeded");
    static final String TPM = error("Rate limit reached for model `openai/gpt-oss-120b` in organization `org_01hq0000000000000000000000` service tier `on_demand` on tokens per minute (TPM): Limit 8000, Used 7000, Requested 1500. Please try again in 3.75s. Need more tokens? Upgrade to Dev Tier today at https://console.groq.com/settings/billing",
            "tokens", "rate_limit_exceeded");
    static final String ITPM = error("Rate limit reached for model `openai/gpt-oss-120b` in organization `org_01hq0000000000000000000000` service tier `on_demand` on input tokens per minute (ITPM): Limit 8000, Used 8000, Requested 10. Please try again in 500ms.",
            "tokens", "rate_limit_exceeded");
    static final String OLD_2024 = error("Rate limit reached for model `mixtral-8x7b-32768` in organization `org_01hq0000000000000000000000` on tokens per minute (TPM): Limit 5000, Used 4500, Requested ~1200. Please try again in 8.4s. Visit https://console.groq.com/docs/rate-limits for more information.",
            "tokens", "rate_limit_exceeded");
    static final String TOO_LARGE = "{\"error\":{\"message\":\"Request too large for model `openai/gpt-oss-120b` in organization `org_…` service tier `on_demand` on tokens per minute (TPM): Limit 8000, Requested 11387, please reduce your message size and try again. Need more tokens? …\",\"type\":\"tokens\",\"code\":\"rate_limit_exceeded\"}}";
    static final String SUCCESS = """
            {"id":"chatcmpl-…","object":"chat.completion","created":1791297846,"model":"qwen/qwen3.8-27b",
             "choices":[{"index":0,"message":{"role":"assistant","content":"…"},"logprobs":null,"finish_reason":"stop"}],
             "usage":{"queue_time":0.052,"prompt_tokens":16,"prompt_time":0.0008,"completion_tokens":19,
                      "completion_time":0.0368,"total_tokens":35,"total_time":0.0376},
             "usage_breakdown":null,"system_fingerprint":"fp_…","x_groq":{"id":"req_01…","seed":1321871292},"service_tier":"on_demand"}""";

    static String[] docHeaders() {
        return new String[] {
                "x-ratelimit-limit-requests", "14400",
                "x-ratelimit-limit-tokens", "18000",
                "x-ratelimit-remaining-requests", "14370",
                "x-ratelimit-remaining-tokens", "17997",
                "x-ratelimit-reset-requests", "2m59.56s",
                "x-ratelimit-reset-tokens", "7.66s"};
    }

    static final RateLimitObservation DOC_RPD = new RateLimitObservation(Metric.RPD, 14400, 14370, Duration.ofMillis(179_560));
    static final RateLimitObservation DOC_TPM = new RateLimitObservation(Metric.TPM, 18000, 17997, Duration.ofMillis(7_660));

    @Test
    void successReadsUsageAndTheSixHeadersAsRpdAndTpm() {
        Outcome o = groq.classify(ProviderResponse.of(200, SUCCESS, docHeaders()), NOW);
        assertThat(o.kind()).isEqualTo(OutcomeKind.SUCCESS);
        assertThat(o.usage()).isEqualTo(new Usage(16, 19, 35));
        assertThat(o.observations()).containsExactlyInAnyOrder(DOC_RPD, DOC_TPM);
    }

    @Test
    void streamedFinalChunkCarriesUsageUnderXGroq() {
        String chunk = """
                {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1730000000,"model":"llama-3.1-8b-instant",
                 "choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}],
                 "x_groq":{"id":"req_01abc","usage":{"queue_time":0.01,"prompt_tokens":12,"prompt_time":0.001,
                 "completion_tokens":7,"completion_time":0.01,"total_tokens":19,"total_time":0.011}}}""";
        Outcome o = groq.classify(ProviderResponse.of(200, chunk), NOW);
        assertThat(o.usage()).isEqualTo(new Usage(12, 7, 19));
    }

    static Stream<Arguments> limits() {
        return Stream.of(
                // body, headers, kind, metric, wait
                Arguments.of(RPM, new String[] {"retry-after", "2"}, OutcomeKind.RATE_LIMITED, Metric.RPM, Duration.ofSeconds(2)),
                Arguments.of(RPM, new String[0], OutcomeKind.RATE_LIMITED, Metric.RPM, Duration.ofSeconds(2)),
                Arguments.of(TPM, new String[] {"x-ratelimit-reset-tokens", "7.66s"}, OutcomeKind.RATE_LIMITED, Metric.TPM, Duration.ofMillis(7_660)),
                Arguments.of(TPM, new String[0], OutcomeKind.RATE_LIMITED, Metric.TPM, Duration.ofMillis(3_750)),
                Arguments.of(ITPM, new String[0], OutcomeKind.RATE_LIMITED, Metric.TPM, Duration.ofMillis(500)),
                Arguments.of(OLD_2024, new String[0], OutcomeKind.RATE_LIMITED, Metric.TPM, Duration.ofMillis(8_400)),
                Arguments.of(TPD, new String[0], OutcomeKind.QUOTA_EXHAUSTED, Metric.TPD, Duration.ofMillis(578_016)),
                Arguments.of(TPD, new String[] {"retry-after", "578"}, OutcomeKind.QUOTA_EXHAUSTED, Metric.TPD, Duration.ofSeconds(578)),
                Arguments.of(RPD, new String[] {"x-ratelimit-remaining-requests", "0", "x-ratelimit-reset-requests", "1h2m3s"},
                        OutcomeKind.QUOTA_EXHAUSTED, Metric.RPD, Duration.ofSeconds(3_723)));
    }

    @ParameterizedTest(name = "[{index}] {2} {3} wait {4}")
    @MethodSource("limits")
    void rateLimitsAndDailyLimits(String body, String[] headers, OutcomeKind kind, Metric metric, Duration wait) {
        Outcome o = groq.classify(ProviderResponse.of(429, body, headers), NOW);
        assertThat(o.kind()).isEqualTo(kind);
        assertThat(o.metric()).isEqualTo(metric);
        assertThat(o.retryAfter()).isEqualTo(wait);
        assertThat(o.scopeWide()).isFalse();
        if (kind == OutcomeKind.QUOTA_EXHAUSTED) {
            assertThat(o.until()).as("Groq's daily bucket refills gradually: until = now + wait").isEqualTo(NOW.plus(wait));
        } else {
            assertThat(o.until()).isNull();
        }
    }

    @Test
    void dailyLimitWithNoWaitAnywhereParksForADay() {
        String body = error("Rate limit reached on tokens per day (TPD): Limit 100000, Used 100000, Requested 10.", "tokens", "rate_limit_exceeded");
        Outcome o = groq.classify(ProviderResponse.of(429, body), NOW);
        assertThat(o.kind()).isEqualTo(OutcomeKind.QUOTA_EXHAUSTED);
        assertThat(o.until()).isEqualTo(NOW.plus(Duration.ofDays(1)));
    }

    @Test
    void zeroRemainingRequestsHeaderIdentifiesRpdWhenTheMessageDoesNot() {
        Outcome o = groq.classify(ProviderResponse.of(429, error("Rate limit reached.", "requests", "rate_limit_exceeded"),
                "x-ratelimit-limit-requests", "1000", "x-ratelimit-remaining-requests", "0",
                "x-ratelimit-reset-requests", "1m26.4s", "x-ratelimit-remaining-tokens", "5000"), NOW);
        assertThat(o.kind()).isEqualTo(OutcomeKind.QUOTA_EXHAUSTED);
        assertThat(o.metric()).isEqualTo(Metric.RPD);
        assertThat(o.until()).isEqualTo(NOW.plusMillis(86_400));
        assertThat(o.observations()).contains(new RateLimitObservation(Metric.RPD, 1000, 0, Duration.ofMillis(86_400)));
    }

    @Test
    void observationsComeWithA429Too() {
        Outcome o = groq.classify(ProviderResponse.of(429, RPM, docHeaders()), NOW);
        assertThat(o.observations()).containsExactlyInAnyOrder(DOC_RPD, DOC_TPM);
    }

    @Test
    void requestTooLargeIsInvalidEvenWithRetryAfter() {
        Outcome o = groq.classify(ProviderResponse.of(413, TOO_LARGE, "retry-after", "64",
                "x-ratelimit-limit-tokens", "8000", "x-ratelimit-remaining-tokens", "8000", "x-ratelimit-reset-tokens", "0s"), NOW);
        assertThat(o.kind()).isEqualTo(OutcomeKind.REQUEST_INVALID);
        assertThat(o.metric()).isEqualTo(Metric.TPM);
        assertThat(o.retryAfter()).isNull();
        assertThat(o.kind().rotates()).isFalse();
    }

    static Stream<Arguments> otherErrors() {
        return Stream.of(
                Arguments.of(401, "{\"error\":{\"message\":\"Invalid API Key\",\"type\":\"invalid_request_error\",\"code\":\"invalid_api_key\"}}",
                        OutcomeKind.KEY_INVALID, false),
                Arguments.of(400, error("Organization has been restricted. Please reach out to support if you believe this was in error.", "invalid_request_error", "organization_restricted"),
                        OutcomeKind.KEY_SUSPENDED, true),
                Arguments.of(403, error("Organization has been restricted. Please reach out to support if you believe this was in error.", "invalid_request_error", "organization_restricted"),
                        OutcomeKind.KEY_SUSPENDED, true),
                Arguments.of(400, "{\"error\":{\"message\":\"The model `gemma2-9b-it` has been decommissioned and is no longer supported.\",\"type\":\"invalid_request_error\",\"code\":\"model_decommissioned\"}}",
                        OutcomeKind.MODEL_UNAVAILABLE, false),
                Arguments.of(404, error("The model `llama-4-scout` does not exist or you do not have access to it.", "invalid_request_error", "model_not_found"),
                        OutcomeKind.MODEL_UNAVAILABLE, false),
                Arguments.of(400, error("Please reduce the length of the messages or completion.", "invalid_request_error", "context_length_exceeded"),
                        OutcomeKind.REQUEST_INVALID, false),
                Arguments.of(400, error("'messages' : property 'messages' is missing", "invalid_request_error", ""),
                        OutcomeKind.REQUEST_INVALID, false),
                Arguments.of(422, "{\"error\":{\"message\":\"unprocessable\"}}", OutcomeKind.REQUEST_INVALID, false),
                Arguments.of(403, "error code: 1010", OutcomeKind.TRANSIENT, false),
                Arguments.of(498, error("Flex tier capacity exceeded. Please try again later.", "invalid_request_error", "capacity_exceeded"),
                        OutcomeKind.OVERLOADED, false),
                Arguments.of(503, error("`llama-3.3-70b-versatile` is currently over capacity. Please try again and back off exponentially. Visit https://groqstatus.com to see if there is an active incident.", "internal_server_error", "service_unavailable"),
                        OutcomeKind.OVERLOADED, false),
                Arguments.of(500, error("Internal Server Error", "internal_server_error", "internal_server_error"), OutcomeKind.TRANSIENT, false),
                Arguments.of(502, "<html><body>Bad gateway</body></html>", OutcomeKind.TRANSIENT, false),
                Arguments.of(504, "", OutcomeKind.TRANSIENT, false),
                Arguments.of(408, "", OutcomeKind.TRANSIENT, false));
    }

    @ParameterizedTest(name = "{0} -> {2}")
    @MethodSource("otherErrors")
    void otherErrors(int status, String body, OutcomeKind kind, boolean scopeWide) {
        Outcome o = groq.classify(ProviderResponse.of(status, body), NOW);
        assertThat(o.kind()).isEqualTo(kind);
        assertThat(o.scopeWide()).isEqualTo(scopeWide);
    }

    @Test
    void overCapacityAt429IsOverloadNotARateLimit() {
        Outcome o = groq.classify(ProviderResponse.of(429,
                error("`llama-3.3-70b-versatile` is currently over capacity. Please try again and back off exponentially.", "", ""),
                "retry-after", "5"), NOW);
        assertThat(o.kind()).isEqualTo(OutcomeKind.OVERLOADED);
        assertThat(o.retryAfter()).isEqualTo(Duration.ofSeconds(5));
    }
}
