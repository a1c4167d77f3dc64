package io.keycycle.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Gemini's 403 {@code PERMISSION_DENIED} answers that name a consumer: a suspended key
 * ({@code CONSUMER_SUSPENDED}, that key only) and a project without the API enabled
 * ({@code SERVICE_DISABLED}, every key of the project), in Google's body, array-wrapped as the
 * OpenAI-compatible endpoint sends every error.
 */
class GeminiPermissionDeniedSimTest {

    static final String A1 = SimKey.fakeSecret(ProviderKind.GEMINI, 1);
    static final String A2 = SimKey.fakeSecret(ProviderKind.GEMINI, 2);
    static final String B1 = SimKey.fakeSecret(ProviderKind.GEMINI, 3);
    static final String FLASH = "gemini-3.5-flash";
    static Simulator sim;
    static String base;

    @BeforeAll
    static void start() {
        sim = Simulator.builder().provider(SimProvider.gemini()
                .key(A1, "578829824020").key(A2, "578829824020").key(B1, "project-b")
                .model(FLASH, SimLimits.UNLIMITED)
                .build()).build().start();
        base = sim.baseUrl("gemini");
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
    void aSuspendedConsumerNamesTheKeyAndItsProjectAndOnlyThatKeyIsRefused() {
        sim.provider("gemini").setKeyState(A1, KeyState.CONSUMER_SUSPENDED);

        HttpResponse<String> r = Http.chat(base, A1, Http.body(FLASH, "a"));
        assertThat(r.statusCode()).isEqualTo(403);
        JsonNode body = Http.json(r);
        assertThat(body.isArray()).as("the compat endpoint wraps the error in an array").isTrue();
        JsonNode err = body.get(0).path("error");
        assertThat(err.path("code").asInt()).isEqualTo(403);
        assertThat(err.path("status").asText()).isEqualTo("PERMISSION_DENIED");
        assertThat(err.path("message").asText()).isEqualTo("Permission denied: Consumer 'api_key:" + A1 + "' has been suspended.");
        JsonNode info = GeminiSimTest.detail(err, "ErrorInfo");
        assertThat(info.path("reason").asText()).isEqualTo("CONSUMER_SUSPENDED");
        assertThat(info.path("domain").asText()).isEqualTo("googleapis.com");
        assertThat(info.path("metadata").path("consumer").asText()).isEqualTo("projects/578829824020");
        assertThat(info.path("metadata").path("service").asText()).isEqualTo("generativelanguage.googleapis.com");

        assertThat(Http.chat(base, A2, Http.body(FLASH, "a")).statusCode()).as("same project, another key").isEqualTo(200);
        assertThat(Http.get(base + "/models", A1).statusCode()).as("the model list refuses it too").isEqualTo(403);
    }

    @Test
    void aProjectWithoutTheApiEnabledRefusesEveryKeyOfItAndSaysHowToEnableIt() {
        sim.provider("gemini").setKeyState(A2, KeyState.API_DISABLED);

        for (String key : new String[]{A1, A2}) {
            HttpResponse<String> r = Http.chat(base, key, Http.body(FLASH, "a"));
            assertThat(r.statusCode()).isEqualTo(403);
            JsonNode err = Http.json(r).get(0).path("error");
            assertThat(err.path("status").asText()).isEqualTo("PERMISSION_DENIED");
            assertThat(err.path("message").asText()).isEqualTo("Generative Language API has not been used in project 578829824020 "
                    + "before or it is disabled. Enable it by visiting https://console.developers.google.com/apis/api/"
                    + "generativelanguage.googleapis.com/overview?project=578829824020 then retry. If you enabled this API "
                    + "recently, wait a few minutes for the action to propagate to our systems and retry.");
            JsonNode info = GeminiSimTest.detail(err, "ErrorInfo");
            assertThat(info.path("reason").asText()).isEqualTo("SERVICE_DISABLED");
            assertThat(info.path("metadata").path("consumer").asText()).isEqualTo("projects/578829824020");
            assertThat(info.path("metadata").path("activationUrl").asText())
                    .endsWith("/generativelanguage.googleapis.com/overview?project=578829824020");
            assertThat(GeminiSimTest.detail(err, "Help").path("links").get(0).path("description").asText())
                    .isEqualTo("Google developers console API activation");
        }
        assertThat(Http.chat(base, B1, Http.body(FLASH, "a")).statusCode()).as("another project").isEqualTo(200);
    }

    @Test
    void aScopeThatIsNoProjectNumberGetsAStableTwelveDigitOne() {
        sim.provider("gemini").setKeyState(B1, KeyState.CONSUMER_SUSPENDED);
        String first = consumer(B1);
        assertThat(first).matches("projects/\\d{12}").isEqualTo(consumer(B1));
    }

    @Test
    void theNewStatesAreGeminiOnly() {
        assertThatThrownBy(() -> SimProvider.groq().key(SimKey.of("gsk_test_x", "org").withState(KeyState.API_DISABLED)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Gemini");
        assertThatThrownBy(() -> SimProvider.cerebras().key(SimKey.of("csk-test", "acct").withState(KeyState.CONSUMER_SUSPENDED)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Gemini");
    }

    private static String consumer(String key) {
        JsonNode err = Http.json(Http.chat(base, key, Http.body(FLASH, "a"))).get(0).path("error");
        return GeminiSimTest.detail(err, "ErrorInfo").path("metadata").path("consumer").asText();
    }
}
