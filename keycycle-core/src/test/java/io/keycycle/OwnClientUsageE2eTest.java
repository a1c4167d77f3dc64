package io.keycycle;

import com.fasterxml.jackson.databind.JsonNode;
import io.keycycle.core.KeycycleEvent;
import io.keycycle.sim.SimLimits;
import io.keycycle.sim.SimProvider;
import io.keycycle.sim.SimStats;
import io.keycycle.sim.Simulator;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A call with one's own client records the usage its answer carries: the engine reads
 * {@code usage()} (an OpenAI SDK-like answer, with an {@link Optional}) or {@code tokenUsage()}
 * (LangChain4j-like, with boxed counts) off the returned object, so the windows and the usage
 * records hold what the provider counted rather than the call's estimate. An answer without usage
 * (a String) is charged its estimate, as before.
 */
class OwnClientUsageE2eTest {

    static final String MODEL = "openai/gpt-oss-120b";
    static final long ESTIMATE = 2_000;

    /** Shaped like the OpenAI Java SDK's ChatCompletion: usage() is an Optional. */
    public record SdkAnswer(String text, Optional<SdkUsage> usage) { }

    public record SdkUsage(long promptTokens, long completionTokens, long totalTokens) { }

    /** Shaped like LangChain4j's ChatResponse: tokenUsage() with Integer counts. */
    public record Lc4jAnswer(String text, Lc4jUsage tokenUsage) { }

    public record Lc4jUsage(Integer inputTokenCount, Integer outputTokenCount, Integer totalTokenCount) { }

    /** Posts a chat request with {@code secret} the way any HTTP client would; returns the answer's JSON. */
    static JsonNode post(Simulator sim, String secret, String text) throws Exception {
        String body = E2e.JSON.writeValueAsString(E2e.chat(text).put("model", MODEL));
        HttpRequest req = HttpRequest.newBuilder(URI.create(sim.baseUrl("groq") + "/chat/completions"))
                .header("Authorization", "Bearer " + secret).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        HttpResponse<String> r = HttpClient.newHttpClient().send(req, HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        return E2e.JSON.readTree(r.body());
    }

    @Test
    void theUsageOfAForeignAnswerIsWhatTheWindowsAndTheRecordsCharge() {
        E2e.Recorder rec = new E2e.Recorder();
        try (Simulator sim = Simulator.builder().provider(SimProvider.groq().fakeKeys(1).model(MODEL, SimLimits.UNLIMITED).build())
                .build().start();
             Keycycle kc = E2e.keycycle(sim, E2e.unlimited("groq/" + MODEL)).keys("groq", E2e.keys("groq", "org-1")).listener(rec).build()) {
            CallSpec spec = CallSpec.defaults().withEstimatedTokens(ESTIMATE);
            List<Long> totals = new java.util.concurrent.CopyOnWriteArrayList<>();
            kc.call("groq/" + MODEL, spec, (c, key) -> {
                JsonNode u = post(sim, key.secret(), "an SDK's answer").path("usage");
                totals.add(u.path("total_tokens").asLong());
                return new SdkAnswer("…", Optional.of(new SdkUsage(u.path("prompt_tokens").asLong(),
                        u.path("completion_tokens").asLong(), u.path("total_tokens").asLong())));
            });
            kc.call("groq/" + MODEL, spec, (c, key) -> {
                JsonNode u = post(sim, key.secret(), "a LangChain4j answer, a little longer").path("usage");
                totals.add(u.path("total_tokens").asLong());
                return new Lc4jAnswer("…", new Lc4jUsage(u.path("prompt_tokens").asInt(), u.path("completion_tokens").asInt(),
                        u.path("total_tokens").asInt()));
            });
            kc.call("groq/" + MODEL, spec, (c, key) -> {
                JsonNode answer = post(sim, key.secret(), "plain text");
                totals.add(answer.path("usage").path("total_tokens").asLong());
                return answer.path("choices").toString();
            });

            SimStats.Row sent = sim.stats().total("groq");
            assertThat(totals.stream().mapToLong(Long::longValue).sum()).as("the provider's own count").isEqualTo(sent.totalTokens());
            List<KeycycleEvent.Settled> settled = rec.settled("groq");
            assertThat(settled).hasSize(3);
            assertThat(settled.get(0).chargedTokens()).as("SDK-like answer").isEqualTo(totals.get(0)).isLessThan(ESTIMATE);
            assertThat(settled.get(1).chargedTokens()).as("LangChain4j-like answer").isEqualTo(totals.get(1)).isLessThan(ESTIMATE);
            assertThat(settled.get(0).promptTokens() + settled.get(0).completionTokens()).isEqualTo(totals.get(0));
            assertThat(settled.get(2).chargedTokens()).as("a String carries none: the estimate").isEqualTo(ESTIMATE);
        }
    }
}
