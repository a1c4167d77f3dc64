package io.keycycle.core.client;

import com.fasterxml.jackson.databind.JsonNode;
import io.keycycle.core.ProviderHttpException;
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
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StreamingTest {

    static final String SECRET = "sk-or-v1-test0000000000000000000000000001";
    static final String REQUEST = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"stream_options\":{\"foo\":1}}";

    private TestServer server;
    private final CountDownLatch teardown = new CountDownLatch(1);
    private final List<SseEvent> seen = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws IOException { server = new TestServer(); }

    @AfterEach
    void stop() {
        teardown.countDown();
        server.close();
    }

    private OpenAiCompatClient client() {
        return OpenAiCompatClient.builder(server.uri("/api/v1")).provider("openrouter").requestTimeout(Duration.ofSeconds(5)).build();
    }

    private static String chunk(String content) {
        return "{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\""
                + content + "\"},\"finish_reason\":null}]}";
    }

    /** Frame layouts per provider (providers.md §2.8, §3.8, §4.8, §5.6); payloads the listener must get verbatim. */
    static Stream<Arguments> layouts() {
        String cerebrasFinish = "{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-oss-120b\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}";
        String cerebrasUsage = "{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-oss-120b\",\"choices\":[],"
                + "\"usage\":{\"prompt_tokens\":543,\"completion_tokens\":1500,\"total_tokens\":2043},\"time_info\":{\"queue_time\":0.00026,\"total_time\":1.172}}";
        String groqFinish = "{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"llama-3.3-70b-versatile\","
                + "\"choices\":[{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\"stop\"}],"
                + "\"x_groq\":{\"id\":\"req_01\",\"usage\":{\"queue_time\":0.052,\"prompt_tokens\":16,\"prompt_time\":0.0008,"
                + "\"completion_tokens\":19,\"completion_time\":0.0368,\"total_tokens\":35,\"total_time\":0.0376}}}";
        String groqTrailing = "{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"llama-3.3-70b-versatile\",\"choices\":[],"
                + "\"usage\":{\"queue_time\":0.052,\"prompt_tokens\":16,\"prompt_time\":0.0008,\"completion_tokens\":19,\"completion_time\":0.0368,"
                + "\"total_tokens\":35,\"total_time\":0.0376},\"x_groq\":{\"id\":\"req_01\"}}";
        String geminiFinish = "{\"choices\":[{\"delta\":{\"content\":\"!\",\"role\":\"assistant\"},\"finish_reason\":\"stop\",\"index\":0}],"
                + "\"created\":1763164273,\"id\":\"ccAXad3iNNbiz7IPocTe0Ac\",\"model\":\"gemini-2.5-flash\",\"object\":\"chat.completion.chunk\","
                + "\"usage\":{\"completion_tokens\":2,\"prompt_tokens\":17,\"total_tokens\":49}}";
        String openRouterFinal = "{\"id\":\"gen-1\",\"provider\":\"Chutes\",\"model\":\"m:free\",\"object\":\"chat.completion.chunk\",\"created\":1,"
                + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":\"stop\"}],"
                + "\"usage\":{\"prompt_tokens\":194,\"completion_tokens\":2,\"total_tokens\":196,\"cost\":0,\"is_byok\":false}}";
        String nativeChunk = "{\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"Hi\"}]},\"index\":0}],"
                + "\"usageMetadata\":{\"promptTokenCount\":15,\"totalTokenCount\":15},\"modelVersion\":\"gemini-2.5-flash\"}";
        String nativeFinal = "{\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"!\"}]},\"finishReason\":\"STOP\",\"index\":0}],"
                + "\"usageMetadata\":{\"promptTokenCount\":15,\"candidatesTokenCount\":6,\"totalTokenCount\":31,\"thoughtsTokenCount\":10},\"modelVersion\":\"gemini-2.5-flash\"}";
        return Stream.of(
                Arguments.of("cerebras: trailing choices:[] usage chunk",
                        sse(chunk("Hel"), chunk("lo"), cerebrasFinish, cerebrasUsage) + "data: [DONE]\n\n",
                        List.of(chunk("Hel"), chunk("lo"), cerebrasFinish, cerebrasUsage), new Usage(543, 1500, 2043), true, "stop"),
                Arguments.of("groq: x_groq.usage on the finish chunk, no trailing chunk",
                        sse(chunk("Hi"), groqFinish) + "data: [DONE]\n\n",
                        List.of(chunk("Hi"), groqFinish), new Usage(16, 19, 35), true, "stop"),
                Arguments.of("groq: x_groq.usage then include_usage trailing chunk, CRLF",
                        (sse(chunk("Hi"), groqFinish, groqTrailing) + "data: [DONE]\n\n").replace("\n", "\r\n"),
                        List.of(chunk("Hi"), groqFinish, groqTrailing), new Usage(16, 19, 35), true, "stop"),
                Arguments.of("gemini compat: usage on the finish chunk, total above prompt+completion",
                        sse(chunk("Hi"), geminiFinish) + "data: [DONE]\n\n",
                        List.of(chunk("Hi"), geminiFinish), new Usage(17, 2, 49), true, "stop"),
                Arguments.of("openrouter: keep-alive comments, usage on the final chunk",
                        ": OPENROUTER PROCESSING\n\n: OPENROUTER PROCESSING\n\n" + sse(chunk("Hi")) + ": OPENROUTER PROCESSING\n\n"
                                + sse(openRouterFinal) + "data: [DONE]\n\n",
                        List.of(chunk("Hi"), openRouterFinal), new Usage(194, 2, 196), true, "stop"),
                Arguments.of("gemini native: usageMetadata, no [DONE], no final blank line",
                        sse(nativeChunk) + "data: " + nativeFinal + "\n",
                        List.of(nativeChunk, nativeFinal), new Usage(15, 6, 31), false, "STOP"));
    }

    private static String sse(String... payloads) {
        StringBuilder sb = new StringBuilder();
        for (String p : payloads) {
            sb.append("data: ").append(p).append("\n\n");
        }
        return sb.toString();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("layouts")
    void streamsEachProvidersFramesVerbatimAndFindsTheUsage(String name, String wire, List<String> payloads, Usage usage,
                                                           boolean done, String finish) throws Exception {
        server.handler(ex -> {
            OutputStream out = TestServer.startSse(ex, "x-ratelimit-remaining-tokens-minute", "59000");
            for (int i = 0; i < wire.length(); i += 37) { // odd write sizes split lines and CRLFs
                TestServer.write(out, wire.substring(i, Math.min(wire.length(), i + 37)));
            }
        });

        StreamResult r = client().stream(SECRET, REQUEST.getBytes(StandardCharsets.UTF_8), StreamListener.of(seen::add));

        List<String> expected = new java.util.ArrayList<>(payloads);
        if (done) {
            expected.add("[DONE]");
        }
        assertThat(seen).extracting(SseEvent::data).containsExactlyElementsOf(expected);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.isSuccess()).isTrue();
        assertThat(r.usage()).contains(usage);
        assertThat(r.done()).isEqualTo(done);
        assertThat(r.finishReason()).contains(finish);
        assertThat(r.events()).isEqualTo(payloads.size());
        assertThat(r.cancelled()).isFalse();
        assertThat(r.errorEvent()).isEmpty();
        assertThat(r.header("X-RateLimit-Remaining-Tokens-Minute")).isEqualTo("59000");
        assertThat(UsageReader.fromBody(r.response().body())).contains(usage);
        assertThat(r.orThrow()).isSameAs(r);

        TestServer.Recorded req = server.lastRequest();
        JsonNode sent = Json.MAPPER.readTree(req.body());
        assertThat(sent.path("stream").asBoolean()).isTrue();
        assertThat(sent.path("stream_options").path("include_usage").asBoolean()).isTrue();
        assertThat(sent.path("stream_options").path("foo").asInt()).isEqualTo(1);
        assertThat(sent.path("model").asText()).isEqualTo("m");
        assertThat(req.header("Authorization")).isEqualTo("Bearer " + SECRET);
        assertThat(req.header("Accept")).isEqualTo("text/event-stream");
    }

    @Test
    void jsonNodeBodiesAreNotModified() throws Exception {
        server.handler(ex -> TestServer.write(TestServer.startSse(ex), sse(chunk("Hi")) + "data: [DONE]\n\n"));
        JsonNode body = Json.MAPPER.readTree(REQUEST);
        JsonNode copy = body.deepCopy();
        client().stream(SECRET, body, StreamListener.of(seen::add));
        assertThat(body).isEqualTo(copy);
        assertThat(Json.MAPPER.readTree(server.lastRequest().body()).path("stream").asBoolean()).isTrue();
    }

    @Test
    void reportsAMidStreamErrorEventForClassification() throws Exception {
        String error = "{\"id\":\"gen-1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m:free\","
                + "\"error\":{\"code\":\"server_error\",\"message\":\"Provider disconnected unexpectedly\"},"
                + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"\"},\"finish_reason\":\"error\"}]}";
        server.handler(ex -> TestServer.write(TestServer.startSse(ex), sse(chunk("Hi"), error)));

        StreamResult r = client().stream(SECRET, REQUEST.getBytes(StandardCharsets.UTF_8), StreamListener.of(seen::add));

        assertThat(seen).extracting(SseEvent::data).containsExactly(chunk("Hi"), error);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.isSuccess()).isFalse();
        assertThat(r.errorEvent()).contains(error);
        assertThat(r.finishReason()).contains("error");
        assertThat(r.response().status()).isEqualTo(StreamResult.MID_STREAM_ERROR_STATUS);
        assertThat(r.response().body()).isEqualTo(error);
        assertThatThrownBy(r::orThrow).isInstanceOfSatisfying(ProviderHttpException.class,
                e -> assertThat(e.body()).isEqualTo(error)).hasMessageNotContaining(SECRET);
    }

    @Test
    void aMidStreamErrorWithAnHttpCodeKeepsIt() throws Exception {
        String error = "{\"error\":{\"code\":429,\"message\":\"Rate limit exceeded: free-models-per-min. \"}}";
        server.handler(ex -> TestServer.write(TestServer.startSse(ex), ": OPENROUTER PROCESSING\n\n" + sse(error) + "data: [DONE]\n\n"));
        StreamResult r = client().stream(SECRET, REQUEST.getBytes(StandardCharsets.UTF_8), StreamListener.of(seen::add));
        assertThat(r.errorEvent()).contains(error);
        assertThat(r.response().status()).isEqualTo(429);
        // the error came before any other event: nothing is delivered, so another key may serve
        assertThat(seen).isEmpty();
        assertThat(r.events()).isZero();
        assertThat(r.retryable()).isTrue();
    }

    /** Some providers send the code as a string; "429" is still a 429 (counted, the scope cools), not a 502. */
    @Test
    void aMidStreamErrorWithAnHttpCodeAsAStringKeepsIt() throws Exception {
        String error = "{\"error\":{\"code\":\"429\",\"message\":\"Rate limit exceeded: free-models-per-min. \"}}";
        server.handler(ex -> TestServer.write(TestServer.startSse(ex), sse(chunk("Hi"), error) + "data: [DONE]\n\n"));
        StreamResult r = client().stream(SECRET, REQUEST.getBytes(StandardCharsets.UTF_8), StreamListener.of(seen::add));
        assertThat(r.errorEvent()).contains(error);
        assertThat(r.response().status()).isEqualTo(429);
    }

    @Test
    void aNon2xxAnswerIsReturnedWithoutStreaming() throws Exception {
        String body = "{\"error\":{\"code\":429,\"message\":\"Rate limit exceeded: free-models-per-day. Add 10 credits to unlock 1000 free model requests per day\","
                + "\"metadata\":{\"headers\":{\"X-RateLimit-Limit\":\"50\",\"X-RateLimit-Remaining\":\"0\",\"X-RateLimit-Reset\":\"1790726400000\"}}},\"user_id\":\"user_1\"}";
        server.handler(ex -> TestServer.respond(ex, 429, body, "Retry-After", "30", "X-RateLimit-Reset", "1790726400000"));

        StreamResult r = client().stream(SECRET, REQUEST.getBytes(StandardCharsets.UTF_8), StreamListener.of(seen::add));

        assertThat(seen).isEmpty();
        assertThat(r.status()).isEqualTo(429);
        assertThat(r.isSuccess()).isFalse();
        assertThat(r.events()).isZero();
        assertThat(r.header("retry-after")).isEqualTo("30");
        assertThat(r.response().status()).isEqualTo(429);
        assertThat(r.response().header("x-ratelimit-reset")).isEqualTo("1790726400000");
        assertThat(r.response().body()).isEqualTo(body);
        assertThatThrownBy(r::orThrow).isInstanceOf(ProviderHttpException.class).hasMessageContaining("openrouter answered HTTP 429");
    }

    @Test
    void aPlainJsonAnswerTo_aStreamRequestIsReadWhole() throws Exception {
        String body = "{\"choices\":[{\"index\":0,\"message\":{\"content\":\"Hi\"},\"finish_reason\":\"stop\"}],"
                + "\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":1,\"total_tokens\":4}}";
        server.handler(ex -> TestServer.respond(ex, 200, body));
        StreamResult r = client().stream(SECRET, REQUEST.getBytes(StandardCharsets.UTF_8), StreamListener.of(seen::add));
        assertThat(seen).isEmpty();
        assertThat(r.isSuccess()).isTrue();
        assertThat(r.usage()).contains(new Usage(3, 1, 4));
        assertThat(r.response().body()).isEqualTo(body);
    }

    @Test
    void chunksReachTheListenerBeforeTheStreamEnds() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        server.handler(ex -> {
            OutputStream out = TestServer.startSse(ex);
            TestServer.write(out, sse(chunk("first")));
            if (!release.await(10, TimeUnit.SECONDS)) {
                throw new AssertionError("never released");
            }
            TestServer.write(out, sse(chunk("second")) + "data: [DONE]\n\n");
        });
        BlockingQueue<SseEvent> events = new LinkedBlockingQueue<>();

        StreamHandle handle = client().streamAsync(SECRET, REQUEST.getBytes(StandardCharsets.UTF_8), StreamListener.of(events::add));

        SseEvent first = events.poll(5, TimeUnit.SECONDS);
        assertThat(first).isNotNull();
        assertThat(first.data()).isEqualTo(chunk("first"));
        assertThat(handle.result()).isNotDone();
        release.countDown();
        StreamResult r = handle.result().get(5, TimeUnit.SECONDS);
        assertThat(r.events()).isEqualTo(2);
        assertThat(r.done()).isTrue();
        assertThat(events.poll(1, TimeUnit.SECONDS).data()).isEqualTo(chunk("second"));
    }

    /** The server writes a chunk, waits until the client has cancelled, then writes until the socket fails. */
    private CountDownLatch serverThatDetectsClose(CountDownLatch clientCancelled) {
        CountDownLatch serverSawClose = new CountDownLatch(1);
        server.handler(ex -> {
            OutputStream out = TestServer.startSse(ex);
            TestServer.write(out, sse(chunk("first")));
            clientCancelled.await(10, TimeUnit.SECONDS);
            try {
                for (int i = 0; i < 1_000_000; i++) {
                    TestServer.write(out, sse(chunk("more " + i)));
                }
            } catch (IOException closed) {
                serverSawClose.countDown();
            }
        });
        return serverSawClose;
    }

    @Test
    void aListenerReturningFalseCancelsAndClosesTheConnection() throws Exception {
        CountDownLatch cancelled = new CountDownLatch(1);
        CountDownLatch serverSawClose = serverThatDetectsClose(cancelled);

        StreamResult r = client().stream(SECRET, REQUEST.getBytes(StandardCharsets.UTF_8), e -> {
            seen.add(e);
            return false;
        });
        cancelled.countDown();

        assertThat(r.cancelled()).isTrue();
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.events()).isEqualTo(1);
        assertThat(seen).hasSize(1);
        assertThat(serverSawClose.await(10, TimeUnit.SECONDS)).as("server saw the connection closed").isTrue();
        assertThat(seen).hasSize(1);
    }

    @Test
    void cancelOnTheHandleClosesTheConnection() throws Exception {
        CountDownLatch cancelled = new CountDownLatch(1);
        CountDownLatch serverSawClose = serverThatDetectsClose(cancelled);
        BlockingQueue<SseEvent> events = new LinkedBlockingQueue<>();

        StreamHandle handle = client().streamAsync(SECRET, REQUEST.getBytes(StandardCharsets.UTF_8), StreamListener.of(events::add));
        assertThat(events.poll(5, TimeUnit.SECONDS)).isNotNull();
        handle.cancel();
        handle.cancel();
        cancelled.countDown();

        StreamResult r = handle.result().get(5, TimeUnit.SECONDS);
        assertThat(r.cancelled()).isTrue();
        assertThat(handle.isCancelled()).isTrue();
        assertThat(serverSawClose.await(10, TimeUnit.SECONDS)).as("server saw the connection closed").isTrue();
    }

    @Test
    void aListenerExceptionEndsTheStreamAndIsRethrown() {
        CountDownLatch cancelled = new CountDownLatch(1);
        CountDownLatch serverSawClose = serverThatDetectsClose(cancelled);
        try {
            assertThatThrownBy(() -> client().stream(SECRET, REQUEST.getBytes(StandardCharsets.UTF_8), e -> {
                throw new IllegalStateException("listener broke");
            })).isInstanceOf(IllegalStateException.class).hasMessage("listener broke");
        } finally {
            cancelled.countDown();
        }
        try {
            assertThat(serverSawClose.await(10, TimeUnit.SECONDS)).isTrue();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    /**
     * HTTP 200, an event stream, then the body's clean end without one event or {@code [DONE]} (a
     * stall the provider's server gave up on, a proxy closing the response): no answer, so an I/O
     * failure (counted, rotated), not a success with nothing in it. Until 2026-12-04 it was a success.
     */
    @Test
    void aStreamThatEndsWithoutAnyEventIsAnIOException() throws Exception {
        server.handler(ex -> TestServer.startSse(ex).close());
        assertThatThrownBy(() -> client().stream(SECRET, REQUEST.getBytes(StandardCharsets.UTF_8), StreamListener.of(seen::add)))
                .isInstanceOf(IOException.class).hasMessageContaining("ended without any event");
        assertThat(seen).isEmpty();
    }

    @Test
    void aStreamOfOnlyDoneIsAnIOException() throws Exception {
        server.handler(ex -> TestServer.write(TestServer.startSse(ex), ": keep-alive\n\ndata: [DONE]\n\n"));
        assertThatThrownBy(() -> client().stream(SECRET, REQUEST.getBytes(StandardCharsets.UTF_8), StreamListener.of(seen::add)))
                .isInstanceOf(IOException.class).hasMessageContaining("[DONE] before any event");
        assertThat(seen).isEmpty();
    }

    @Test
    void aConnectionResetMidStreamIsAnIOException() throws Exception {
        // the reset is sent only after the client has seen the first chunk: a reset that overtakes
        // unread data may discard it on the client, which would test the kernel, not the client
        java.util.concurrent.CountDownLatch firstSeen = new java.util.concurrent.CountDownLatch(1);
        try (ServerSocket raw = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            Thread t = new Thread(() -> {
                try (Socket s = raw.accept()) {
                    s.getInputStream().read(new byte[8192]);
                    String first = "data: " + chunk("Hi") + "\n\n";
                    String head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
                            + Integer.toHexString(first.getBytes(StandardCharsets.UTF_8).length) + "\r\n" + first + "\r\n";
                    s.getOutputStream().write(head.getBytes(StandardCharsets.UTF_8));
                    s.getOutputStream().flush();
                    firstSeen.await(5, java.util.concurrent.TimeUnit.SECONDS);
                    s.setSoLinger(true, 0); // close with RST, no final chunk
                } catch (IOException | InterruptedException ignored) {
                    // test fails on its own if nothing was sent
                }
            });
            t.start();
            OpenAiCompatClient client = OpenAiCompatClient.create(URI.create("http://127.0.0.1:" + raw.getLocalPort() + "/v1"));
            assertThatThrownBy(() -> client.stream(SECRET, REQUEST.getBytes(StandardCharsets.UTF_8), StreamListener.of(e -> { seen.add(e); firstSeen.countDown(); })))
                    .isInstanceOf(IOException.class)
                    .satisfies(e -> assertThat(String.valueOf(e.getMessage())).doesNotContain(SECRET));
            t.join(5000);
        }
        assertThat(seen).extracting(SseEvent::data).containsExactly(chunk("Hi"));
    }

    @Test
    void refusedConnectionIsAnIOException() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        OpenAiCompatClient client = OpenAiCompatClient.create(URI.create("http://127.0.0.1:" + port + "/v1"));
        assertThatThrownBy(() -> client.stream(SECRET, REQUEST.getBytes(StandardCharsets.UTF_8), StreamListener.of(seen::add)))
                .isInstanceOf(ConnectException.class);
        assertThat(client.streamAsync(SECRET, REQUEST.getBytes(StandardCharsets.UTF_8), StreamListener.of(seen::add)).result())
                .failsWithin(Duration.ofSeconds(5)).withThrowableOfType(java.util.concurrent.ExecutionException.class)
                .withCauseInstanceOf(ConnectException.class);
    }

    @Test
    void noHeadersWithinTheRequestTimeoutIsAnHttpTimeoutException() {
        server.handler(ex -> teardown.await());
        OpenAiCompatClient client = OpenAiCompatClient.builder(server.uri("/v1")).requestTimeout(Duration.ofMillis(300)).build();
        assertThatThrownBy(() -> client.stream(SECRET, REQUEST.getBytes(StandardCharsets.UTF_8), StreamListener.of(seen::add)))
                .isInstanceOf(HttpTimeoutException.class);
        assertThat(seen).isEmpty();
    }

    @Test
    void theRequestTimeoutDoesNotCutAStreamThatOutlivesIt() throws Exception {
        server.handler(ex -> {
            OutputStream out = TestServer.startSse(ex);
            for (int i = 0; i < 6; i++) {
                TestServer.write(out, sse(chunk("part " + i)));
                teardown.await(100, TimeUnit.MILLISECONDS); // 600 ms in all, past the 400 ms request timeout
            }
            TestServer.write(out, "data: [DONE]\n\n");
        });
        OpenAiCompatClient client = OpenAiCompatClient.builder(server.uri("/v1")).requestTimeout(Duration.ofMillis(400)).build();
        StreamResult r = client.stream(SECRET, REQUEST.getBytes(StandardCharsets.UTF_8), StreamListener.of(seen::add));
        assertThat(r.done()).isTrue();
        assertThat(r.events()).isEqualTo(6);
    }

    @Test
    void aSilenceAsLongAsTheRequestTimeoutEndsTheStream() throws Exception {
        server.handler(ex -> {
            OutputStream out = TestServer.startSse(ex);
            TestServer.write(out, sse(chunk("first")));
            teardown.await(5, TimeUnit.SECONDS); // headers and a first event, then nothing
        });
        OpenAiCompatClient client = OpenAiCompatClient.builder(server.uri("/v1")).requestTimeout(Duration.ofMillis(300)).build();
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> client.stream(SECRET, REQUEST.getBytes(StandardCharsets.UTF_8), StreamListener.of(seen::add)))
                .isInstanceOf(HttpTimeoutException.class).hasMessageContaining("sent nothing on the stream");
        assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(3_000);
        assertThat(seen).hasSize(1);
    }

    @Test
    void aListenerSlowerThanTheRequestTimeoutIsNoSilence() throws Exception {
        server.handler(ex -> {
            OutputStream out = TestServer.startSse(ex);
            TestServer.write(out, sse(chunk("first")) + sse(chunk("second")) + "data: [DONE]\n\n");
        });
        OpenAiCompatClient client = OpenAiCompatClient.builder(server.uri("/v1")).requestTimeout(Duration.ofMillis(200)).build();
        StreamResult r = client.stream(SECRET, REQUEST.getBytes(StandardCharsets.UTF_8), e -> {
            seen.add(e);
            try {
                Thread.sleep(500);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
            }
            return true;
        });
        assertThat(r.done()).isTrue();
        assertThat(r.events()).isEqualTo(2);
    }

    @Test
    void aBodyThatIsNoJsonObjectIsRefusedBeforeSending() {
        assertThatThrownBy(() -> client().streamAsync(SECRET, "[]".getBytes(StandardCharsets.UTF_8), StreamListener.of(seen::add)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must be a JSON object");
        assertThat(server.requests).isEmpty();
    }
}
