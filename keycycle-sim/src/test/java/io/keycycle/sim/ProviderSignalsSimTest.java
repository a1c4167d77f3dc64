package io.keycycle.sim;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The signals of providers.md §9 as the simulator renders them: limits the providers report that
 * differ from anyone's table, OpenRouter's 50/1,000 cap, per-key 402, per-model daily 429,
 * request-shaped 404, Cerebras' up-front reservation, retired models, {@code /models} and
 * {@code /key} per key, Gemini's auto-routing and long day {@code retryDelay}.
 */
class ProviderSignalsSimTest {

    static final Instant START = Instant.parse("2026-11-30T10:00:00Z");
    static final TestClock CLOCK = new TestClock(START);
    static final String OR1 = SimKey.fakeSecret(ProviderKind.OPENROUTER, 1);
    static final String OR2 = SimKey.fakeSecret(ProviderKind.OPENROUTER, 2);
    static final String CS = SimKey.fakeSecret(ProviderKind.CEREBRAS, 1);
    static final String GQ = SimKey.fakeSecret(ProviderKind.GROQ, 1);
    static final String GM = SimKey.fakeSecret(ProviderKind.GEMINI, 1);
    static final String FREE = "meta-llama/llama-3.3-70b-instruct:free";
    static final String PAID = "openai/gpt-4o-mini";
    static final String NO_TOOLS = "google/gemma-3-27b-it:free";
    static Simulator sim;

    @BeforeAll
    static void start() {
        sim = Simulator.builder().clock(CLOCK)
                .provider(SimProvider.openrouter().key(OR1, "acct").key(OR2, "acct")
                        .model(FREE, SimLimits.UNLIMITED).model(NO_TOOLS, SimLimits.UNLIMITED)
                        .model(PAID, SimLimits.UNLIMITED.rpd(1))
                        .noToolSupport(NO_TOOLS)
                        .freeModelLimits(SimLimits.UNLIMITED.rpm(100).rpd(2)).build())
                .provider(SimProvider.cerebras().key(CS, "org").model("gpt-oss-120b",
                        SimLimits.UNLIMITED.rpm(100).tpm(16_000)).build())
                .provider(SimProvider.groq().key(GQ, "org").currentModels().build())
                .provider(SimProvider.gemini().key(GM, "project").currentModels().build())
                .build().start();
    }

    @AfterAll
    static void stop() {
        sim.close();
    }

    @BeforeEach
    void reset() {
        sim.reset();
        CLOCK.set(START);
    }

    static String base(String p) {
        return sim.baseUrl(p);
    }

    @Test
    void cerebrasReservesSixteenThousandTokensWhenTheRequestNamesNoMaximum() {
        HttpResponse<String> unbounded = Http.chat(base("cerebras"), CS, Http.body("gpt-oss-120b", "hi"));
        assertThat(unbounded.statusCode()).isEqualTo(429);   // 5 + 16,384 reserved > 16,000 TPM: 429, not 413
        assertThat(Http.json(unbounded).path("code").asText()).isEqualTo("token_quota_exceeded");
        assertThat(Http.json(unbounded).path("message").asText()).contains("Tokens per minute");

        HttpResponse<String> bounded = Http.chat(base("cerebras"), CS, Http.withMax(Http.body("gpt-oss-120b", "hi"), 15_000));
        assertThat(bounded.statusCode()).isEqualTo(200);
        // charged the reservation, not what the answer used: a second 15,000 does not fit, 900 does
        assertThat(Http.chat(base("cerebras"), CS, Http.withMax(Http.body("gpt-oss-120b", "hi"), 15_000)).statusCode())
                .isEqualTo(429);
        assertThat(Http.chat(base("cerebras"), CS, Http.withMax(Http.body("gpt-oss-120b", "hi"), 900)).statusCode())
                .isEqualTo(200);
        assertThat(bounded.headers().firstValue("x-ratelimit-limit-tokens-minute")).hasValue("16000");
    }

    /**
     * Cerebras takes a request's share of the minute when it admits it, not when it finishes: prompt +
     * {@code max_completion_tokens} (16,384 when absent), whatever the answer costs, so at the Free
     * Trial's 30,000 TPM fewer than two such requests fit in a minute.
     */
    @Test
    void cerebrasChargesTheReservationSoFewerThanTwoUnboundedRequestsFitAMinuteAtThirtyThousand() {
        sim.provider("cerebras").setLimits("gpt-oss-120b", SimLimits.UNLIMITED.rpm(100).tpm(30_000));
        HttpResponse<String> first = Http.chat(base("cerebras"), CS, Http.body("gpt-oss-120b", "hi"));
        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(Http.json(first).path("usage").path("total_tokens").asInt()).isLessThan(100);  // the answer is short
        assertThat(first.headers().firstValue("x-ratelimit-remaining-tokens-minute")).hasValue(Long.toString(30_000 - 5 - 16_384));
        HttpResponse<String> second = Http.chat(base("cerebras"), CS, Http.body("gpt-oss-120b", "hi again"));
        assertThat(second.statusCode()).as(second.body()).isEqualTo(429);
        assertThat(Http.json(second).path("message").asText()).startsWith("Tokens per minute limit exceeded");
        CLOCK.advance(Duration.ofMinutes(1));
        assertThat(Http.chat(base("cerebras"), CS, Http.body("gpt-oss-120b", "hi again")).statusCode()).isEqualTo(200);
    }

    @Test
    void openRouterFreeCapIsFiftyOrAThousandAndSaysWhichInItsDay429() {
        assertThat(Http.chat(base("openrouter"), OR1, Http.body(FREE, "a")).statusCode()).isEqualTo(200);
        assertThat(Http.chat(base("openrouter"), OR2, Http.body(FREE, "b")).statusCode()).isEqualTo(200);
        HttpResponse<String> low = Http.chat(base("openrouter"), OR1, Http.body(FREE, "c"));
        assertThat(low.statusCode()).isEqualTo(429);
        assertThat(Http.json(low).path("error").path("message").asText())
                .startsWith("Rate limit exceeded: free-models-per-day. Add 10 credits");
        assertThat(low.headers().firstValue("X-RateLimit-Limit")).hasValue("2");

        sim.provider("openrouter").setHighBalance(true);
        JsonNode key = Http.json(Http.get(base("openrouter") + "/key", OR1)).path("data");
        assertThat(key.path("free_model_daily_requests").path("limit").asLong()).isEqualTo(1000);
        assertThat(key.path("free_model_daily_requests").path("used").asLong()).isEqualTo(2);
        assertThat(key.path("is_free_tier").asBoolean()).isFalse();
        sim.provider("openrouter").setFreeModelLimits(SimLimits.UNLIMITED.rpd(2));
        HttpResponse<String> high = Http.chat(base("openrouter"), OR1, Http.body(FREE, "d"));
        assertThat(Http.json(high).path("error").path("message").asText())
                .isEqualTo("Rate limit exceeded: free-models-per-day-high-balance. ");
        assertThat(Http.json(high).path("error").path("metadata").path("limit_source").asText())
                .isEqualTo("openrouter_free_tier_daily");
    }

    @Test
    void openRouterKeyLimit402IsAboutOneKeyAndInsufficientCreditsAboutTheAccount() {
        sim.provider("openrouter").exhaustKeyLimit(OR1);
        HttpResponse<String> limited = Http.chat(base("openrouter"), OR1, Http.body(FREE, "a"));
        assertThat(limited.statusCode()).isEqualTo(402);
        assertThat(Http.json(limited).path("error").path("metadata").path("limit_source").asText())
                .isEqualTo("openrouter_key_limit");
        assertThat(Http.chat(base("openrouter"), OR2, Http.body(FREE, "a")).statusCode()).isEqualTo(200);
        assertThat(Http.json(Http.get(base("openrouter") + "/key", OR1)).path("data").path("limit_remaining").asDouble())
                .isZero();

        sim.provider("openrouter").exhaustCredit(OR2);
        HttpResponse<String> broke = Http.chat(base("openrouter"), OR2, Http.body(FREE, "a"));
        assertThat(Http.json(broke).path("error").path("message").asText()).startsWith("Insufficient credits");
        JsonNode credits = Http.json(Http.get(base("openrouter") + "/credits", OR2)).path("data");
        assertThat(credits.path("total_usage").asDouble()).isGreaterThan(credits.path("total_credits").asDouble());
        assertThat(Http.get(base("openrouter") + "/key", "sk-or-v1-revoked").statusCode()).isEqualTo(401);
    }

    @Test
    void openRouterPerModelDaily429CarriesItsOwnResetHeader() {
        assertThat(Http.chat(base("openrouter"), OR1, Http.body(PAID, "a")).statusCode()).isEqualTo(200);
        HttpResponse<String> r = Http.chat(base("openrouter"), OR1, Http.body(PAID, "b"));
        assertThat(r.statusCode()).isEqualTo(429);
        assertThat(Http.json(r).path("error").path("metadata").path("limit_source").asText())
                .isEqualTo("openrouter_per_model_daily");
        assertThat(r.headers().firstValue("X-RateLimit-Reset"))
                .hasValue(Long.toString(Instant.parse("2026-12-01T00:00:00Z").toEpochMilli()));
        assertThat(Http.chat(base("openrouter"), OR1, Http.body(FREE, "c")).statusCode()).isEqualTo(200);
    }

    @Test
    void openRouterRequestShaped404IsAboutToolsNotTheModel() {
        String withTools = "{\"model\":\"" + NO_TOOLS + "\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],"
                + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\",\"parameters\":{}}}]}";
        HttpResponse<String> r = Http.chat(base("openrouter"), OR1, withTools);
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(Http.json(r).path("error").path("message").asText()).startsWith("No endpoints found that support tool use");
        assertThat(Http.chat(base("openrouter"), OR1, Http.body(NO_TOOLS, "x")).statusCode()).isEqualTo(200);
    }

    @Test
    void retiredModelsAnswerGoneAndModelsListsPerKey() {
        HttpResponse<String> gone = Http.chat(base("groq"), GQ, Http.body("llama-3.3-70b-versatile", "x"));
        assertThat(gone.statusCode()).as("shut down on 2026-08-16: Groq answers as for a model it never had").isEqualTo(404);
        assertThat(Http.json(gone).path("error").path("code").asText()).isEqualTo("model_not_found");
        JsonNode models = Http.json(Http.get(base("groq") + "/models", GQ));
        assertThat(models.path("data").findValuesAsText("id")).contains("openai/gpt-oss-120b")
                .doesNotContain("llama-3.3-70b-versatile");
        sim.provider("groq").killKey(GQ);
        assertThat(Http.get(base("groq") + "/models", GQ).statusCode()).isEqualTo(401);
        sim.provider("groq").reviveKey(GQ);
        assertThat(Http.get(base("groq") + "/models", GQ).statusCode()).isEqualTo(200);
    }

    @Test
    void geminiAutoRoutedModelNamesTheRealQuotaAndCanSendALongDayDelay() {
        sim.provider("gemini").setLimits("gemini-3.5-flash-lite", SimLimits.UNLIMITED.rpd(1));
        assertThat(Http.chat(base("gemini"), GM, Http.body("gemini-2.5-flash", "x")).statusCode()).isEqualTo(200);
        sim.provider("gemini").longDayRetryDelay(true);
        HttpResponse<String> r = Http.chat(base("gemini"), GM, Http.body("gemini-2.5-flash", "y"));
        assertThat(r.statusCode()).isEqualTo(429);
        JsonNode details = Http.json(r).get(0).path("error").path("details");
        JsonNode violation = details.get(1).path("violations").get(0);
        assertThat(violation.path("quotaDimensions").path("model").asText()).isEqualTo("gemini-3.5-flash-lite");
        assertThat(violation.path("quotaId").asText()).isEqualTo("GenerateRequestsPerDayPerProjectPerModel-FreeTier");
        assertThat(violation.path("quotaValue").asText()).isEqualTo("1");
        assertThat(details.get(2).path("retryDelay").asText()).isEqualTo(Duration.ofHours(14).toSeconds() + "s");
    }
}
