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
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GenericProfileTest {

    static final Instant NOW = Instant.parse("2026-10-01T12:00:00Z");
    final ProviderProfile mistral = ProviderProfiles.forProvider("Mistral");

    @Test
    void unknownNamesGetTheGenericProfileUnderTheirOwnName() {
        assertThat(mistral.name()).isEqualTo("mistral");
        assertThat(mistral).isInstanceOf(GenericProfile.class);
        assertThat(ProviderProfiles.forProvider(" GROQ ").name()).isEqualTo("groq");
        assertThat(ProviderProfiles.forProvider("groq")).isSameAs(ProviderProfiles.forProvider("groq"));
        assertThat(ProviderProfiles.forProvider("gemini")).isInstanceOf(GeminiProfile.class);
        assertThat(ProviderProfiles.forProvider("cerebras")).isInstanceOf(CerebrasProfile.class);
        assertThat(ProviderProfiles.forProvider("openrouter")).isInstanceOf(OpenRouterProfile.class);
        assertThat(ProviderProfiles.generic("groq")).isInstanceOf(GenericProfile.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "  "})
    void blankNamesAreRejectedWithAClearMessage(String name) {
        assertThatThrownBy(() -> ProviderProfiles.forProvider(name))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("provider name must not be blank");
        assertThatThrownBy(() -> ProviderProfiles.forProvider(null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("null");
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "400, REQUEST_INVALID", "401, KEY_INVALID", "402, PAYMENT", "403, REQUEST_INVALID", "404, REQUEST_INVALID",
            "408, TRANSIENT", "409, REQUEST_INVALID", "413, REQUEST_INVALID", "422, REQUEST_INVALID", "429, RATE_LIMITED",
            "499, TRANSIENT", "500, TRANSIENT", "502, TRANSIENT", "503, OVERLOADED", "504, TRANSIENT", "529, OVERLOADED",
            "302, TRANSIENT", "0, TRANSIENT", "999, TRANSIENT"})
    void statusRules(int status, OutcomeKind kind) {
        Outcome o = mistral.classify(ProviderResponse.of(status, "{\"error\":{\"message\":\"x\"}}"), NOW);
        assertThat(o.kind()).isEqualTo(kind);
        assertThat(o.status()).isEqualTo(status);
    }

    @ParameterizedTest(name = "404 {0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "{\"error\":{\"message\":\"The model `gpt-x` does not exist or you do not have access to it.\",\"code\":\"model_not_found\"}} | MODEL_UNAVAILABLE",
            "{\"error\":{\"message\":\"Unknown thing\",\"param\":\"model\"}} | MODEL_UNAVAILABLE",
            "{\"error\":{\"message\":\"This model is no longer available\"}} | MODEL_UNAVAILABLE",
            "{\"error\":{\"message\":\"File file-abc not found\"}} | REQUEST_INVALID",
            "{\"error\":{\"message\":\"No endpoints found that support image input\"}} | REQUEST_INVALID"})
    void a404IsAboutTheModelOnlyWhenTheBodySaysSo(String body, OutcomeKind kind) {
        assertThat(mistral.classify(ProviderResponse.of(404, body), NOW).kind()).isEqualTo(kind);
    }

    @Test
    void a403WithoutADocumentedKeySignalLeavesTheKeyInService() {
        Outcome o = mistral.classify(ProviderResponse.of(403,
                "{\"error\":{\"message\":\"Country, region, or territory not supported\",\"code\":\"unsupported_country_region_territory\"}}"), NOW);
        assertThat(o.kind()).isEqualTo(OutcomeKind.REQUEST_INVALID);
        assertThat(o.kind().rotates()).isFalse();
    }

    @Test
    void openAiStyleRateLimitWithRetryAfterMsAndText() {
        String body = "{\"error\":{\"message\":\"Rate limit reached for gpt-4o in organization org-x on requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in 20s.\",\"type\":\"requests\",\"code\":\"rate_limit_exceeded\"}}";
        Outcome o = mistral.classify(ProviderResponse.of(429, body, "retry-after-ms", "1500"), NOW);
        assertThat(o.kind()).isEqualTo(OutcomeKind.RATE_LIMITED);
        assertThat(o.metric()).isEqualTo(Metric.RPM);
        assertThat(o.retryAfter()).isEqualTo(Duration.ofMillis(1500));
        assertThat(mistral.classify(ProviderResponse.of(429, body), NOW).retryAfter()).isEqualTo(Duration.ofSeconds(20));
    }

    @Test
    void retryAfterAsHttpDate() {
        Outcome o = mistral.classify(ProviderResponse.of(429, "", "Retry-After", "Thu, 01 Oct 2026 12:01:30 GMT"), NOW);
        assertThat(o.retryAfter()).isEqualTo(Duration.ofSeconds(90));
    }

    @Test
    void insufficientQuotaIsBillingNotARateLimit() {
        String body = "{\"error\":{\"message\":\"You exceeded your current quota, please check your plan and billing details.\",\"type\":\"insufficient_quota\",\"param\":null,\"code\":\"insufficient_quota\"}}";
        Outcome o = mistral.classify(ProviderResponse.of(429, body), NOW);
        assertThat(o.kind()).isEqualTo(OutcomeKind.PAYMENT);
        assertThat(o.scopeWide()).isTrue();
    }

    @Test
    void dailyWordingIsExhaustedForTheNamedWaitOrADay() {
        String body = "{\"error\":{\"message\":\"Tokens per day limit exceeded\"}}";
        Outcome named = mistral.classify(ProviderResponse.of(429, body, "retry-after", "600"), NOW);
        assertThat(named.kind()).isEqualTo(OutcomeKind.QUOTA_EXHAUSTED);
        assertThat(named.metric()).isEqualTo(Metric.TPD);
        assertThat(named.until()).isEqualTo(NOW.plusSeconds(600));
        assertThat(mistral.classify(ProviderResponse.of(429, body), NOW).until()).isEqualTo(NOW.plus(Duration.ofDays(1)));
    }

    @Test
    void suffixedHeadersAreObservedUnsuffixedAreNot() {
        Outcome o = mistral.classify(ProviderResponse.of(200, "{\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":4}}",
                "x-ratelimit-limit-requests", "500", "x-ratelimit-remaining-requests", "499",
                "x-ratelimit-limit-tokens-minute", "1000", "x-ratelimit-remaining-tokens-minute", "900"), NOW);
        assertThat(o.usage()).isEqualTo(new Usage(3, 4, 7));
        assertThat(o.observations()).containsExactly(new RateLimitObservation(Metric.TPM, 1000, 900, null));
    }

    @Test
    void successWithoutUsageHasNullUsage() {
        Outcome o = mistral.classify(ProviderResponse.of(200, "{\"choices\":[]}"), NOW);
        assertThat(o.kind()).isEqualTo(OutcomeKind.SUCCESS);
        assertThat(o.usage()).isNull();
        assertThat(mistral.classify(ProviderResponse.of(204, ""), NOW).isSuccess()).isTrue();
    }

    @Test
    void garbageUsageNumbersAreIgnoredNotThrown() {
        Outcome o = mistral.classify(ProviderResponse.of(200,
                "{\"usage\":{\"prompt_tokens\":-5,\"completion_tokens\":\"many\",\"total_tokens\":1e400}}"), NOW);
        assertThat(o.kind()).isEqualTo(OutcomeKind.SUCCESS);
        assertThat(o.usage()).isNull();
    }

    @Test
    void htmlAndTruncatedBodiesFallBackToTheStatus() {
        assertThat(mistral.classify(ProviderResponse.of(502, "<html><head><title>502 Bad Gateway</title></head></html>"), NOW).kind())
                .isEqualTo(OutcomeKind.TRANSIENT);
        assertThat(mistral.classify(ProviderResponse.of(429, "{\"error\":{\"message\":\"Rate limit reached on requests per minute (RPM"), NOW).kind())
                .isEqualTo(OutcomeKind.RATE_LIMITED);
        assertThat(mistral.classify(ProviderResponse.of(401, "[[[[[["), NOW).kind()).isEqualTo(OutcomeKind.KEY_INVALID);
    }

    @Test
    void nullArgumentsAreProgrammingErrors() {
        assertThatThrownBy(() -> mistral.classify((ProviderResponse) null, NOW)).isInstanceOf(NullPointerException.class).hasMessage("response");
        assertThatThrownBy(() -> mistral.classify(ProviderResponse.of(200, ""), null)).isInstanceOf(NullPointerException.class).hasMessage("now");
    }
}
