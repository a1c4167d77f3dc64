package io.keycycle.core.classify;

import io.keycycle.core.Outcome;
import io.keycycle.core.OutcomeKind;
import io.keycycle.core.ProviderProfile;
import io.keycycle.core.ProviderResponse;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Invariants over arbitrary input. The profiles are called through {@code classifyUnguarded}, i.e.
 * without the safety net of {@code classify}, so any exception a body or header could provoke fails
 * the property instead of being swallowed.
 */
class ClassifierPropertiesTest {

    static final Instant NOW = Instant.parse("2026-03-08T09:59:59Z");

    static final List<String> HEADER_NAMES = List.of(
            "retry-after", "retry-after-ms", "x-ratelimit-reset", "X-RateLimit-Reset",
            "x-ratelimit-limit-requests", "x-ratelimit-remaining-requests", "x-ratelimit-reset-requests",
            "x-ratelimit-limit-tokens", "x-ratelimit-remaining-tokens", "x-ratelimit-reset-tokens",
            "x-ratelimit-limit-requests-day", "x-ratelimit-remaining-requests-day", "x-ratelimit-reset-requests-day",
            "x-ratelimit-limit-tokens-minute", "x-ratelimit-remaining-tokens-minute", "x-ratelimit-reset-tokens-minute",
            "x-ratelimit-remaining-tokens-day", "x-ratelimit-reset-tokens-hour");

    static final List<String> CAPTURED = List.of(
            CerebrasProfileTest.TPM_429, CerebrasProfileTest.TPD_429, CerebrasProfileTest.QUEUE_429, CerebrasProfileTest.SUCCESS,
            GroqProfileTest.RPM, GroqProfileTest.TPD, GroqProfileTest.TOO_LARGE, GroqProfileTest.SUCCESS,
            GeminiProfileTest.DAILY_429, "[" + GeminiProfileTest.DAILY_429 + "]", GeminiProfileTest.KEY_INVALID_400,
            OpenRouterProfileTest.PER_MIN, OpenRouterProfileTest.PER_DAY_HIGH, OpenRouterProfileTest.UPSTREAM_2026,
            "{\"detail\":\"Not authenticated\"}", "error code: 1010");

    @Provide
    Arbitrary<BaseProfile> profiles() {
        return Arbitraries.of("cerebras", "groq", "gemini", "openrouter", "somethingelse")
                .map(n -> (BaseProfile) ProviderProfiles.forProvider(n));
    }

    @Provide
    Arbitrary<Map<String, List<String>>> headers() {
        Arbitrary<String> names = Arbitraries.oneOf(Arbitraries.of(HEADER_NAMES), Arbitraries.strings().ofMinLength(1).ofMaxLength(30));
        Arbitrary<String> values = Arbitraries.oneOf(
                Arbitraries.strings(),
                Arbitraries.strings().withChars("0123456789.,-+eEhmsuµn :GMT").ofMaxLength(25),
                Arbitraries.longs().map(String::valueOf),
                Arbitraries.doubles().map(String::valueOf));
        return Arbitraries.maps(names, values.list().ofMaxSize(2)).ofMaxSize(8);
    }

    @Provide
    Arbitrary<Integer> statuses() {
        return Arbitraries.oneOf(Arbitraries.of(200, 400, 401, 402, 403, 404, 413, 422, 429, 498, 500, 503),
                Arbitraries.integers().between(-5, 1000));
    }

    private static void assertSane(Outcome o, int status) {
        assertThat(o).isNotNull();
        assertThat(o.kind()).isNotNull();
        assertThat(o.status()).isEqualTo(status);
        assertThat(o.reason()).isNotNull().hasSizeLessThanOrEqualTo(Reasons.MAX_LENGTH);
        if (o.retryAfter() != null) assertThat(o.retryAfter()).isGreaterThanOrEqualTo(Duration.ZERO);
    }

    @Property(tries = 600)
    void neverThrowsOnArbitraryStringsAndHeaders(@ForAll("profiles") BaseProfile profile, @ForAll("statuses") int status,
                                                @ForAll String body, @ForAll("headers") Map<String, List<String>> headers) {
        assertSane(profile.classifyUnguarded(new ProviderResponse(status, headers, body), NOW), status);
    }

    @Property(tries = 400)
    void neverThrowsOnArbitraryBytes(@ForAll("profiles") BaseProfile profile, @ForAll("statuses") int status, @ForAll byte[] bytes) {
        assertSane(profile.classifyUnguarded(ProviderResponse.of(status, new String(bytes, StandardCharsets.UTF_8)), NOW), status);
        assertSane(profile.classifyUnguarded(ProviderResponse.of(status, new String(bytes, StandardCharsets.ISO_8859_1)), NOW), status);
    }

    @Property(tries = 600)
    void neverThrowsOnTruncatedOrSplicedCapturedBodies(@ForAll("profiles") BaseProfile profile, @ForAll("statuses") int status,
                                                       @ForAll("captured") String captured, @ForAll @IntRange(min = 0, max = 4000) int cut,
                                                       @ForAll String splice, @ForAll("headers") Map<String, List<String>> headers) {
        int at = Math.min(cut, captured.length());
        assertSane(profile.classifyUnguarded(new ProviderResponse(status, headers, captured.substring(0, at)), NOW), status);
        String spliced = captured.substring(0, at) + splice + captured.substring(at);
        assertSane(profile.classifyUnguarded(new ProviderResponse(status, headers, spliced), NOW), status);
    }

    @Provide
    Arbitrary<String> captured() {
        return Arbitraries.of(CAPTURED);
    }

    /** Google/OpenAI/OpenRouter envelopes whose fields hold values of the wrong type. */
    @Provide
    Arbitrary<String> typeConfusedBodies() {
        Arbitrary<String> scalar = Arbitraries.oneOf(
                Arbitraries.of("null", "true", "0", "-1", "429", "1e400", "\"0\"", "\"\"", "{}", "[]", "[null]", "\"PerDay\""),
                Arbitraries.strings().ofMaxLength(20).map(s -> "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\""));
        Arbitrary<String> value = Arbitraries.oneOf(scalar,
                scalar.list().ofMaxSize(3).map(l -> "[" + String.join(",", l) + "]"),
                Combinators.combine(scalar, scalar, scalar).as((a, b, c) ->
                        "{\"quotaId\":" + a + ",\"quotaValue\":" + b + ",\"retryDelay\":" + c + ",\"@type\":\"type.googleapis.com/google.rpc.QuotaFailure\",\"violations\":[{\"quotaId\":" + a + "}]}"),
                Combinators.combine(scalar, scalar).as((a, b) ->
                        "{\"headers\":{\"Reset\":" + a + "},\"limit_source\":" + b + ",\"provider_name\":" + a + "}"));
        return Combinators.combine(value, value, value, value, value).as((code, message, status, details, metadata) ->
                "{\"error\":{\"code\":" + code + ",\"message\":" + message + ",\"status\":" + status
                        + ",\"details\":" + details + ",\"metadata\":" + metadata + "},\"usage\":" + details + "}");
    }

    @Property(tries = 600)
    void neverThrowsOnTypeConfusedEnvelopes(@ForAll("profiles") BaseProfile profile, @ForAll("statuses") int status,
                                           @ForAll("typeConfusedBodies") String body) {
        assertSane(profile.classifyUnguarded(ProviderResponse.of(status, body), NOW), status);
        assertSane(profile.classifyUnguarded(ProviderResponse.of(status, "[" + body + "]"), NOW), status);
    }

    @Property(tries = 40)
    void deeplyNestedJsonDoesNotBlowTheStack(@ForAll("profiles") BaseProfile profile, @ForAll @IntRange(min = 1, max = 20_000) int depth) {
        String body = "[".repeat(depth) + "]".repeat(depth);
        assertSane(profile.classifyUnguarded(ProviderResponse.of(400, body), NOW), 400);
        assertSane(profile.classifyUnguarded(ProviderResponse.of(200, "{\"error\":" + "{\"a\":".repeat(depth) + "1" + "}".repeat(depth) + "}"), NOW), 200);
    }

    @Property(tries = 300)
    void throwableClassificationNeverThrows(@ForAll("profiles") BaseProfile profile, @ForAll String message) {
        Outcome o = profile.classify(new RuntimeException(message, new IllegalStateException(message)), NOW);
        assertThat(o.kind()).isNotNull();
    }

    // ---- "429" inside a number is not a rate limit --------------------------------------------

    /** Numbers whose decimal digits contain 429 but which are not 429 (4290, 14290, 1429, 94291, …). */
    @Provide
    Arbitrary<String> numbersContaining429() {
        Arbitrary<String> digits = Arbitraries.strings().numeric().ofMaxLength(4);
        return Combinators.combine(digits, digits).as((a, b) -> a + "429" + b)
                .filter(s -> !s.equals("429"));
    }

    @Property(tries = 500)
    void digits429InsideNumbersNeverMeanRateLimited(@ForAll("profiles") BaseProfile profile,
                                                   @ForAll("numbersContaining429") String n,
                                                   @ForAll("sentences") String template) {
        String text = template.replace("N", n);
        String json = text.replace("\\", "\\\\").replace("\"", "\\\"");
        String errorBody = "{\"error\":{\"message\":\"" + json + "\",\"code\":" + n + "}}";
        String successBody = "{\"choices\":[{\"message\":{\"content\":\"" + json + "\"}}],"
                + "\"usage\":{\"prompt_tokens\":" + n + ",\"completion_tokens\":1,\"total_tokens\":" + n + "1}}";
        for (String body : List.of(errorBody, successBody, text)) {
            for (int status : new int[] {200, 400}) {
                assertThat(profile.classifyUnguarded(ProviderResponse.of(status, body), NOW).kind())
                        .as("HTTP %d body %s", status, body).isNotEqualTo(OutcomeKind.RATE_LIMITED);
            }
        }
        assertThat(profile.classify(new RuntimeException(text), NOW).kind()).as(text).isNotEqualTo(OutcomeKind.RATE_LIMITED);
        assertThat(profile.classify(new IllegalArgumentException("HTTP 400: " + errorBody), NOW).kind())
                .isNotEqualTo(OutcomeKind.RATE_LIMITED);
    }

    @Provide
    Arbitrary<String> sentences() {
        return Arbitraries.of(
                "This model's maximum context length is 8192 tokens. However, you requested N tokens.",
                "Requested N tokens, limit N",
                "N", "error N", "code N", "status N", "HTTP N", "status code: N", "N tokens used",
                "{\"total_tokens\":N}", "request id req_N failed", "Please reduce the length of the messages (N).");
    }

    // ---- parsers ----------------------------------------------------------------------------

    @Property(tries = 500)
    void goDurationRoundTrips(@ForAll @IntRange(min = 0, max = 200) int hours, @ForAll @IntRange(min = 0, max = 59) int minutes,
                              @ForAll @IntRange(min = 0, max = 59_999) int millisOfMinute) {
        String go = (hours > 0 ? hours + "h" : "") + (hours > 0 || minutes > 0 ? minutes + "m" : "")
                + (millisOfMinute / 1000) + "." + String.format("%03d", millisOfMinute % 1000) + "s";
        Duration expected = Duration.ofHours(hours).plusMinutes(minutes).plusMillis(millisOfMinute);
        assertThat(RetryDelays.goDuration(go)).contains(expected);
        assertThat(RetryDelays.fromMessage("Please try again in " + go + ". Need more tokens?")).contains(expected);
    }

    @Property(tries = 500)
    void parsersAreTotal(@ForAll String s) {
        RetryDelays.goDuration(s);
        RetryDelays.protobufDuration(s);
        RetryDelays.seconds(s);
        RetryDelays.epochMillis(s);
        RetryDelays.retryAfter(s, NOW).ifPresent(d -> assertThat(d).isGreaterThanOrEqualTo(Duration.ZERO));
        RetryDelays.fromMessage(s).ifPresent(d -> assertThat(d).isGreaterThanOrEqualTo(Duration.ZERO).isLessThanOrEqualTo(RetryDelays.MAX_WAIT));
    }

    @Property(tries = 500)
    void reasonsNeverLeakAKeyAndAreCapped(@ForAll String before, @ForAll String after,
                                          @ForAll("fakeKeys") String key) {
        String cleaned = Reasons.clean(before + " " + key + " " + after);
        assertThat(cleaned).doesNotContain(key).hasSizeLessThanOrEqualTo(Reasons.MAX_LENGTH);
    }

    @Provide
    Arbitrary<String> fakeKeys() {
        Arbitrary<String> tail = Arbitraries.strings().withCharRange('a', 'z').withCharRange('A', 'Z').withCharRange('0', '9')
                .ofMinLength(20).ofMaxLength(48);
        return Combinators.combine(Arbitraries.of("gsk_", "csk-", "sk-or-v1-", "AIza", "sk-"), tail).as(String::concat);
    }
}
