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
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.time.Instant;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Bodies from providers.md §4 (Gemini), the daily 429 verbatim; variants change only the named fields. */
class GeminiProfileTest {

    /** 08:30 PDT on 2026-09-29; the next Los Angeles midnight is 2026-09-30T07:00Z. */
    static final Instant NOW = Instant.parse("2026-09-29T15:30:00Z");
    static final Instant NEXT_LA_MIDNIGHT = Instant.parse("2026-09-30T07:00:00Z");
    final ProviderProfile gemini = ProviderProfiles.forProvider("gemini");

    /** Verbatim capture (providers.md §4.5). */
    static final String DAILY_429 = """
            {"error":{"code":429,
             "message":"You exceeded your current quota, please check your plan and billing details. For more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits. To monitor your current usage, head to: https://ai.dev/rate-limit. \\n* Quota exceeded for metric: generativelanguage.googleapis.com/generate_content_free_tier_requests, limit: 20, model: gemini-3.5-flash\\nPlease retry in 38.90923309s.",
             "status":"RESOURCE_EXHAUSTED",
             "details":[
              {"@type":"type.googleapis.com/google.rpc.Help","links":[{"description":"Learn more about Gemini API quotas","url":"https://ai.google.dev/gemini-api/docs/rate-limits"}]},
              {"@type":"type.googleapis.com/google.rpc.QuotaFailure","violations":[
                 {"quotaMetric":"generativelanguage.googleapis.com/generate_content_free_tier_requests",
                  "quotaId":"GenerateRequestsPerDayPerProjectPerModel-FreeTier",
                  "quotaDimensions":{"location":"global","model":"gemini-3.5-flash"},
                  "quotaValue":"20"}]},
              {"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"38s"}]}}""";

    static String quota429(String limitText, String violations, String retryInfo) {
        return "{\"error\":{\"code\":429,\"message\":\"You exceeded your current quota, please check your plan and billing details. "
                + "\\n* Quota exceeded for metric: generativelanguage.googleapis.com/generate_content_free_tier_requests, "
                + limitText + ", model: gemini-2.5-flash\\nPlease retry in 25.5s.\",\"status\":\"RESOURCE_EXHAUSTED\",\"details\":["
                + "{\"@type\":\"type.googleapis.com/google.rpc.QuotaFailure\",\"violations\":[" + violations + "]}"
                + (retryInfo == null ? "" : ",{\"@type\":\"type.googleapis.com/google.rpc.RetryInfo\",\"retryDelay\":\"" + retryInfo + "\"}")
                + "]}}";
    }

    static String violation(String quotaId, String metric, String value) {
        return "{\"quotaMetric\":\"generativelanguage.googleapis.com/" + metric + "\",\"quotaId\":\"" + quotaId
                + "\",\"quotaDimensions\":{\"location\":\"global\",\"model\":\"gemini-2.5-flash\"}"
                + (value == null ? "" : ",\"quotaValue\":\"" + value + "\"") + "}";
    }

    static final String REQ = "generate_content_free_tier_requests";
    static final String TOK = "generate_content_free_tier_input_token_count";

    @Test
    void dailyExhaustionParksUntilLosAngelesMidnightIgnoringTheShortRetryDelay() {
        Outcome o = gemini.classify(ProviderResponse.of(429, DAILY_429), NOW);
        assertThat(o.kind()).isEqualTo(OutcomeKind.QUOTA_EXHAUSTED);
        assertThat(o.metric()).isEqualTo(Metric.RPD);
        assertThat(o.until()).isEqualTo(NEXT_LA_MIDNIGHT);
        assertThat(o.retryAfter()).isEqualTo(Duration.ofMinutes(15 * 60 + 30)).isNotEqualTo(Duration.ofSeconds(38));
        assertThat(o.scopeWide()).isFalse();
        assertThat(o.status()).isEqualTo(429);
    }

    @Test
    void openAiCompatEndpointWrapsTheSameErrorInAnArray() {
        Outcome o = gemini.classify(ProviderResponse.of(429, "[" + DAILY_429 + "]"), NOW);
        assertThat(o.kind()).isEqualTo(OutcomeKind.QUOTA_EXHAUSTED);
        assertThat(o.until()).isEqualTo(NEXT_LA_MIDNIGHT);
    }

    static Stream<Arguments> quotaVariants() {
        return Stream.of(
                Arguments.of(quota429("limit: 5", violation("GenerateRequestsPerMinutePerProjectPerModel-FreeTier", REQ, "5"), "26s"),
                        OutcomeKind.RATE_LIMITED, Metric.RPM, Duration.ofSeconds(26), null),
                Arguments.of(quota429("limit: 250000", violation("GenerateContentInputTokensPerModelPerMinute-FreeTier", TOK, "250000"), "0.5s"),
                        OutcomeKind.RATE_LIMITED, Metric.TPM, Duration.ofMillis(500), null),
                Arguments.of(quota429("limit: 1000000", violation("GenerateContentPaidTierInputTokensPerModelPerMinute",
                                "generate_content_paid_tier_input_token_count", "1000000"), "1.5s"),
                        OutcomeKind.RATE_LIMITED, Metric.TPM, Duration.ofMillis(1_500), null),
                // no RetryInfo: the "Please retry in 25.5s." text is the wait
                Arguments.of(quota429("limit: 5", violation("GenerateRequestsPerMinutePerProjectPerModel-FreeTier", REQ, null), null),
                        OutcomeKind.RATE_LIMITED, Metric.RPM, Duration.ofMillis(25_500), null),
                Arguments.of(quota429("limit: 3000000", violation("GenerateContentInputTokensPerModelPerDay-FreeTier", TOK, "3000000"), "41s"),
                        OutcomeKind.QUOTA_EXHAUSTED, Metric.TPD, Duration.ofMinutes(15 * 60 + 30), NEXT_LA_MIDNIGHT),
                // several violations at once (gemini-cli#8437): the day wins
                Arguments.of(quota429("limit: 20", violation("GenerateRequestsPerMinutePerProjectPerModel-FreeTier", REQ, "5") + ","
                                + violation("GenerateRequestsPerDayPerProjectPerModel-FreeTier", REQ, "20"), "38s"),
                        OutcomeKind.QUOTA_EXHAUSTED, Metric.RPD, Duration.ofMinutes(15 * 60 + 30), NEXT_LA_MIDNIGHT));
    }

    @ParameterizedTest(name = "[{index}] {1} {2}")
    @MethodSource("quotaVariants")
    void quotaIdDecidesTheWindow(String body, OutcomeKind kind, Metric metric, Duration wait, Instant until) {
        Outcome o = gemini.classify(ProviderResponse.of(429, body), NOW);
        assertThat(o.kind()).isEqualTo(kind);
        assertThat(o.metric()).isEqualTo(metric);
        assertThat(o.retryAfter()).isEqualTo(wait);
        assertThat(o.until()).isEqualTo(until);
    }

    @Test
    void limitZeroOnAllFourQuotasMeansTheModelHasNoFreeTier() {
        String body = quota429("limit: 0", String.join(",",
                violation("GenerateRequestsPerMinutePerProjectPerModel-FreeTier", REQ, null),
                violation("GenerateRequestsPerDayPerProjectPerModel-FreeTier", REQ, null),
                violation("GenerateContentInputTokensPerModelPerMinute-FreeTier", TOK, null),
                violation("GenerateContentInputTokensPerModelPerDay-FreeTier", TOK, null)), "20s");
        Outcome o = gemini.classify(ProviderResponse.of(429, body), NOW);
        // the project's tier has no quota: every key of that key tier is parked until the reset,
        // and the call rotates to a key of another tier (a paid project), which may have one
        assertThat(o.kind()).isEqualTo(OutcomeKind.QUOTA_EXHAUSTED);
        assertThat(o.tierWide()).isTrue();
        assertThat(o.scopeWide()).isFalse();
        assertThat(o.until()).isEqualTo(GeminiProfile.DAILY_RESET.nextReset(NOW));
        assertThat(o.reason()).contains("limit 0");
        assertThat(o.kind().rotates()).isTrue();
    }

    @Test
    void quotaValueZeroAlsoMeansNoFreeTierButLimitTwentyDoesNot() {
        String zero = quota429("limit: 20", violation("GenerateRequestsPerDayPerProjectPerModel-FreeTier", REQ, "0"), "20s");
        assertThat(gemini.classify(ProviderResponse.of(429, zero), NOW).tierWide()).isTrue();
        String twenty = quota429("limit: 20", violation("GenerateRequestsPerDayPerProjectPerModel-FreeTier", REQ, "20"), "20s");
        Outcome t = gemini.classify(ProviderResponse.of(429, twenty), NOW);
        assertThat(t.kind()).isEqualTo(OutcomeKind.QUOTA_EXHAUSTED);
        assertThat(t.tierWide()).as("a spent quota of 20 is this project's, not its tier's").isFalse();
    }

    @Test
    void bare429WithoutDetailsFallsBackToRateLimited() {
        String body = "{\"error\":{\"code\":429,\"message\":\"Resource has been exhausted (e.g. check quota).\",\"status\":\"RESOURCE_EXHAUSTED\"}}";
        Outcome o = gemini.classify(ProviderResponse.of(429, body), NOW);
        assertThat(o.kind()).isEqualTo(OutcomeKind.RATE_LIMITED);
        assertThat(o.metric()).isNull();
        assertThat(o.retryAfter()).isNull();
    }

    /** Daily reset across the 2026 DST changes in Los Angeles (Mar 8 spring forward, Nov 1 fall back). */
    @ParameterizedTest(name = "now {0} -> until {1}")
    @CsvSource({
            "2026-03-08T07:30:00Z, 2026-03-08T08:00:00Z",   // 23:30 PST Mar 7 -> midnight PST
            "2026-03-08T09:59:00Z, 2026-03-09T07:00:00Z",   // 01:59 PST Mar 8 -> next midnight is PDT
            "2026-03-08T10:00:00Z, 2026-03-09T07:00:00Z",   // 03:00 PDT, just after the jump
            "2026-11-01T06:30:00Z, 2026-11-01T07:00:00Z",   // 23:30 PDT Oct 31 -> midnight PDT
            "2026-11-01T07:00:00Z, 2026-11-02T08:00:00Z",   // exactly midnight PDT -> the next one, in PST (25 h day)
            "2026-11-01T09:30:00Z, 2026-11-02T08:00:00Z",   // 01:30 PST, the repeated hour
            "2026-12-31T08:00:00Z, 2027-01-01T08:00:00Z"})  // midnight PST New Year's Eve -> New Year's Day
    void perDayUntilIsTheNextLosAngelesMidnight(Instant now, Instant until) {
        Outcome o = gemini.classify(ProviderResponse.of(429, DAILY_429), now);
        assertThat(o.until()).isEqualTo(until);
        assertThat(o.retryAfter()).isEqualTo(Duration.between(now, until));
    }

    static final String KEY_INVALID_400 = """
            {"error":{"code":400,"message":"API key not valid. Please pass a valid API key.","status":"INVALID_ARGUMENT",
             "details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_INVALID","domain":"googleapis.com",
                         "metadata":{"service":"generativelanguage.googleapis.com"}},
                        {"@type":"type.googleapis.com/google.rpc.LocalizedMessage","locale":"en-US","message":"API key not valid. Please pass a valid API key."}]}}""";

    static String google(int code, String status, String message) {
        return "{\"error\":{\"code\":" + code + ",\"message\":\"" + message + "\",\"status\":\"" + status + "\"}}";
    }

    static Stream<Arguments> otherErrors() {
        return Stream.of(
                Arguments.of(400, KEY_INVALID_400, OutcomeKind.KEY_INVALID, false),
                Arguments.of(400, "[" + KEY_INVALID_400 + "]", OutcomeKind.KEY_INVALID, false),
                Arguments.of(400, KEY_INVALID_400.replace("API key not valid. Please pass a valid API key.", "API Key not found. Please pass a valid API key."),
                        OutcomeKind.KEY_INVALID, false),
                Arguments.of(400, KEY_INVALID_400.replace("API key not valid. Please pass a valid API key.", "API key expired. Please renew the API key."),
                        OutcomeKind.KEY_INVALID, false),
                // message only, no ErrorInfo
                Arguments.of(400, google(400, "INVALID_ARGUMENT", "API key expired. Please renew the API key."), OutcomeKind.KEY_INVALID, false),
                Arguments.of(400, google(400, "INVALID_ARGUMENT", "Invalid JSON payload received. Unknown name \\\"foo\\\": Cannot find field."),
                        OutcomeKind.REQUEST_INVALID, false),
                Arguments.of(400, google(400, "FAILED_PRECONDITION", "User location is not supported for the API use."), OutcomeKind.REQUEST_INVALID, false),
                Arguments.of(403, google(403, "PERMISSION_DENIED", "Your API key was reported as leaked. Please use another API key."),
                        OutcomeKind.KEY_SUSPENDED, false),
                Arguments.of(403, google(403, "PERMISSION_DENIED", "Your project has been denied access. Please contact support."),
                        OutcomeKind.KEY_SUSPENDED, true),
                Arguments.of(403, google(403, "PERMISSION_DENIED", "Requests to this API generativelanguage.googleapis.com method google.ai.generativelanguage.v1beta.GenerativeService.GenerateContent are blocked."),
                        OutcomeKind.KEY_SUSPENDED, false),
                Arguments.of(403, "error code: 1010", OutcomeKind.TRANSIENT, false),
                Arguments.of(403, google(403, "PERMISSION_DENIED", "You do not have permission to access the File abc123 or it may not exist."),
                        OutcomeKind.REQUEST_INVALID, false),
                Arguments.of(404, google(404, "NOT_FOUND", "Requested entity was not found: cachedContents/xyz"),
                        OutcomeKind.REQUEST_INVALID, false),
                Arguments.of(404, google(404, "NOT_FOUND", "models/gemini-1.0-pro is not found for API version v1beta, or is not supported for generateContent. Call ListModels to see the list of available models and their supported methods."),
                        OutcomeKind.MODEL_UNAVAILABLE, false),
                Arguments.of(404, google(404, "NOT_FOUND", "This model models/gemini-2.5-flash is no longer available to new users. Please update your code to use models/gemini-3.5-flash instead."),
                        OutcomeKind.MODEL_UNAVAILABLE, false),
                Arguments.of(404, "[" + google(404, "NOT_FOUND", "This model models/gemini-2.5-flash is no longer available to new users.") + "]",
                        OutcomeKind.MODEL_UNAVAILABLE, false),
                Arguments.of(500, google(500, "INTERNAL", "An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting"),
                        OutcomeKind.TRANSIENT, false),
                Arguments.of(503, google(503, "UNAVAILABLE", "The model is overloaded. Please try again later."), OutcomeKind.OVERLOADED, false),
                Arguments.of(504, google(504, "DEADLINE_EXCEEDED", "The request timed out. Please try again."), OutcomeKind.TRANSIENT, false));
    }

    @ParameterizedTest(name = "[{index}] {0} -> {2}")
    @MethodSource("otherErrors")
    void otherErrors(int status, String body, OutcomeKind kind, boolean scopeWide) {
        Outcome o = gemini.classify(ProviderResponse.of(status, body), NOW);
        assertThat(o.kind()).isEqualTo(kind);
        assertThat(o.scopeWide()).isEqualTo(scopeWide);
    }

    @Test
    void nativeSuccessKeepsTotalIncludingThoughts() {
        String body = """
                {"candidates":[{"content":{"role":"model","parts":[{"text":"…"}]},"finishReason":"STOP","index":0}],
                 "usageMetadata":{"promptTokenCount":15,"candidatesTokenCount":6,"totalTokenCount":51,
                                  "thoughtsTokenCount":30,"promptTokensDetails":[{"modality":"TEXT","tokenCount":15}]},
                 "modelVersion":"gemini-3.5-flash","responseId":"abc"}""";
        Outcome o = gemini.classify(ProviderResponse.of(200, body), NOW);
        assertThat(o.kind()).isEqualTo(OutcomeKind.SUCCESS);
        assertThat(o.usage()).isEqualTo(new Usage(15, 6, 51));
        assertThat(o.observations()).isEmpty();
    }

    @Test
    void compatSuccessKeepsTotalAbovePromptPlusCompletion() {
        String body = """
                {"choices":[{"finish_reason":"stop","index":0,"message":{"content":"Ghostbusters","role":"assistant"}}],
                 "created":1763164273,"id":"ccAXad3iNNbiz7IPocTe0Ac","model":"gemini-2.5-flash","object":"chat.completion",
                 "usage":{"completion_tokens":2,"prompt_tokens":17,"total_tokens":49}}""";
        Outcome o = gemini.classify(ProviderResponse.of(200, body), NOW);
        assertThat(o.usage()).isEqualTo(new Usage(17, 2, 49));
        assertThat(o.usage().charged()).isEqualTo(49);
    }

    @Test
    void nonSseStreamArrayTakesUsageFromTheLastResponse() {
        String body = "[{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"Hel\"}]}}]},"
                + "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"lo\"}]},\"finishReason\":\"STOP\"}],"
                + "\"usageMetadata\":{\"promptTokenCount\":4,\"candidatesTokenCount\":2,\"totalTokenCount\":6}}]";
        assertThat(gemini.classify(ProviderResponse.of(200, body), NOW).usage()).isEqualTo(new Usage(4, 2, 6));
    }
}
