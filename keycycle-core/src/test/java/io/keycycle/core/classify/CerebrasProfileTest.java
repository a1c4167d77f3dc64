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

/** Bodies and headers copied verbatim from providers.md §2 (Cerebras). */
class CerebrasProfileTest {

    static final Instant NOW = Instant.parse("2026-09-13T10:00:00Z");
    final ProviderProfile cerebras = ProviderProfiles.forProvider("cerebras");

    static final String TPM_429 = "{\"message\":\"Tokens per minute limit exceeded - too many tokens processed.\",\"type\":\"too_many_tokens_error\",\"param\":\"quota\",\"code\":\"token_quota_exceeded\"}";
    static final String TPD_429 = "{\"message\":\"Tokens per day limit exceeded - too many tokens processed.\",\"type\":\"too_many_tokens_error\",\"param\":\"quota\",\"code\":\"token_quota_exceeded\"}";
    static final String RPM_429 = "{\"message\":\"Requests per minute limit exceeded - too many requests sent.\",\"type\":\"too_many_requests_error\",\"param\":\"quota\",\"code\":\"request_quota_exceeded\"}";
    static final String RPD_429 = "{\"message\":\"Requests per day limit exceeded - too many requests sent.\",\"type\":\"too_many_requests_error\",\"param\":\"quota\",\"code\":\"request_quota_exceeded\"}";
    static final String RPH_429 = "{\"message\":\"Requests per hour limit exceeded - too many requests sent.\",\"type\":\"too_many_requests_error\",\"param\":\"quota\",\"code\":\"request_quota_exceeded\"}";
    static final String TPH_429 = "{\"message\":\"Tokens per hour limit exceeded - too many tokens processed.\",\"type\":\"too_many_tokens_error\",\"param\":\"quota\",\"code\":\"token_quota_exceeded\"}";
    static final String QUEUE_429 = "{\"message\":\"We're experiencing high traffic right now! Please try again soon.\",\"type\":\"too_many_requests_error\",\"code\":\"queue_exceeded\"}";
    static final String SUCCESS = """
            {"id":"chatcmpl-…","object":"chat.completion","created":1748552717,"model":"qwen-3-32b",
             "system_fingerprint":"fp_…","choices":[{"index":0,"message":{"role":"assistant","content":"…"},"finish_reason":"stop"}],
             "usage":{"prompt_tokens":543,"completion_tokens":1500,"total_tokens":2043,"prompt_tokens_details":{"cached_tokens":0}},
             "time_info":{"queue_time":0.00026,"prompt_time":0.0164,"completion_time":1.153,"total_time":1.172,"created":1748552717}}""";

    /** The documented example headers of §2.4. */
    static String[] docHeaders() {
        return new String[] {
                "x-ratelimit-limit-requests-day", "1000000000",
                "x-ratelimit-limit-tokens-minute", "1000000000",
                "x-ratelimit-remaining-requests-day", "999997455",
                "x-ratelimit-remaining-tokens-minute", "999998298",
                "x-ratelimit-reset-requests-day", "33011.382867097855",
                "x-ratelimit-reset-tokens-minute", "11.382867097854614"};
    }

    @Test
    void successReadsUsageAndTheSixHeaders() {
        Outcome o = cerebras.classify(ProviderResponse.of(200, SUCCESS, docHeaders()), NOW);
        assertThat(o.kind()).isEqualTo(OutcomeKind.SUCCESS);
        assertThat(o.usage()).isEqualTo(new Usage(543, 1500, 2043));
        assertThat(o.observations()).containsExactlyInAnyOrder(
                new RateLimitObservation(Metric.RPD, 1_000_000_000L, 999_997_455L, Duration.ofNanos(33_011_382_867_097L)),
                new RateLimitObservation(Metric.TPM, 1_000_000_000L, 999_998_298L, Duration.ofNanos(11_382_867_097L)));
    }

    @Test
    void otherHeaderSpellingsAreAccepted() {
        Outcome o = cerebras.classify(ProviderResponse.of(200, SUCCESS,
                "x-ratelimit-limit-requests-minute", "30", "x-ratelimit-remaining-requests-minute", "29",
                "x-ratelimit-reset-requests-minute", "42.5",
                "x-ratelimit-limit-tokens-hour", "1000000", "x-ratelimit-remaining-tokens-hour", "0",
                "x-ratelimit-limit-tokens-day", "1000000"), NOW);
        assertThat(o.observations()).containsExactlyInAnyOrder(
                new RateLimitObservation(Metric.RPM, 30, 29, Duration.ofMillis(42_500)),
                new RateLimitObservation(Metric.TPH, 1_000_000, 0, null),
                new RateLimitObservation(Metric.TPD, 1_000_000, -1, null));
    }

    static Stream<Arguments> minuteAndHourLimits() {
        return Stream.of(
                Arguments.of(TPM_429, Metric.TPM, "x-ratelimit-reset-tokens-minute", Duration.ofNanos(11_382_867_097L)),
                Arguments.of(RPM_429, Metric.RPM, "x-ratelimit-reset-requests-minute", Duration.ofMillis(7_250)),
                Arguments.of(RPH_429, Metric.RPH, "x-ratelimit-reset-requests-hour", Duration.ofSeconds(1_800)),
                Arguments.of(TPH_429, Metric.TPH, "x-ratelimit-reset-tokens-hour", Duration.ofSeconds(600)));
    }

    @ParameterizedTest
    @MethodSource("minuteAndHourLimits")
    void minuteAndHourLimitsAreRateLimitedNotExhaustedDespiteParamQuota(String body, Metric metric, String header, Duration reset) {
        String value = header.endsWith("tokens-minute") ? "11.382867097854614"
                : header.endsWith("requests-minute") ? "7.25" : header.endsWith("requests-hour") ? "1800" : "600";
        Outcome o = cerebras.classify(ProviderResponse.of(429, body, header, value,
                "x-ratelimit-remaining-requests-day", "14000"), NOW);
        assertThat(o.kind()).isEqualTo(OutcomeKind.RATE_LIMITED);
        assertThat(o.metric()).isEqualTo(metric);
        assertThat(o.retryAfter()).isEqualTo(reset);
        assertThat(o.until()).isNull();
        assertThat(o.scopeWide()).isFalse();
    }

    @Test
    void retryAfterHeaderOutranksTheResetHeader() {
        Outcome o = cerebras.classify(ProviderResponse.of(429, TPM_429, "retry-after", "3",
                "x-ratelimit-reset-tokens-minute", "11.38"), NOW);
        assertThat(o.retryAfter()).isEqualTo(Duration.ofSeconds(3));
    }

    @Test
    void minuteLimitWithoutAnyWaitLeavesRetryAfterNull() {
        Outcome o = cerebras.classify(ProviderResponse.of(429, RPM_429), NOW);
        assertThat(o.kind()).isEqualTo(OutcomeKind.RATE_LIMITED);
        assertThat(o.metric()).isEqualTo(Metric.RPM);
        assertThat(o.retryAfter()).isNull();
    }

    @Test
    void tokensPerDayIsExhaustedUntilTheDayResetHeader() {
        Outcome o = cerebras.classify(ProviderResponse.of(429, TPD_429, docHeaders()), NOW);
        assertThat(o.kind()).isEqualTo(OutcomeKind.QUOTA_EXHAUSTED);
        assertThat(o.metric()).isEqualTo(Metric.TPD);
        assertThat(o.until()).isEqualTo(NOW.plusNanos(33_011_382_867_097L));
        assertThat(o.retryAfter()).isEqualTo(Duration.ofNanos(33_011_382_867_097L));
        assertThat(o.observations()).hasSize(2);
    }

    @Test
    void aDailyLimitWithRetryAfterIsExhaustedForThatLongNotForADay() {
        // the buckets refill continuously: the provider's retry-after wins over the day's reset
        Outcome o = cerebras.classify(ProviderResponse.of(429, RPD_429, "retry-after", "600",
                "x-ratelimit-remaining-requests-day", "0", "x-ratelimit-reset-requests-day", "33011.5"), NOW);
        assertThat(o.kind()).isEqualTo(OutcomeKind.QUOTA_EXHAUSTED);
        assertThat(o.metric()).isEqualTo(Metric.RPD);
        assertThat(o.until()).isEqualTo(NOW.plusSeconds(600));
    }

    @Test
    void requestsPerDayWithoutHeadersIsExhaustedForADay() {
        Outcome o = cerebras.classify(ProviderResponse.of(429, RPD_429), NOW);
        assertThat(o.kind()).isEqualTo(OutcomeKind.QUOTA_EXHAUSTED);
        assertThat(o.metric()).isEqualTo(Metric.RPD);
        assertThat(o.until()).isEqualTo(NOW.plus(Duration.ofHours(24)));
    }

    @Test
    void zeroRemainingRequestsPerDayHeaderMeansExhaustedWhateverTheWording() {
        Outcome o = cerebras.classify(ProviderResponse.of(429, RPM_429,
                "x-ratelimit-remaining-requests-day", "0", "x-ratelimit-reset-requests-day", "120.5"), NOW);
        assertThat(o.kind()).isEqualTo(OutcomeKind.QUOTA_EXHAUSTED);
        assertThat(o.metric()).isEqualTo(Metric.RPD);
        assertThat(o.until()).isEqualTo(NOW.plusMillis(120_500));
    }

    @Test
    void queueExceededIsOverloadNotTheKeysQuota() {
        Outcome o = cerebras.classify(ProviderResponse.of(429, QUEUE_429), NOW);
        assertThat(o.kind()).isEqualTo(OutcomeKind.OVERLOADED);
        assertThat(o.scopeWide()).isFalse();
    }

    @Test
    void ambiguous429WithOnlyParamQuotaIsRateLimitedWithMetricFromZeroHeader() {
        String body = "{\"message\":\"Limit exceeded.\",\"type\":\"too_many_tokens_error\",\"param\":\"quota\",\"code\":\"token_quota_exceeded\"}";
        Outcome bare = cerebras.classify(ProviderResponse.of(429, body), NOW);
        assertThat(bare.kind()).isEqualTo(OutcomeKind.RATE_LIMITED);
        assertThat(bare.metric()).isNull();
        Outcome withHeader = cerebras.classify(ProviderResponse.of(429, body,
                "x-ratelimit-remaining-tokens-minute", "0", "x-ratelimit-reset-tokens-minute", "4.5"), NOW);
        assertThat(withHeader.kind()).isEqualTo(OutcomeKind.RATE_LIMITED);
        assertThat(withHeader.metric()).isEqualTo(Metric.TPM);
        assertThat(withHeader.retryAfter()).isEqualTo(Duration.ofMillis(4_500));
    }

    static Stream<Arguments> otherErrors() {
        return Stream.of(
                Arguments.of(401, "{\"message\":\"Wrong API Key\",\"type\":\"invalid_request_error\",\"param\":\"api_key\",\"code\":\"wrong_api_key\"}",
                        OutcomeKind.KEY_INVALID, false),
                Arguments.of(403, "{\"detail\":\"Not authenticated\"}", OutcomeKind.KEY_INVALID, false),
                Arguments.of(403, "error code: 1010", OutcomeKind.TRANSIENT, false),
                Arguments.of(402, "{\"message\":\"Payment required to access this resource. Visit your billing tab.\",\"code\":\"payment_required\"}",
                        OutcomeKind.PAYMENT, true),
                Arguments.of(402, "Payment required to access this resource.", OutcomeKind.PAYMENT, true),
                Arguments.of(404, "{\"message\":\"Model llama-3.3-70b does not exist or you do not have access to it.\",\"type\":\"not_found_error\",\"param\":\"model\",\"code\":\"model_not_found\"}",
                        OutcomeKind.MODEL_UNAVAILABLE, false),
                Arguments.of(404, "", OutcomeKind.REQUEST_INVALID, false),
                Arguments.of(400, "{\"message\":\"Please reduce the length of the messages or completion.\",\"type\":\"invalid_request_error\",\"param\":\"messages\",\"code\":\"context_length_exceeded\"}",
                        OutcomeKind.REQUEST_INVALID, false),
                Arguments.of(422, "{\"detail\":[{\"loc\":[\"body\",\"messages\"],\"msg\":\"field required\"}]}", OutcomeKind.REQUEST_INVALID, false),
                Arguments.of(413, "", OutcomeKind.REQUEST_INVALID, false),
                Arguments.of(500, "", OutcomeKind.TRANSIENT, false),
                Arguments.of(503, "", OutcomeKind.OVERLOADED, false));
    }

    @ParameterizedTest(name = "{0} {1} -> {2}")
    @MethodSource("otherErrors")
    void otherErrors(int status, String body, OutcomeKind kind, boolean scopeWide) {
        Outcome o = cerebras.classify(ProviderResponse.of(status, body), NOW);
        assertThat(o.kind()).isEqualTo(kind);
        assertThat(o.scopeWide()).isEqualTo(scopeWide);
        assertThat(o.status()).isEqualTo(status);
    }

    @Test
    void cloudflareBlockSaysSoInTheReason() {
        Outcome o = cerebras.classify(ProviderResponse.of(403, "error code: 1010"), NOW);
        assertThat(o.reason()).contains("Cloudflare").contains("not a key fault");
    }
}
