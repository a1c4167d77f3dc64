package io.keycycle.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import io.keycycle.Keycycle;
import io.keycycle.core.ApiKey;
import io.keycycle.core.Persistence;
import io.keycycle.core.config.KeycycleConfig;
import io.keycycle.core.pool.Selection;
import io.keycycle.sim.ProviderKind;
import io.keycycle.sim.SimKey;
import io.keycycle.sim.Simulator;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Test wiring: a Keycycle whose groq pool points at a simulator, a gateway over it, and a plain
 * JDK HttpClient acting as the OpenAI client.
 */
final class TestGateway implements AutoCloseable {

    static final String MODEL = "openai/gpt-oss-20b";   // current in the groq table (the Llama models retired 2026-08-16)
    static final String TARGET = "groq/" + MODEL;

    final Keycycle keycycle;
    final KeycycleGateway gateway;
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    private final List<String> tokens;

    private TestGateway(Keycycle keycycle, KeycycleGateway gateway, List<String> tokens) {
        this.keycycle = keycycle;
        this.gateway = gateway;
        this.tokens = tokens;
    }

    static String secret(int i) { return SimKey.fakeSecret(ProviderKind.GROQ, i); }

    static List<ApiKey> keys(int n) {
        List<ApiKey> ks = new ArrayList<>();
        for (int i = 1; i <= n; i++) ks.add(ApiKey.of("groq", i, secret(i)));
        return ks;
    }

    /** Groq limits for {@link #MODEL} in keycycle.yaml form, e.g. {@code "rpm: 3"}. */
    static Keycycle.Builder keycycle(Simulator sim, int keys, String limits, Selection selection) {
        String yaml = "providers:\n  groq:\n    models:\n      " + MODEL + ": { " + limits + " }\n";
        Keycycle.Builder b = Keycycle.builder().env(Map.of())
                .config(KeycycleConfig.parse(yaml, Map.of(), "test.yaml"))
                .keys("groq", keys(keys))
                .baseUrl("groq", URI.create(sim.baseUrl("groq")))
                .shutdownHook(false);
        if (selection != null) b.selection(selection);
        return b;
    }

    static TestGateway start(Keycycle keycycle) { return start(keycycle, null, List.of(), 1 << 20); }

    static TestGateway start(Keycycle keycycle, Persistence store, List<String> tokens, long maxBody) {
        KeycycleGateway gw = KeycycleGateway.builder().keycycle(keycycle).host("127.0.0.1").port(0)
                .tokens(tokens).maxBodyBytes(maxBody).build();
        gw.start();
        return new TestGateway(keycycle, gw, tokens);
    }

    /**
     * A Keycycle of {@code keys} Groq keys, {@link #MODEL} limited by {@code limits} (a YAML flow map such
     * as {@code "{ rpm: 100 }"}), pointed at a scripted upstream at {@code baseUrl}; 5-s request timeout.
     */
    static Keycycle.Builder scripted(String baseUrl, int keys, String limits) {
        String yaml = "providers:\n  groq:\n    models:\n      " + MODEL + ": " + limits + "\n";
        return Keycycle.builder().env(java.util.Map.of())
                .config(io.keycycle.core.config.KeycycleConfig.parse(yaml, java.util.Map.of(), "test.yaml"))
                .keys("groq", keys(keys))
                .baseUrl("groq", URI.create(baseUrl))
                .requestTimeout(Duration.ofSeconds(5))
                .shutdownHook(false);
    }

    /** A started gateway with its default settings over {@link #scripted}. */
    static TestGateway overUpstream(String baseUrl, int keys, String limits) {
        Keycycle keycycle = scripted(baseUrl, keys, limits).build();
        KeycycleGateway gateway = KeycycleGateway.builder().keycycle(keycycle).port(0).build();
        gateway.start();
        return over(keycycle, gateway);
    }

    /** A client for a gateway built by the test itself (no tokens). */
    static TestGateway over(Keycycle keycycle, KeycycleGateway gateway) { return new TestGateway(keycycle, gateway, List.of()); }

    URI uri(String path) { return URI.create(gateway.url() + path); }

    HttpRequest.Builder request(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(20));
        if (!tokens.isEmpty()) b.header("Authorization", "Bearer " + tokens.get(0));
        return b;
    }

    static String chatBody(String model, String prompt, boolean stream) {
        return "{\"model\":\"" + model + "\",\"max_tokens\":50,\"stream\":" + stream
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"" + prompt + "\"}]}";
    }

    HttpResponse<String> chat(String body) {
        return send(request("/v1/chat/completions").header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    HttpResponse<String> chat(String model, String prompt) { return chat(chatBody(model, prompt, false)); }

    HttpResponse<String> get(String path) { return send(request(path).GET().build()); }

    HttpResponse<String> post(String path, String body) {
        return send(request(path).header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    HttpResponse<String> send(HttpRequest r) {
        try {
            return http.send(r, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static JsonNode json(HttpResponse<String> r) {
        JsonNode n = Jsons.tryParse(r.body());
        if (n == null) throw new AssertionError("not JSON (HTTP " + r.statusCode() + "): " + r.body());
        return n;
    }

    @Override
    public void close() {
        gateway.close();
        keycycle.close();
    }
}
