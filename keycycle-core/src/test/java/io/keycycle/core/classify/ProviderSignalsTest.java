package io.keycycle.core.classify;

import io.keycycle.core.Limits.Metric;
import io.keycycle.core.Outcome;
import io.keycycle.core.OutcomeKind;
import io.keycycle.core.ProviderProfile;
import io.keycycle.core.ProviderResponse;
import io.keycycle.core.RateLimitObservation;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The signals of the 2026-11-30 addendum (providers.md §9): key-level versus account-level 402s,
 * per-model daily 429s, the limits providers report (headers, wording, {@code quotaValue}),
 * Gemini's long day {@code retryDelay} and {@code quotaDimensions.model}.
 */
class ProviderSignalsTest {

    static final Instant NOW = Instant.parse("2026-11-30T10:00:00Z");
    static final Instant UTC_MIDNIGHT = Instant.parse("2026-12-01T00:00:00Z");
    final ProviderProfile openrouter = ProviderProfiles.forProvider("openrouter");
    final ProviderProfile gemini = ProviderProfiles.forProvider("gemini");
    final ProviderProfile groq = ProviderProfiles.forProvider("groq");
    final ProviderProfile cerebras = ProviderProfiles.forProvider("cerebras");

    @Test
    void openRouterKeyLimit402DisablesThatKeyOnlyUntilItsReset() {
        String body = """
                {"error":{"code":402,"message":"Key limit exceeded. This key's spending limit is used up; manage it using https://openrouter.ai/settings/keys",
                 "metadata":{"limit_source":"openrouter_key_limit"}}}""";
        Outcome o = openrouter.classify(ProviderResponse.of(402, body), NOW);
        assertThat(o.kind()).isEqualTo(OutcomeKind.PAYMENT);
        assertThat(o.scopeWide()).isFalse();
        assertThat(o.until()).isNull();   // no reset named: the key is re-probed

        Outcome withReset = openrouter.classify(ProviderResponse.of(402, body,
                "X-RateLimit-Reset", Long.toString(UTC_MIDNIGHT.toEpochMilli())), NOW);
        assertThat(withReset.scopeWide()).isFalse();
        assertThat(withReset.until()).isEqualTo(UTC_MIDNIGHT);

        Outcome wording = openrouter.classify(ProviderResponse.of(402,
                "{\"error\":{\"code\":402,\"message\":\"Key limit exceeded (daily limit).\"}}"), NOW);
        assertThat(wording.kind()).isEqualTo(OutcomeKind.PAYMENT);
        assertThat(wording.scopeWide()).isFalse();
    }

    @Test
    void insufficientCreditsStaysAccountWide() {
        Outcome o = openrouter.classify(ProviderResponse.of(402,
                "{\"error\":{\"code\":402,\"message\":\"Insufficient credits. Add more using https://openrouter.ai/settings/credits\"}}"), NOW);
        assertThat(o.kind()).isEqualTo(OutcomeKind.PAYMENT);
        assertThat(o.scopeWide()).isTrue();
    }

    @Test
    void openRouterPerModelDaily429ParksThatModelUntilItsOwnReset() {
        Instant reset = Instant.parse("2026-11-30T18:00:00Z");
        String body = """
                {"error":{"code":429,"message":"Rate limit exceeded: per-model-per-day. ",
                 "metadata":{"headers":{"Limit":"200","Remaining":"0","Reset":"%d"},"limit_source":"openrouter_per_model_daily"}},
                 "user_id":"user_sim"}""".formatted(reset.toEpochMilli());
        Outcome o = openrouter.classify(ProviderResponse.of(429, body, "X-RateLimit-Reset", Long.toString(reset.toEpochMilli())), NOW);
        assertThat(o.kind()).isEqualTo(OutcomeKind.QUOTA_EXHAUSTED);
        assertThat(o.scopeWide()).isFalse();
        assertThat(o.metric()).isEqualTo(Metric.RPD);
        assertThat(o.until()).isEqualTo(reset);
        assertThat(o.observations()).containsExactly(new RateLimitObservation(Metric.RPD, 200, -1, Duration.ofHours(8)));
    }

    @Test
    void openRouterFreeDailyCapIsReadFromTheHeaderElseFromTheWording() {
        String low = """
                {"error":{"code":429,"message":"Rate limit exceeded: free-models-per-day. Add 10 credits to unlock 1000 free model requests per day",
                 "metadata":{"limit_source":"openrouter_free_tier_daily"}}}""";
        Outcome o = openrouter.classify(ProviderResponse.of(429, low,
                "X-RateLimit-Limit", "50", "X-RateLimit-Remaining", "0", "X-RateLimit-Reset", Long.toString(UTC_MIDNIGHT.toEpochMilli())), NOW);
        assertThat(o.observations()).containsExactly(new RateLimitObservation(Metric.RPD, 50, -1, Duration.ofHours(14)));
        assertThat(openrouter.classify(ProviderResponse.of(429, low), NOW).observations())
                .containsExactly(new RateLimitObservation(Metric.RPD, 50, -1, Duration.ofHours(14)));
        String high = "{\"error\":{\"code\":429,\"message\":\"Rate limit exceeded: free-models-per-day-high-balance. \"}}";
        assertThat(openrouter.classify(ProviderResponse.of(429, high), NOW).observations())
                .containsExactly(new RateLimitObservation(Metric.RPD, 1000, -1, Duration.ofHours(14)));
        String minute = """
                {"error":{"code":429,"message":"Rate limit exceeded: free-models-per-min. ",
                 "metadata":{"headers":{"Limit":"20","Remaining":"0","Reset":"%d"}}}}""".formatted(NOW.plusSeconds(30).toEpochMilli());
        assertThat(openrouter.classify(ProviderResponse.of(429, minute), NOW).observations())
                .containsExactly(new RateLimitObservation(Metric.RPM, 20, -1, Duration.ofSeconds(30)));
        // an upstream provider's 429 says nothing about our limits
        String upstream = """
                {"error":{"code":429,"message":"Provider returned error","metadata":{"provider_name":"DeepInfra","limit_source":"upstream_provider_shared_pool"}}}""";
        assertThat(openrouter.classify(ProviderResponse.of(429, upstream), NOW).observations()).isEmpty();
    }

    static String geminiDay(String model, String value, String retryDelay) {
        return """
                [{"error":{"code":429,"message":"You exceeded your current quota. \\n* Quota exceeded for metric: generativelanguage.googleapis.com/generate_content_free_tier_requests, limit: %s, model: %s\\nPlease retry in 38.9s.",
                 "status":"RESOURCE_EXHAUSTED","details":[
                  {"@type":"type.googleapis.com/google.rpc.QuotaFailure","violations":[
                    {"quotaMetric":"generativelanguage.googleapis.com/generate_content_free_tier_requests",
                     "quotaId":"GenerateRequestsPerDayPerProjectPerModel-FreeTier",
                     "quotaDimensions":{"location":"global","model":"%s"},"quotaValue":"%s"}]},
                  {"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"%s"}]}}]""".formatted(value, model, model, value, retryDelay);
    }

    @Test
    void geminiQuotaValueIsAnObservationOfTheModelTheQuotaBelongsTo() {
        Outcome o = gemini.classify(ProviderResponse.of(429, geminiDay("gemini-3.5-flash-lite", "500", "38s")), NOW);
        assertThat(o.kind()).isEqualTo(OutcomeKind.QUOTA_EXHAUSTED);
        Instant pacificMidnight = Instant.parse("2026-12-01T08:00:00Z");
        assertThat(o.until()).isEqualTo(pacificMidnight);      // the short retryDelay is ignored
        assertThat(o.reason()).contains("of gemini-3.5-flash-lite");
        assertThat(o.observations()).containsExactly(new RateLimitObservation(Metric.RPD, 500, -1,
                Duration.between(NOW, pacificMidnight), "gemini-3.5-flash-lite"));
    }

    @Test
    void geminiLongRetryDelayOnADayQuotaIsTrustedOverPacificMidnight() {
        Outcome o = gemini.classify(ProviderResponse.of(429, geminiDay("gemini-3.5-flash", "20", "50400s")), NOW);
        assertThat(o.kind()).isEqualTo(OutcomeKind.QUOTA_EXHAUSTED);
        assertThat(o.until()).isEqualTo(UTC_MIDNIGHT);         // 14 h, "until 00:00 UTC"
        Outcome shortDelay = gemini.classify(ProviderResponse.of(429, geminiDay("gemini-3.5-flash", "20", "599s")), NOW);
        assertThat(shortDelay.until()).isEqualTo(Instant.parse("2026-12-01T08:00:00Z"));
    }

    @Test
    void groqAndCerebrasReportTheirLimitsInHeaders() {
        Outcome g = groq.classify(ProviderResponse.of(200, "{\"choices\":[],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1,\"total_tokens\":2}}",
                "x-ratelimit-limit-requests", "50", "x-ratelimit-remaining-requests", "49", "x-ratelimit-reset-requests", "28m48s",
                "x-ratelimit-limit-tokens", "8000", "x-ratelimit-remaining-tokens", "7990", "x-ratelimit-reset-tokens", "75ms"), NOW);
        assertThat(g.observations()).extracting(RateLimitObservation::metric, RateLimitObservation::limit)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(Metric.RPD, 50L), org.assertj.core.groups.Tuple.tuple(Metric.TPM, 8000L));
        Outcome c = cerebras.classify(ProviderResponse.of(200, "{\"choices\":[]}",
                "x-ratelimit-limit-requests-day", "7200", "x-ratelimit-limit-tokens-minute", "30000"), NOW);
        assertThat(c.observations()).extracting(RateLimitObservation::metric, RateLimitObservation::limit)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(Metric.RPD, 7200L), org.assertj.core.groups.Tuple.tuple(Metric.TPM, 30000L));
    }
}
