package io.keycycle.langchain4j;

import dev.langchain4j.exception.TimeoutException;
import dev.langchain4j.http.client.HttpClient;
import dev.langchain4j.http.client.HttpClientBuilder;
import dev.langchain4j.http.client.HttpRequest;
import dev.langchain4j.http.client.SuccessfulHttpResponse;
import dev.langchain4j.http.client.sse.ServerSentEvent;
import dev.langchain4j.http.client.sse.ServerSentEventContext;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * LangChain4j's {@link HttpClient} SPI on {@code java.net.http}, like its JDK client except that a
 * non-2xx answer becomes a {@link ProviderStatusException} with status, headers and body. One JDK
 * client (HTTP/1.1, connection pool) is shared by every delegate of a rotating model. The read
 * timeout LangChain4j asks for (the model's request timeout) bounds a whole plain answer, headers
 * and body, and each silence of a stream: its wait for the headers, then the gap between two reads.
 * Multipart requests (audio, images upload) are
 * not supported: chat completions do not use them.
 */
final class StatusKeepingHttpClient implements HttpClient {

    /**
     * The deadline ({@link System#nanoTime()}) of the rotating model's call the current thread is
     * making, or null: a plain answer waits at most until then, whatever is left of the request timeout.
     */
    private static final ThreadLocal<Long> CALL_DEADLINE = new ThreadLocal<>();

    /** Checks the streams' silences; one daemon thread for every client, idle when no stream runs. */
    private static final ScheduledExecutorService WATCHDOG = watchdog();

    private final String provider;
    private final java.net.http.HttpClient jdk;
    private final Duration readTimeout;

    StatusKeepingHttpClient(String provider, java.net.http.HttpClient jdk, Duration readTimeout) {
        this.provider = provider;
        this.jdk = jdk;
        this.readTimeout = readTimeout;
    }

    private static ScheduledExecutorService watchdog() {
        ScheduledThreadPoolExecutor e = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "keycycle-lc4j-stream-watchdog");
            t.setDaemon(true);
            return t;
        });
        e.setRemoveOnCancelPolicy(true);
        return e;
    }

    static java.net.http.HttpClient newJdkClient() {
        return java.net.http.HttpClient.newBuilder()
                .version(java.net.http.HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10))
                .build();
    }

    /** Runs {@code call} (a delegate's request, on this thread) with the call's deadline in force. */
    static <T> T withinDeadline(long deadlineNanos, java.util.function.Supplier<T> call) {
        Long outer = CALL_DEADLINE.get();
        CALL_DEADLINE.set(deadlineNanos);
        try {
            return call.get();
        } finally {
            if (outer == null) CALL_DEADLINE.remove();
            else CALL_DEADLINE.set(outer);
        }
    }

    @Override
    public SuccessfulHttpResponse execute(HttpRequest request) {
        // java.net.http's request timeout ends when the headers arrive: a body that never comes would
        // hold the caller for as long as the provider keeps the connection. The whole answer is bounded.
        CompletableFuture<HttpResponse<byte[]>> answer = jdk.sendAsync(toJdk(request), HttpResponse.BodyHandlers.ofByteArray());
        // The call's deadline, when it comes first, ends the wait too: an attempt started late gets
        // what is left of the call, not a whole request timeout of its own.
        Long deadline = CALL_DEADLINE.get();
        long left = deadline == null ? Long.MAX_VALUE : Math.max(1_000_000L, deadline - System.nanoTime());
        boolean byDeadline = readTimeout == null || left < readTimeout.toNanos();
        HttpResponse<byte[]> r;
        try {
            r = byDeadline && deadline == null ? answer.get() : answer.get(byDeadline ? left : readTimeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            answer.cancel(true);
            throw new TimeoutException(new HttpTimeoutException(provider + " sent no complete answer "
                    + (byDeadline ? "before the call's deadline" : "within " + readTimeout)));
        } catch (InterruptedException e) {
            answer.cancel(true);
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted during a request to " + provider, e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            if (cause instanceof HttpTimeoutException) throw new TimeoutException(cause);
            if (cause instanceof IOException io) throw new UncheckedIOException(io);
            if (cause instanceof RuntimeException re) throw re;
            throw new IllegalStateException("request to " + provider + " failed: " + cause, cause);
        }
        if (!isSuccess(r.statusCode())) {
            throw failure(r.statusCode(), r, new String(r.body(), StandardCharsets.UTF_8));
        }
        return SuccessfulHttpResponse.builder().statusCode(r.statusCode()).headers(r.headers().map()).body(r.body()).build();
    }

    @Override
    public void execute(HttpRequest request, ServerSentEventParser parser, ServerSentEventListener listener) {
        jdk.sendAsync(toJdk(request), HttpResponse.BodyHandlers.ofInputStream())
                .thenAccept(r -> {
                    IdleWatch watch = null;
                    try (InputStream in = r.body()) {
                        if (!isSuccess(r.statusCode())) {
                            String body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                            quietly(() -> listener.onError(failure(r.statusCode(), r, body)));
                            return;
                        }
                        quietly(() -> listener.onOpen(SuccessfulHttpResponse.builder().statusCode(r.statusCode())
                                .headers(r.headers().map()).build()));
                        watch = readTimeout == null ? null : new IdleWatch(in, readTimeout);
                        parser.parse(watch == null ? in : watch.stream(), watch == null ? listener : watch.listener(listener));
                        if (watch == null || !watch.timedOut()) quietly(listener::onClose);
                    } catch (IOException e) {
                        if (watch == null || !watch.timedOut()) quietly(() -> listener.onError(e));
                    } finally {
                        if (watch != null) {
                            watch.stop();
                            if (watch.timedOut()) quietly(() -> listener.onError(new TimeoutException(new HttpTimeoutException(
                                    provider + " sent nothing on the stream for " + readTimeout))));
                        }
                    }
                })
                .exceptionally(t -> {
                    Throwable cause = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
                    Throwable reported = cause instanceof HttpTimeoutException ? new TimeoutException(cause) : cause;
                    quietly(() -> listener.onError(reported));
                    return null;
                });
    }

    /**
     * Ends a stream that stays silent for the read timeout (java.net.http bounds only the wait for the
     * headers): the body is closed, so the reader returns, and the listener hears one timeout instead
     * of the end of an answer. What the parser reports after that is not passed on.
     */
    private static final class IdleWatch implements Runnable {
        private final InputStream in;
        private final long limitNanos;
        private volatile long lastRead = System.nanoTime();
        private volatile boolean timedOut;
        private volatile boolean stopped;
        private volatile java.util.concurrent.ScheduledFuture<?> next;

        IdleWatch(InputStream in, Duration limit) {
            this.in = in;
            this.limitNanos = limit.toNanos();
            this.next = WATCHDOG.schedule(this, limitNanos, TimeUnit.NANOSECONDS);
        }

        boolean timedOut() { return timedOut; }

        void stop() {
            stopped = true;
            next.cancel(false);
        }

        @Override
        public void run() {
            if (stopped) return;
            long idle = System.nanoTime() - lastRead;
            if (idle < limitNanos) {
                next = WATCHDOG.schedule(this, limitNanos - idle, TimeUnit.NANOSECONDS);
                if (stopped) next.cancel(false);
                return;
            }
            timedOut = true;
            try {
                in.close();
            } catch (IOException | RuntimeException ignored) {
                // closing is all that is wanted; the reader returns either way
            }
        }

        InputStream stream() {
            return new java.io.FilterInputStream(in) {
                @Override public int read() throws IOException {
                    int b = super.read();
                    lastRead = System.nanoTime();
                    return b;
                }

                @Override public int read(byte[] buf, int off, int len) throws IOException {
                    int n = super.read(buf, off, len);
                    lastRead = System.nanoTime();
                    return n;
                }
            };
        }

        ServerSentEventListener listener(ServerSentEventListener delegate) {
            return new ServerSentEventListener() {
                @Override public void onOpen(SuccessfulHttpResponse response) { delegate.onOpen(response); }

                @Override public void onEvent(ServerSentEvent event, ServerSentEventContext context) {
                    if (!timedOut) delegate.onEvent(event, context);
                }

                @Override public void onEvent(ServerSentEvent event) {
                    if (!timedOut) delegate.onEvent(event);
                }

                @Override public void onError(Throwable error) {
                    if (!timedOut) delegate.onError(error);
                }

                @Override public void onClose() {
                    if (!timedOut) delegate.onClose();
                }
            };
        }
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
