package io.keycycle.core.classify;

import io.keycycle.core.Limits.Metric;
import io.keycycle.core.Outcome;
import io.keycycle.core.OutcomeKind;
import io.keycycle.core.ProviderHttpException;
import io.keycycle.core.ProviderProfile;
import io.keycycle.core.ProviderResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

class FailureClassificationTest {

    static final Instant NOW = Instant.parse("2026-09-01T00:00:00Z");
    static final String FAKE_KEY = "gsk_test_0000000000000000000001";
    final ProviderProfile groq = ProviderProfiles.forProvider("groq");
    final ProviderProfile gemini = ProviderProfiles.forProvider("gemini");

    /** Shaped like LangChain4j's {@code dev.langchain4j.exception.HttpException}: status + body as message. */
    public static class LangChainStyleHttpException extends RuntimeException {
        private final int statusCode;

        public LangChainStyleHttpException(int statusCode, String body) {
            super(body);
            this.statusCode = statusCode;
        }

        public int statusCode() {
            return statusCode;
        }
    }

    /** Shaped like a bean-style SDK exception with body and headers getters. */
    public static class BeanStyleException extends RuntimeException {
        public BeanStyleException() {
            super("request failed");
        }

        public Integer getStatusCode() {
            return 429;
        }

        public String getResponseBody() {
            return "{\"error\":{\"message\":\"Rate limit reached on requests per minute (RPM): Limit 30, Used 30, Requested 1.\",\"type\":\"requests\",\"code\":\"rate_limit_exceeded\"}}";
        }

        public Map<String, List<String>> getHeaders() {
            return Map.of("retry-after", List.of("7"));
        }
    }

    /** Shaped like Spring's WebClientResponseException: the status is an object with {@code value()}. */
    public static class SpringStyleException extends RuntimeException {
        public record Status(int value) {
        }

        public SpringStyleException() {
            super("503 Service Unavailable from POST https://api.example/v1/chat/completions");
        }

        public Status getStatusCode() {
            return new Status(503);
        }

        public byte[] getResponseBodyAsByteArray() {
            return new byte[0];
        }
    }

    /** A non-public class with a public method: reached through {@code trySetAccessible}. */
    static class HiddenStatusException extends RuntimeException {
        HiddenStatusException() {
            super("{\"error\":{\"message\":\"Invalid API Key\",\"type\":\"invalid_request_error\",\"code\":\"invalid_api_key\"}}");
        }

        public int statusCode() {
            return 401;
        }
    }

    @Test
    void httpFailureDeepInTheCauseChainIsClassifiedAsItsResponse() {
        ProviderHttpException http = new ProviderHttpException("groq", ProviderResponse.of(429,
                "{\"error\":{\"message\":\"Rate limit reached on requests per minute (RPM): Limit 30, Used 30, Requested 1. Please try again in 2s.\",\"type\":\"requests\",\"code\":\"rate_limit_exceeded\"}}",
                "retry-after", "2", "x-ratelimit-remaining-requests", "900"));
        Throwable wrapped = new CompletionException(new IllegalStateException("call failed", http));
        Outcome o = groq.classify(wrapped, NOW);
        assertThat(o.kind()).isEqualTo(OutcomeKind.RATE_LIMITED);
        assertThat(o.metric()).isEqualTo(Metric.RPM);
        assertThat(o.retryAfter()).isEqualTo(Duration.ofSeconds(2));
        assertThat(o.observations()).isNotEmpty();
    }

    static Stream<Arguments> foreignExceptions() {
        return Stream.of(
                Arguments.of(new LangChainStyleHttpException(401, "{\"error\":{\"message\":\"Invalid API Key\",\"code\":\"invalid_api_key\"}}"),
                        OutcomeKind.KEY_INVALID),
                Arguments.of(new RuntimeException("wrapper", new LangChainStyleHttpException(400,
                        "{\"error\":{\"message\":\"The model `gemma2-9b-it` has been decommissioned and is no longer supported.\",\"type\":\"invalid_request_error\",\"code\":\"model_decommissioned\"}}")),
                        OutcomeKind.MODEL_UNAVAILABLE),
                Arguments.of(new BeanStyleException(), OutcomeKind.RATE_LIMITED),
                Arguments.of(new SpringStyleException(), OutcomeKind.OVERLOADED),
                Arguments.of(new HiddenStatusException(), OutcomeKind.KEY_INVALID));
    }

    @ParameterizedTest
    @MethodSource("foreignExceptions")
    void foreignSdkExceptionsAreReadByReflection(Throwable failure, OutcomeKind kind) {
        assertThat(groq.classify(failure, NOW).kind()).isEqualTo(kind);
    }

    @Test
    void reflectedHeadersAreUsed() {
        Outcome o = groq.classify(new BeanStyleException(), NOW);
        assertThat(o.metric()).isEqualTo(Metric.RPM);
        assertThat(o.retryAfter()).isEqualTo(Duration.ofSeconds(7));
    }

    @Test
    void geminiBodyInsideALangChainStyleExceptionKeepsItsStructure() {
        String body = "[{\"error\":{\"code\":403,\"message\":\"Your API key was reported as leaked. Please use another API key.\",\"status\":\"PERMISSION_DENIED\"}}]";
        assertThat(gemini.classify(new LangChainStyleHttpException(403, body), NOW).kind()).isEqualTo(OutcomeKind.KEY_SUSPENDED);
    }

    @Test
    void aThrownTwoHundredIsNeverASuccess() {
        Outcome o = groq.classify(new LangChainStyleHttpException(200, "{\"choices\":[]}"), NOW);
        assertThat(o.kind()).isEqualTo(OutcomeKind.TRANSIENT);
    }

    static Stream<Throwable> ioFailures() {
        return Stream.of(new HttpTimeoutException("request timed out"), new SocketTimeoutException("Read timed out"),
                new ConnectException("Connection refused"), new IOException("Connection reset"),
                new InterruptedIOException("interrupted"), new UncheckedIOException(new IOException("Connection reset by peer")),
                new TimeoutException(), new RuntimeException(new HttpTimeoutException("connect timed out")),
                new IOException("Received fatal alert: handshake_failure"));
    }

    @ParameterizedTest
    @MethodSource("ioFailures")
    void ioFailuresAreTransient(Throwable failure) {
        Outcome o = groq.classify(failure, NOW);
        assertThat(o.kind()).isEqualTo(OutcomeKind.TRANSIENT);
        assertThat(o.status()).isZero();
    }

    @Test
    void ioReasonNamesWhatHappened() {
        assertThat(groq.classify(new IOException("Connection reset"), NOW).reason()).startsWith("connection reset");
        assertThat(groq.classify(new HttpTimeoutException("x"), NOW).reason()).startsWith("HTTP request timed out");
    }

    static Stream<Arguments> messagesOnly() {
        return Stream.of(
                Arguments.of("status code: 429, body: {\"error\":{\"message\":\"Rate limit reached on tokens per minute (TPM): Limit 6000. Please try again in 1.5s.\"}}",
                        OutcomeKind.RATE_LIMITED),
                Arguments.of("HTTP 401 Unauthorized", OutcomeKind.KEY_INVALID),
                Arguments.of("503 Service Unavailable", OutcomeKind.OVERLOADED),
                Arguments.of("429: Too Many Requests", OutcomeKind.RATE_LIMITED),
                Arguments.of("Too many requests, slow down", OutcomeKind.RATE_LIMITED),
                Arguments.of("Request of 14290 tokens was refused", OutcomeKind.TRANSIENT),
                Arguments.of("tokens used: 4290, 14290, 429.5, 1,429", OutcomeKind.TRANSIENT),
                Arguments.of("error code: 1010", OutcomeKind.TRANSIENT),
                Arguments.of("high traffic on our side", OutcomeKind.TRANSIENT),
                Arguments.of("the key expired 401 days ago", OutcomeKind.TRANSIENT));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("messagesOnly")
    void messageTextIsTheLastResortAndNeedsAStatusNamedAsSuch(String message, OutcomeKind kind) {
        assertThat(groq.classify(new RuntimeException(message), NOW).kind()).isEqualTo(kind);
    }

    @Test
    void statusFoundInTextUsesTheJsonPart() {
        Outcome o = groq.classify(new RuntimeException("status code: 429, body: {\"error\":{\"message\":\"on tokens per minute (TPM). Please try again in 1.5s.\"}}"), NOW);
        assertThat(o.metric()).isEqualTo(Metric.TPM);
        assertThat(o.retryAfter()).isEqualTo(Duration.ofMillis(1_500));
    }

    @Test
    void reasonsNeverCarryTheSecret() {
        Outcome fromText = groq.classify(new RuntimeException("HTTP 401 for Authorization: Bearer " + FAKE_KEY), NOW);
        assertThat(fromText.kind()).isEqualTo(OutcomeKind.KEY_INVALID);
        assertThat(fromText.reason()).doesNotContain(FAKE_KEY).doesNotContain("0000000000000001");

        Outcome fromBody = groq.classify(new LangChainStyleHttpException(401,
                "{\"error\":{\"message\":\"Invalid API Key " + FAKE_KEY + "\"}}"), NOW);
        assertThat(fromBody.reason()).doesNotContain(FAKE_KEY);

        Outcome unknown = groq.classify(new IllegalStateException("boom with key " + FAKE_KEY), NOW);
        assertThat(unknown.kind()).isEqualTo(OutcomeKind.TRANSIENT);
        assertThat(unknown.reason()).doesNotContain(FAKE_KEY).contains("IllegalStateException");
    }

    @Test
    void cyclicCauseChainsTerminate() {
        RuntimeException a = new RuntimeException("a");
        RuntimeException b = new RuntimeException("b", a);
        a.initCause(b);
        assertThat(groq.classify(a, NOW).kind()).isEqualTo(OutcomeKind.TRANSIENT);
    }

    @Test
    void nullFailureIsTransient() {
        assertThat(groq.classify((Throwable) null, NOW).kind()).isEqualTo(OutcomeKind.TRANSIENT);
    }
}
