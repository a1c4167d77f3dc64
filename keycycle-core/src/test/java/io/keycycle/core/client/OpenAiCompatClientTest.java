package io.keycycle.core.client;

import com.fasterxml.jackson.databind.JsonNode;
import io.keycycle.core.ProviderHttpException;
import io.keycycle.core.ProviderResponse;
import io.keycycle.core.Usage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OpenAiCompatClientTest {

    static final String SECRET = "gsk_test_0000000000000000000001";
    static final String REQUEST = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"max_tokens\":16}";

    private TestServer server;
    private final CountDownLatch neverReleased = new CountDownLatch(1);

    @BeforeEach
    void start() throws IOException { server = new TestServer(); }

    @AfterEach
    void stop() {
        neverReleased.countDown();
        server.close();
    }

    private OpenAiCompatClient client(String basePath) {
        return OpenAiCompatClient.builder(server.uri(basePath)).provider("groq").requestTimeout(Duration.ofSeconds(5)).build();
    }

    static Stream<Arguments> successBodies() {
        return Stream.of(
                Arguments.of("cerebras", "{\"id\":\"chatcmpl-…\",\"object\":\"chat.completion\",\"created\":1748552717,\"model\":\"qwen-3-32b\","
                        + "\"system_fingerprint\":\"fp_…\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"…\"},\"finish_reason\":\"stop\"}],"
                        + "\"usage\":{\"prompt_tokens\":543,\"completion_tokens\":1500,\"total_tokens\":2043,\"prompt_tokens_details\":{\"cached_tokens\":0}},"
                        + "\"time_info\":{\"queue_time\":0.00026,\"prompt_time\":0.0164,\"completion_time\":1.153,\"total_time\":1.172,\"created\":1748552717}}",
                        new Usage(543, 1500, 2043)),
                Arguments.of("groq", "{\"id\":\"chatcmpl-…\",\"object\":\"chat.completion\",\"created\":1791297846,\"model\":\"qwen/qwen3.8-27b\","
                        + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"…\"},\"logprobs\":null,\"finish_reason\":\"stop\"}],"
                        + "\"usage\":{\"queue_time\":0.052,\"prompt_tokens\":16,\"prompt_time\":0.0008,\"completion_tokens\":19,"
                        + "\"completion_time\":0.0368,\"total_tokens\":35,\"total_time\":0.0376},"
                        + "\"usage_breakdown\":null,\"system_fingerprint\":\"fp_…\",\"x_groq\":{\"id\":\"req_01…\",\"seed\":1321871292},\"service_tier\":\"on_demand\"}",
                        new Usage(16, 19, 35)),
                Arguments.of("gemini", "{\"choices\":[{\"finish_reason\":\"stop\",\"index\":0,\"message\":{\"content\":\"Ghostbusters\",\"role\":\"assistant\"}}],"
                        + "\"created\":1763164273,\"id\":\"ccAXad3iNNbiz7IPocTe0Ac\",\"model\":\"gemini-2.5-flash\",\"object\":\"chat.completion\","
                        + "\"usage\":{\"completion_tokens\":2,\"prompt_tokens\":17,\"total_tokens\":49}}",
                        new Usage(17, 2, 49)),
                Arguments.of("openrouter", "{\"id\":\"gen-1764000000-abc\",\"provider\":\"Google AI Studio\",\"model\":\"meta-llama/llama-3.3-70b-instruct:free\","
                        + "\"object\":\"chat.completion\",\"created\":1764000000,"
                        + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"Hi\"},\"finish_reason\":\"stop\"}],"
                        + "\"usage\":{\"prompt_tokens\":194,\"completion_tokens\":2,\"total_tokens\":196,\"cost\":0.95,\"cost_details\":{\"upstream_inference_cost\":19},"
                        + "\"prompt_tokens_details\":{\"cached_tokens\":0,\"audio_tokens\":0},\"completion_tokens_details\":{\"reasoning_tokens\":0}}}",
                        new Usage(194, 2, 196)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("successBodies")
    void returnsEachProvidersSuccessWithItsUsage(String provider, String body, Usage usage) throws Exception {
        server.handler(ex -> TestServer.respond(ex, 200, body, "x-ratelimit-remaining-requests", "29"));
        ChatResult r = client("/" + provider + "/v1").chat(SECRET, REQUEST.getBytes(StandardCharsets.UTF_8));

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.isSuccess()).isTrue();
        assertThat(r.bodyText()).isEqualTo(body);
        assertThat(r.body()).isEqualTo(body.getBytes(StandardCharsets.UTF_8));
        assertThat(r.usage()).contains(usage);
        assertThat(r.header("X-RateLimit-Remaining-Requests")).isEqualTo("29");
        assertThat(r.orThrow()).isSameAs(r);
        ProviderResponse response = r.response();
        assertThat(response.status()).isEqualTo(200);
        assertThat(response.body()).isEqualTo(body);

        TestServer.Recorded req = server.lastRequest();
        assertThat(req.method()).isEqualTo("POST");
        assertThat(req.path()).isEqualTo("/" + provider + "/v1/chat/completions");
        assertThat(req.header("Authorization")).isEqualTo("Bearer " + SECRET);
        assertThat(req.header("Content-Type")).isEqualTo("application/json");
        assertThat(req.body()).isEqualTo(REQUEST);
    }

    @Test
    void readsGroqXGroqUsageAndKeepsGeminiTotals() throws Exception {
        server.handler(ex -> TestServer.respond(ex, 200, "{\"choices\":[],\"x_groq\":{\"id\":\"req_1\",\"usage\":"
                + "{\"prompt_tokens\":10,\"completion_tokens\":5,\"total_tokens\":15}}}"));
        assertThat(client("/openai/v1").chat(SECRET, REQUEST.getBytes(StandardCharsets.UTF_8)).usage()).contains(new Usage(10, 5, 15));

        server.handler(ex -> TestServer.respond(ex, 200, "{\"usage\":{\"completion_tokens\":2,\"prompt_tokens\":17,\"total_tokens\":49}}"));
        Usage gemini = client("/openai/v1").chat(SECRET, REQUEST.getBytes(StandardCharsets.UTF_8)).usage().orElseThrow();
        assertThat(gemini.totalTokens()).isEqualTo(49);
        assertThat(gemini.charged()).isEqualTo(49);
    }

    @Test
    void toleratesATrailingSlashInTheBaseUriAndSerialisesJsonNodeBodies() throws Exception {
        server.handler(ex -> TestServer.respond(ex, 200, "{}"));
        OpenAiCompatClient client = OpenAiCompatClient.builder(server.uri("/v1beta/openai/"))
                .header("X-Title", "keycycle-test").build();
        assertThat(client.chatCompletionsUri().getPath()).isEqualTo("/v1beta/openai/chat/completions");
        JsonNode body = Json.MAPPER.readTree(REQUEST);
        ChatResult r = client.chat(SECRET, body);
        assertThat(r.usage()).isEmpty();
        TestServer.Recorded req = server.lastRequest();
        assertThat(req.path()).isEqualTo("/v1beta/openai/chat/completions");
        assertThat(Json.MAPPER.readTree(req.body())).isEqualTo(body);
        assertThat(req.header("X-Title")).isEqualTo("keycycle-test");
    }

    @Test
    void returnsA429WithItsHeadersInsteadOfThrowing() throws Exception {
        String body = "{\"error\":{\"message\":\"Rate limit reached for model `llama-3.3-70b-versatile` in organization `org_01` "
                + "service tier `on_demand` on requests per minute (RPM): Limit 30, Used 30, Requested 1. Please try again in 2s.\","
                + "\"type\":\"requests\",\"code\":\"rate_limit_exceeded\"}}";
        server.handler(ex -> TestServer.respond(ex, 429, body, "retry-after", "2",
                "x-ratelimit-limit-requests", "1000", "x-ratelimit-remaining-requests", "0", "x-ratelimit-reset-requests", "1m26.4s"));
        ChatResult r = client("/openai/v1").chat(SECRET, REQUEST.getBytes(StandardCharsets.UTF_8));

        assertThat(r.status()).isEqualTo(429);
        assertThat(r.isSuccess()).isFalse();
        assertThat(r.usage()).isEmpty();
        ProviderResponse response = r.response();
        assertThat(response.header("Retry-After")).isEqualTo("2");
        assertThat(response.header("retry-after")).isEqualTo("2");
        assertThat(response.header("x-ratelimit-remaining-requests")).isEqualTo("0");
        assertThat(response.header("X-RATELIMIT-RESET-REQUESTS")).isEqualTo("1m26.4s");
        assertThat(response.body()).isEqualTo(body);

        assertThatThrownBy(r::orThrow)
                .isInstanceOfSatisfying(ProviderHttpException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(429);
                    assertThat(e.response().header("retry-after")).isEqualTo("2");
                    assertThat(e.body()).isEqualTo(body);
                })
                .hasMessageContaining("groq answered HTTP 429")
                .hasMessageNotContaining(SECRET);
    }

    @Test
    void refusedConnectionIsAnIOException() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        OpenAiCompatClient client = OpenAiCompatClient.create(URI.create("http://127.0.0.1:" + port + "/v1"));
        assertThatThrownBy(() -> client.chat(SECRET, REQUEST.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(ConnectException.class)
                .satisfies(e -> assertThat(String.valueOf(e.getMessage())).doesNotContain(SECRET));
    }

    @Test
    void noAnswerWithinTheRequestTimeoutIsAnHttpTimeoutException() {
        server.handler(ex -> neverReleased.await());
        OpenAiCompatClient client = OpenAiCompatClient.builder(server.uri("/v1")).requestTimeout(Duration.ofMillis(300)).build();
        assertThatThrownBy(() -> client.chat(SECRET, REQUEST.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(HttpTimeoutException.class)
                .satisfies(e -> assertThat(String.valueOf(e.getMessage())).doesNotContain(SECRET));
    }

    @Test
    void aBodyThatStallsAfterTheHeadersAlsoTimesOut() {
        server.handler(ex -> {
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(200, 100);
            OutputStream out = ex.getResponseBody();
            out.write("{\"choices\":".getBytes(StandardCharsets.UTF_8));
            out.flush();
            neverReleased.await();
        });
        OpenAiCompatClient client = OpenAiCompatClient.builder(server.uri("/v1")).provider("cerebras")
                .requestTimeout(Duration.ofMillis(400)).build();
        assertThatThrownBy(() -> client.chat(SECRET, REQUEST.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(HttpTimeoutException.class)
                .hasMessageContaining("cerebras")
                .hasMessageNotContaining(SECRET);
    }

    @Test
    void badSettingsAndSecretsAreRefusedWithoutEchoingTheSecret() {
        URI base = server.uri("/v1");
        assertThatThrownBy(() -> OpenAiCompatClient.create(URI.create("ftp://host/v1"))).hasMessageContaining("absolute http(s)");
        assertThatThrownBy(() -> OpenAiCompatClient.create(URI.create("/v1"))).hasMessageContaining("absolute http(s)");
        assertThatThrownBy(() -> OpenAiCompatClient.create(URI.create("http://user:pw@host/v1")))
                .hasMessageContaining("credentials").hasMessageNotContaining("pw");
        assertThatThrownBy(() -> OpenAiCompatClient.builder(base).requestTimeout(Duration.ZERO)).hasMessageContaining("requestTimeout must be > 0");
        assertThatThrownBy(() -> OpenAiCompatClient.builder(base).header("Authorization", "Bearer x")).hasMessageContaining("set per call");

        OpenAiCompatClient client = OpenAiCompatClient.create(base);
        byte[] body = REQUEST.getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> client.chat(" ", body)).hasMessage("API key secret is empty");
        assertThatThrownBy(() -> client.chat(SECRET + "\r\nX-Evil: 1", body))
                .isInstanceOf(IllegalArgumentException.class).hasMessageNotContaining(SECRET).hasMessageContaining("position");
        assertThatThrownBy(() -> client.chat(SECRET, Json.MAPPER.createArrayNode())).hasMessageContaining("must be a JSON object");
        assertThat(client.toString()).contains("127.0.0.1");
    }
}
