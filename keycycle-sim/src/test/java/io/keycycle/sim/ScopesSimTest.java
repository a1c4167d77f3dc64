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
}
