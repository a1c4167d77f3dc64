package io.keycycle.langchain4j;

import dev.langchain4j.exception.TimeoutException;
import dev.langchain4j.http.client.HttpClient;
import dev.langchain4j.http.client.HttpClientBuilder;
import dev.langchain4j.http.client.HttpRequest;
import dev.langchain4j.http.client.SuccessfulHttpResponse;
import dev.langchain4j.http.client.sse.ServerSentEventListener;
import dev.langchain4j.http.client.sse.ServerSentEventParser;
import io.keycycle.core.ProviderResponse;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletionException;

/**
 * LangChain4j's {@link HttpClient} SPI on {@code java.net.http}, like its JDK client except that a
 * non-2xx answer becomes a {@link ProviderStatusException} with status, headers and body. One JDK
 * client (HTTP/1.1, connection pool) is shared by every delegate of a rotating model; the read
 * timeout LangChain4j asks for bounds each request. Multipart requests (audio, images upload) are
 * not supported: chat completions do not use them.
 */
final class StatusKeepingHttpClient implements HttpClient {

    private final String provider;
    private final java.net.http.HttpClient jdk;
    private final Duration readTimeout;

    StatusKeepingHttpClient(String provider, java.net.http.HttpClient jdk, Duration readTimeout) {
        this.provider = provider;
        this.jdk = jdk;
        this.readTimeout = readTimeout;
    }

    static java.net.http.HttpClient newJdkClient() {
        return java.net.http.HttpClient.newBuilder()
                .version(java.net.http.HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10))
                .build();
    }

    @Override
    public SuccessfulHttpResponse execute(HttpRequest request) {
        try {
            HttpResponse<byte[]> r = jdk.send(toJdk(request), HttpResponse.BodyHandlers.ofByteArray());
            if (!isSuccess(r.statusCode())) {
                throw failure(r.statusCode(), r, new String(r.body(), StandardCharsets.UTF_8));
            }
            return SuccessfulHttpResponse.builder().statusCode(r.statusCode()).headers(r.headers().map()).body(r.body()).build();
        } catch (HttpTimeoutException e) {
            throw new TimeoutException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted during a request to " + provider, e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void execute(HttpRequest request, ServerSentEventParser parser, ServerSentEventListener listener) {
        jdk.sendAsync(toJdk(request), HttpResponse.BodyHandlers.ofInputStream())
                .thenAccept(r -> {
                    try (InputStream in = r.body()) {
                        if (!isSuccess(r.statusCode())) {
                            String body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                            quietly(() -> listener.onError(failure(r.statusCode(), r, body)));
                            return;
                        }
                        quietly(() -> listener.onOpen(SuccessfulHttpResponse.builder().statusCode(r.statusCode())
                                .headers(r.headers().map()).build()));
                        parser.parse(in, listener);
                        quietly(listener::onClose);
                    } catch (IOException e) {
                        quietly(() -> listener.onError(e));
                    }
                })
                .exceptionally(t -> {
                    Throwable cause = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
                    Throwable reported = cause instanceof HttpTimeoutException ? new TimeoutException(cause) : cause;
                    quietly(() -> listener.onError(reported));
                    return null;
                });
    }

    private ProviderStatusException failure(int status, HttpResponse<?> r, String body) {
        return new ProviderStatusException(provider, new ProviderResponse(status, r.headers().map(), body));
    }

    private java.net.http.HttpRequest toJdk(HttpRequest request) {
        if (!request.formDataFields().isEmpty() || !request.formDataFiles().isEmpty()) {
            throw new UnsupportedOperationException("multipart requests are not supported by the Keycycle transport");
        }
        java.net.http.HttpRequest.Builder b = java.net.http.HttpRequest.newBuilder(URI.create(request.url()));
        request.headers().forEach((name, values) -> {
            if (values != null) values.forEach(v -> b.header(name, v));
        });
        b.method(request.method().name(), request.body() == null
                ? java.net.http.HttpRequest.BodyPublishers.noBody()
                : java.net.http.HttpRequest.BodyPublishers.ofString(request.body()));
        if (readTimeout != null) b.timeout(readTimeout);
        return b.build();
    }

    private static boolean isSuccess(int status) {
        return status >= 200 && status <= 299;
    }

    /** Listener callbacks must not break the transport (LangChain4j's clients ignore their exceptions too). */
    private static void quietly(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException ignored) {
            // the listener's own failure is its business
        }
    }

    /** The {@link HttpClientBuilder} LangChain4j's OpenAI models are given. */
    static final class Builder implements HttpClientBuilder {
        private final String provider;
        private final java.net.http.HttpClient jdk;
        private Duration connectTimeout;
        private Duration readTimeout;

        Builder(String provider, java.net.http.HttpClient jdk) {
            this.provider = provider;
            this.jdk = jdk;
        }

        @Override public Duration connectTimeout() { return connectTimeout; }

        /** Recorded only: the shared JDK client's connect timeout (10 s) applies. */
        @Override public Builder connectTimeout(Duration timeout) { this.connectTimeout = timeout; return this; }

        @Override public Duration readTimeout() { return readTimeout; }

        @Override public Builder readTimeout(Duration timeout) { this.readTimeout = timeout; return this; }

        @Override public HttpClient build() { return new StatusKeepingHttpClient(provider, jdk, readTimeout); }
    }
}
