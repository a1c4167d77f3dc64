package io.keycycle.sim;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Groq's Llama models shut down on 2026-08-16 answer 404 {@code model_not_found}, as for a model
 * Groq never had; its older retired models still answer 400 {@code model_decommissioned}.
 */
class GroqShutDownModelsSimTest {

    static final String KEY = SimKey.fakeSecret(ProviderKind.GROQ, 1);
    static Simulator sim;
    static String base;

    @BeforeAll
    static void start() {
        sim = Simulator.builder().provider(SimProvider.groq().key(KEY, "org_01abc").currentModels().build()).build().start();
        base = sim.baseUrl("groq");
    }

    @AfterAll
    static void stop() {
        sim.close();
    }

    @Test
    void theShutDownLlamaModelsAnswer404ModelNotFoundAndOlderRetiredModels400Decommissioned() {
        for (String model : List.of("llama-3.3-70b-versatile", "llama-3.1-8b-instant")) {
            HttpResponse<String> r = Http.chat(base, KEY, Http.body(model, "a"));
            assertThat(r.statusCode()).as(model).isEqualTo(404);
            JsonNode e = Http.json(r).path("error");
            assertThat(e.path("message").asText()).isEqualTo("The model `" + model + "` does not exist or you do not have access to it.");
            assertThat(e.path("type").asText()).isEqualTo("invalid_request_error");
            assertThat(e.path("code").asText()).isEqualTo("model_not_found");
        }
        HttpResponse<String> r = Http.chat(base, KEY, Http.body("gemma2-9b-it", "a"));
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(Http.json(r).path("error").path("code").asText()).isEqualTo("model_decommissioned");

        // neither form is listed
        List<String> ids = new ArrayList<>();
        Http.json(Http.get(base + "/models", KEY)).path("data").forEach(m -> ids.add(m.path("id").asText()));
        assertThat(ids).contains("openai/gpt-oss-120b")
                .doesNotContain("llama-3.3-70b-versatile", "llama-3.1-8b-instant", "gemma2-9b-it");
    }

    @Test
    void theFormIsChosenPerModel() {
        SimProvider p = SimProvider.groq().key(KEY, "org").goneModel("a", SimProvider.Gone.NOT_FOUND).goneModel("b")
                .goneModel("c", SimProvider.Gone.NOT_FOUND).goneModel("c", SimProvider.Gone.RETIRED).build();
        assertThat(p.goneModels()).containsExactlyInAnyOrder("a", "b", "c");
        assertThat(p.goneAsNotFound()).containsExactly("a");
    }
}
