package io.keycycle.core.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A client for one OpenAI-compatible chat endpoint ({@code POST {base}/chat/completions}), e.g.
 * {@code https://api.groq.com/openai/v1} or the simulator's {@code http://127.0.0.1:9001/groq/openai/v1}.
 * Thread-safe; keep one per provider. The key is passed per call, so one client serves every key.
 *
 * <p>Non-2xx answers are <em>returned</em>, not thrown, so the provider profile can classify them
 * ({@link ChatResult#orThrow()} when you want an exception). Only I/O failures throw: connection
 * refused or reset as {@link IOException}, an elapsed {@linkplain Builder#requestTimeout request
 * timeout} as {@link HttpTimeoutException}. The secret appears in the {@code Authorization} header
 * only, never in a log line or an exception message.
 *
 * <p>No retries happen here; the engine owns them.
 */
public final class OpenAiCompatClient {

    private static final Logger log = LoggerFactory.getLogger(OpenAiCompatClient.class);
    private static final String USER_AGENT = "keycycle-java";

    private final String provider;
    private final URI baseUri;
    private final URI chatUri;
    private final HttpClient http;
    private final Duration requestTimeout;
    private final Map<String, String> extraHeaders;

    private OpenAiCompatClient(Builder b) {
        this.provider = b.provider != null ? b.provider : b.baseUri.getHost();
        this.baseUri = b.baseUri;
        String base = b.baseUri.toString();
        while (base.endsWith("/")) {
            base = base.substring(0, base.length() - 1);
        }
        this.chatUri = URI.create(base + "/chat/completions");
        this.requestTimeout = b.requestTimeout;
        this.extraHeaders = Map.copyOf(b.headers);
        this.http = b.httpClient != null ? b.httpClient : HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(b.connectTimeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    /** A client with default timeouts (connect 10 s, request 120 s). */
    public static OpenAiCompatClient create(URI baseUri) { return builder(baseUri).build(); }

    public static Builder builder(URI baseUri) { return new Builder(baseUri); }

    /** Provider name used in exceptions ({@link Builder#provider}; the base URI's host by default). */
    public String provider() { return provider; }

    public URI baseUri() { return baseUri; }

    /** The URI every chat call posts to. */
    public URI chatCompletionsUri() { return chatUri; }

    /**
     * Sends a chat completion request as is.
     *
     * @param apiKeySecret the key's raw secret (see {@link io.keycycle.core.ApiKey#secret()})
     * @param requestBody  an OpenAI chat request, sent byte for byte; it should not ask for
     *                     {@code "stream": true} (use {@link #stream})
     * @return the answer, whatever its status
     * @throws IOException          connection refused/reset, or the body could not be read
     * @throws HttpTimeoutException no complete answer within the request timeout
     */
    public ChatResult chat(String apiKeySecret, byte[] requestBody) throws IOException, InterruptedException {
        return chat(apiKeySecret, requestBody, requestTimeout);
    }

    /**
     * As {@link #chat(String, byte[])}, the answer bounded by {@code timeout} when it is shorter than
     * the request timeout (what is left of a caller's deadline).
     *
     * @throws HttpTimeoutException no complete answer within the shorter of the two
     */
    public ChatResult chat(String apiKeySecret, byte[] requestBody, Duration timeout) throws IOException, InterruptedException {
        Objects.requireNonNull(requestBody, "requestBody");
        Duration limit = timeout == null || timeout.compareTo(requestTimeout) >= 0 ? requestTimeout
                : timeout.compareTo(Duration.ofMillis(1)) < 0 ? Duration.ofMillis(1) : timeout;
        HttpRequest request = request(apiKeySecret, requestBody, "application/json", limit);
        long start = System.nanoTime();
        CompletableFuture<HttpResponse<byte[]>> future = http.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray());
        HttpResponse<byte[]> response;
        try {
            // The request timeout alone stops at the response headers; this also bounds the body.
            response = future.get(limit.toMillis() + 50, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            future.cancel(true);
            throw new HttpTimeoutException(provider + ": no complete answer within " + limit);
        } catch (InterruptedException e) {
            future.cancel(true);
            throw e;
        } catch (ExecutionException e) {
            throw rethrow(e);
        }
        Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
        log.debug("{} POST {} -> HTTP {} in {} ms", provider, chatUri.getPath(), response.statusCode(), elapsed.toMillis());
        return new ChatResult(provider, response.statusCode(), response.headers().map(), response.body(), elapsed);
    }

    /** As {@link #chat(String, byte[])}, serialising the body. */
    public ChatResult chat(String apiKeySecret, JsonNode requestBody) throws IOException, InterruptedException {
        return chat(apiKeySecret, Json.bytes(Json.requestObject(requestBody)));
    }

    /** As {@link #chat(String, byte[], Duration)}, serialising the body. */
    public ChatResult chat(String apiKeySecret, JsonNode requestBody, Duration timeout) throws IOException, InterruptedException {
        return chat(apiKeySecret, Json.bytes(Json.requestObject(requestBody)), timeout);
    }

    /**
     * Streams a chat completion on the calling thread's behalf and blocks until it ends; the
     * listener runs on HTTP client threads as events arrive. The body gets {@code "stream": true}
     * and {@code stream_options.include_usage: true} (other fields are kept), so the provider sends
     * usage at the end. A non-2xx answer is returned without calling the listener. Interrupting the
     * calling thread cancels the stream.
     *
     * @param requestBody a JSON object (an OpenAI chat request)
     * @throws IllegalArgumentException the body is not a JSON object
     * @throws IOException              connection refused/reset, also in the middle of the stream
     * @throws HttpTimeoutException     no response headers within the request timeout, or a silence of the
     *                                  stream as long as it
     */
    public StreamResult stream(String apiKeySecret, JsonNode requestBody, StreamListener listener)
            throws IOException, InterruptedException {
        return await(streamAsync(apiKeySecret, requestBody, listener));
    }

    /** As {@link #stream(String, JsonNode, StreamListener)} with a serialised body. */
    public StreamResult stream(String apiKeySecret, byte[] requestBody, StreamListener listener)
            throws IOException, InterruptedException {
        return await(streamAsync(apiKeySecret, requestBody, listener));
    }

    /**
     * Starts a stream and returns at once. See {@link #stream(String, JsonNode, StreamListener)} for
     * what is sent. The request timeout bounds the wait for the response headers and then each
     * silence of the stream (time the listener spends on an event does not count): a stream that
     * stalls fails with {@link HttpTimeoutException}.
     */
    public StreamHandle streamAsync(String apiKeySecret, JsonNode requestBody, StreamListener listener) {
        return start(apiKeySecret, streamingBody(Json.requestObject(requestBody).deepCopy()), listener);
    }

    /** As {@link #streamAsync(String, JsonNode, StreamListener)} with a serialised body. */
    public StreamHandle streamAsync(String apiKeySecret, byte[] requestBody, StreamListener listener) {
        return start(apiKeySecret, streamingBody(Json.requestObject(requestBody)), listener);
    }

    private StreamHandle start(String apiKeySecret, byte[] body, StreamListener listener) {
        Objects.requireNonNull(listener, "listener");
        HttpRequest request = request(apiKeySecret, body, "text/event-stream");
        StreamExchange exchange = new StreamExchange(provider, listener, requestTimeout);
        exchange.attach(http.sendAsync(request, exchange.bodyHandler()));
        return new StreamHandle(exchange);
    }

    private static byte[] streamingBody(ObjectNode body) {
        body.put("stream", true);
        JsonNode options = body.get("stream_options");
        ObjectNode opts = options instanceof ObjectNode o ? o : body.putObject("stream_options");
        opts.put("include_usage", true);
        return Json.bytes(body);
    }

    /**
     * Waits for a stream started by {@link #streamAsync} as {@link #stream} does: its failure as the
     * I/O exception it was, and an interrupt cancels it.
     */
    public static StreamResult await(StreamHandle handle) throws IOException, InterruptedException {
        try {
            return handle.result().get();
        } catch (InterruptedException e) {
            handle.cancel();
            throw e;
        } catch (ExecutionException e) {
            throw rethrow(e);
        }
    }

    private HttpRequest request(String secret, byte[] body, String accept) {
        return request(secret, body, accept, requestTimeout);
    }

    private HttpRequest request(String secret, byte[] body, String accept, Duration timeout) {
        checkSecret(secret);
        HttpRequest.Builder b = HttpRequest.newBuilder(chatUri)
                .timeout(timeout)
                .header("Content-Type", "application/json")
                .header("Accept", accept)
                .header("User-Agent", USER_AGENT);
        extraHeaders.forEach(b::header);
        try {
            b.header("Authorization", "Bearer " + secret.trim());
        } catch (IllegalArgumentException e) {
            // The JDK's message could echo the value; ours does not.
            throw new IllegalArgumentException("API key secret is not a valid HTTP header value");
        }
        return b.POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
    }

    private static void checkSecret(String secret) {
        if (secret == null || secret.isBlank()) {
            throw new IllegalArgumentException("API key secret is empty");
        }
        String s = secret.trim();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c <= ' ' || c >= 0x7f) {
                throw new IllegalArgumentException("API key secret contains a character not allowed in an HTTP header"
                        + " (whitespace, control or non-ASCII) at position " + i);
            }
        }
    }

    /** Unwraps an async failure into what the synchronous methods declare. */
    private static IOException rethrow(ExecutionException e) {
        Throwable c = StreamExchange.unwrap(e);
        if (c instanceof IOException io) {
            return io;
        }
        if (c instanceof RuntimeException r) {
            throw r;
        }
        if (c instanceof Error err) {
            throw err;
        }
        return new IOException(c.getClass().getName(), c);
    }

    @Override
    public String toString() { return "OpenAiCompatClient[" + provider + " " + chatUri + "]"; }

    /** Settings of an {@link OpenAiCompatClient}; each setter checks its argument at once. */
    public static final class Builder {
        private final URI baseUri;
        private String provider;
        private Duration connectTimeout = Duration.ofSeconds(10);
        private Duration requestTimeout = Duration.ofSeconds(120);
        private HttpClient httpClient;
        private final Map<String, String> headers = new LinkedHashMap<>();

        private Builder(URI baseUri) {
            Objects.requireNonNull(baseUri, "baseUri");
            String scheme = baseUri.getScheme() == null ? "" : baseUri.getScheme().toLowerCase(Locale.ROOT);
            if (!baseUri.isAbsolute() || !(scheme.equals("http") || scheme.equals("https")) || baseUri.getHost() == null) {
                throw new IllegalArgumentException("base URI must be an absolute http(s) URI with a host, was " + safe(baseUri));
            }
            if (baseUri.getRawUserInfo() != null) {
                throw new IllegalArgumentException("base URI must not carry credentials: " + safe(baseUri));
            }
            if (baseUri.getRawQuery() != null || baseUri.getRawFragment() != null) {
                throw new IllegalArgumentException("base URI must not have a query or fragment: " + safe(baseUri));
            }
            this.baseUri = baseUri;
        }

        /** The URI without what may hold a secret: credentials, query and fragment. */
        private static String safe(URI u) {
            String host = u.getHost() == null ? "" : u.getHost() + (u.getPort() < 0 ? "" : ":" + u.getPort());
            if (u.getScheme() == null || u.getHost() == null) return u.getRawUserInfo() == null && u.getRawQuery() == null
                    && u.getRawFragment() == null ? u.toString() : "(a URI not shown)";
            return u.getScheme() + "://" + (u.getRawUserInfo() == null ? "" : "…@") + host
                    + (u.getRawPath() == null ? "" : u.getRawPath()) + (u.getRawQuery() == null && u.getRawFragment() == null ? "" : "?…");
        }

        /** Provider name for exception messages and logs ({@code groq}). */
        public Builder provider(String name) {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("provider name must not be blank");
            }
            this.provider = name.trim();
            return this;
        }

        /** Time to establish the TCP/TLS connection (default 10 s). Ignored with {@link #httpClient}. */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = positive("connectTimeout", timeout);
            return this;
        }

        /**
         * Limit for one call (default 120 s): for {@link #chat} the whole answer, for streams the
         * wait for the response headers and each silence after them.
         */
        public Builder requestTimeout(Duration timeout) {
            this.requestTimeout = positive("requestTimeout", timeout);
            return this;
        }

        /**
         * A header sent on every request (OpenRouter's {@code HTTP-Referer}, {@code X-Title}).
         * {@code Authorization} is set per call and refused here.
         */
        public Builder header(String name, String value) {
            if (name == null || name.isBlank() || value == null) {
                throw new IllegalArgumentException("header name and value must be given, was " + name + "=" + value);
            }
            if (name.equalsIgnoreCase("authorization")) {
                throw new IllegalArgumentException("Authorization is set per call from the key; do not set it as a header");
            }
            HttpRequest.newBuilder(URI.create("http://localhost/")).header(name, value); // validates name and value
            headers.put(name, value);
            return this;
        }

        /** Shares an existing client (e.g. one for all providers); it should speak HTTP/1.1 or negotiate. */
        public Builder httpClient(HttpClient client) {
            this.httpClient = Objects.requireNonNull(client, "httpClient");
            return this;
        }

        public OpenAiCompatClient build() { return new OpenAiCompatClient(this); }

        private static Duration positive(String name, Duration d) {
            if (d == null || d.isZero() || d.isNegative()) {
                throw new IllegalArgumentException(name + " must be > 0, was " + d);
            }
            return d;
        }
    }
}
