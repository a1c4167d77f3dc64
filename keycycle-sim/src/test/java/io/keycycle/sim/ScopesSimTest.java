package io.keycycle.sim;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a scope (organisation, project, account) shares: the answers that are about the whole
 * account rather than one key, and the scope a key gets when none is configured.
 */
class ScopesSimTest {

    static final String OR1 = SimKey.fakeSecret(ProviderKind.OPENROUTER, 1);
    static final String OR2 = SimKey.fakeSecret(ProviderKind.OPENROUTER, 2);
    static final String CS1 = SimKey.fakeSecret(ProviderKind.CEREBRAS, 1);
    static final String CS2 = SimKey.fakeSecret(ProviderKind.CEREBRAS, 2);
    static final String GQ1 = SimKey.fakeSecret(ProviderKind.GROQ, 1);
    static final String GQ2 = SimKey.fakeSecret(ProviderKind.GROQ, 2);
    static final String GM1 = SimKey.fakeSecret(ProviderKind.GEMINI, 1);
    static final String GM2 = SimKey.fakeSecret(ProviderKind.GEMINI, 2);
    static final String FREE = "meta-llama/llama-3.3-70b-instruct:free";
    static Simulator sim;

    @BeforeAll
    static void start() {
        sim = Simulator.builder()
                .provider(SimProvider.openrouter().fakeKeys(2, "acct").currentModels().build())
                .provider(SimProvider.cerebras().fakeKeys(2, "org").model("gpt-oss-120b", SimLimits.UNLIMITED).build())
                .provider(SimProvider.groq().fakeKeys(2, "org").currentModels().build())
                .provider(SimProvider.gemini().fakeKeys(2, "project").currentModels().build())
                .build().start();
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
    void anAccountOutOfCreditAnswers402ToEveryKeyOfThatAccount() {
        sim.provider("openrouter").exhaustCredit(OR1);
        HttpResponse<String> other = Http.chat(sim.baseUrl("openrouter"), OR2, Http.body(FREE, "a"));
        assertThat(other.statusCode()).as(other.body()).isEqualTo(402);
        assertThat(Http.json(other).path("error").path("message").asText()).startsWith("Insufficient credits");
        JsonNode credits = Http.json(Http.get(sim.baseUrl("openrouter") + "/credits", OR2)).path("data");
        assertThat(credits.path("total_usage").asDouble()).isGreaterThan(credits.path("total_credits").asDouble());

        sim.provider("cerebras").exhaustCredit(CS1);
        HttpResponse<String> cerebras = Http.chat(sim.baseUrl("cerebras"), CS2, Http.withMax(Http.body("gpt-oss-120b", "a"), 50));
        assertThat(cerebras.statusCode()).as(cerebras.body()).isEqualTo(402);

        sim.provider("openrouter").reviveKey(OR1);
        assertThat(Http.chat(sim.baseUrl("openrouter"), OR2, Http.body(FREE, "a")).statusCode()).isEqualTo(200);
    }

    @Test
    void aKeyLimitAndALeakedKeyStayAboutThatKeyOnly() {
        sim.provider("openrouter").exhaustKeyLimit(OR1);
        assertThat(Http.chat(sim.baseUrl("openrouter"), OR2, Http.body(FREE, "a")).statusCode()).isEqualTo(200);
        sim.provider("gemini").suspendKey(GM1);
        assertThat(Http.chat(sim.baseUrl("gemini"), GM2, Http.body("gemini-3.5-flash-lite", "a")).statusCode()).isEqualTo(200);
    }

    @Test
    void aRestrictedGroqOrganisationAnswersEveryKeyOfTheOrganisation() {
        sim.provider("groq").suspendKey(GQ1);
        HttpResponse<String> other = Http.chat(sim.baseUrl("groq"), GQ2, Http.body("openai/gpt-oss-120b", "a"));
        assertThat(other.statusCode()).as(other.body()).isEqualTo(400);
        assertThat(Http.json(other).path("error").path("code").asText()).isEqualTo("organization_restricted");
        assertThat(Http.get(sim.baseUrl("groq") + "/models", GQ2).statusCode()).isEqualTo(400);
    }
    /**
     * A key configured without a scope in {@code sim.yaml} is its own scope; the scope is shown in
     * Groq's 429 text ("in organization `…`") and the stats table, so it must not be the secret.
     */
    @Test
    void aConfiguredKeyWithoutAScopeNeverShowsItsSecret(@TempDir Path dir) throws Exception {
        String secret = "gsk_test_doNotPrintMe000000000042";
        Path file = dir.resolve("sim.yaml");
        Files.writeString(file, "providers:\n  groq:\n    keys: [{ secret: " + secret + " }]\n"
                + "    models: { openai/gpt-oss-120b: { rpm: 1 } }\n");
        try (Simulator s = Simulator.builder().configFile(file).build().start()) {
            assertThat(Http.chat(s.baseUrl("groq"), secret, Http.body("openai/gpt-oss-120b", "a")).statusCode()).isEqualTo(200);
            HttpResponse<String> limited = Http.chat(s.baseUrl("groq"), secret, Http.body("openai/gpt-oss-120b", "b"));
            assertThat(limited.statusCode()).isEqualTo(429);
            assertThat(limited.body()).contains("in organization `").doesNotContain(secret).doesNotContain("doNotPrintMe");
            assertThat(s.stats().table()).doesNotContain("doNotPrintMe");
            assertThat(s.stats().rows()).allSatisfy(r -> assertThat(r.scope()).doesNotContain("doNotPrintMe"));
        }
    }

    /** With any key accepted, each secret is its own scope, even when two end in the same four characters. */
    @Test
    void anyKeySecretsEndingAlikeStillHaveScopesOfTheirOwn() {
        try (Simulator s = Simulator.builder().provider(SimProvider.groq().acceptAnyKey(true)
                .defaultLimits(SimLimits.UNLIMITED.rpm(1)).build()).build().start()) {
            assertThat(Http.chat(s.baseUrl("groq"), "gsk_alpha_one_1234", Http.body("m", "a")).statusCode()).isEqualTo(200);
            HttpResponse<String> other = Http.chat(s.baseUrl("groq"), "gsk_bravo_two_1234", Http.body("m", "a"));
            assertThat(other.statusCode()).as(other.body()).isEqualTo(200);
            assertThat(Http.chat(s.baseUrl("groq"), "gsk_alpha_one_1234", Http.body("m", "b")).statusCode()).isEqualTo(429);
        }
    }
}
