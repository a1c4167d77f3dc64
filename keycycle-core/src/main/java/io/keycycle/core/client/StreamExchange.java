package io.keycycle.core.client;


import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodySubscribers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One streaming exchange: the body handler that picks SSE or buffered reading by status and
 * content type, the line subscriber that feeds the {@link SseParser}, and the result future.
 * Demand is one line at a time, so nothing is read ahead of the listener beyond the HTTP client's
 * own buffers. After [DONE] the rest of the body is drained silently so the connection can be reused.
 */
final class StreamExchange implements Flow.Subscriber<String> {

    private final String provider;
    private final StreamListener listener;
    private final long startNanos = System.nanoTime();
    private final CompletableFuture<StreamResult> result = new CompletableFuture<>();
    private final StreamAccumulator acc = new StreamAccumulator();
    private final SseParser parser = new SseParser(this::onSse);
    private final AtomicBoolean cancelled = new AtomicBoolean();
    private volatile Flow.Subscription subscription;
    private volatile HttpResponse.ResponseInfo info;
    private volatile CompletableFuture<?> sendFuture;
    private volatile boolean ended; // [DONE] seen, listener stopped us, or failed: deliver nothing more

    StreamExchange(String provider, StreamListener listener) {
        this.provider = provider;
        this.listener = listener;
    }

    CompletableFuture<StreamResult> result() { return result; }

    boolean isCancelled() { return cancelled.get(); }

    HttpResponse.BodyHandler<Void> bodyHandler() {
        return responseInfo -> {
            this.info = responseInfo;
            if (responseInfo.statusCode() / 100 == 2 && isEventStream(responseInfo)) {
                return BodySubscribers.fromLineSubscriber(this, s -> null, StandardCharsets.UTF_8, null);
            }
            return BodySubscribers.mapping(BodySubscribers.ofByteArray(), bytes -> {
                completeBuffered(responseInfo, bytes);
                return null;
            });
        };
    }

    /** Wires the future of {@code sendAsync}: failures before or during the body fail the result. */
    void attach(CompletableFuture<?> future) {
        this.sendFuture = future;
        future.whenComplete((r, failure) -> {
            if (failure != null && !cancelled.get()) {
                result.completeExceptionally(unwrap(failure));
            }
        });
        if (cancelled.get()) {
            future.cancel(true);
        }
    }

    private static boolean isEventStream(HttpResponse.ResponseInfo info) {
        String type = info.headers().firstValue("content-type").orElse("");
        return type.isEmpty() || type.toLowerCase(Locale.ROOT).contains("text/event-stream");
    }

    private void completeBuffered(HttpResponse.ResponseInfo responseInfo, byte[] bytes) {
        // a 2xx JSON answer instead of a stream: the provider ignored "stream", or an error in a 200 body
        result.complete(StreamDecoder.buffered(provider, responseInfo.statusCode(), responseInfo.headers().map(),
                new String(bytes, StandardCharsets.UTF_8), elapsed()));
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
        this.subscription = s;
        if (cancelled.get()) {
            s.cancel();
        } else {
            s.request(1);
        }
    }

    @Override
    public void onNext(String line) {
        if (cancelled.get()) {
            return;
        }
        if (ended) {
            subscription.request(1); // draining after [DONE]
            return;
        }
        try {
            parser.line(line);
        } catch (RuntimeException | Error e) {
            fail(e);
            return;
        }
        if (!cancelled.get()) {
            subscription.request(1);
        }
    }

    private void onSse(SseEvent event) {
        if (ended || cancelled.get()) {
            return;
        }
        if (event.isDone()) {
            acc.markDone();
            ended = true;
            listener.onEvent(event);
            complete();
            return;
        }
        acc.inspect(event.data());
        if (!listener.onEvent(event)) {
            cancel();
        }
    }

    @Override
    public void onError(Throwable failure) {
        if (!cancelled.get()) {
            result.completeExceptionally(unwrap(failure));
        }
    }

    @Override
    public void onComplete() {
        if (!ended && !cancelled.get()) {
            try {
                parser.finish();
            } catch (RuntimeException | Error e) {
                fail(e);
                return;
            }
        }
        complete();
    }

    void cancel() {
        if (result.isDone() || !cancelled.compareAndSet(false, true)) {
            return;
        }
        ended = true;
        Flow.Subscription s = subscription;
        if (s != null) {
            s.cancel();
        }
        CompletableFuture<?> f = sendFuture;
        if (f != null) {
            f.cancel(true);
        }
        HttpResponse.ResponseInfo ri = info;
        result.complete(acc.result(provider, ri == null ? 0 : ri.statusCode(), headers(ri), true, elapsed()));
    }

    private void complete() {
        if (!cancelled.get()) {
            HttpResponse.ResponseInfo ri = info;
            result.complete(acc.result(provider, ri.statusCode(), headers(ri), false, elapsed()));
        }
    }

    private void fail(Throwable t) {
        ended = true;
        result.completeExceptionally(t); // first, so the cancelled send future cannot complete it
        Flow.Subscription s = subscription;
        if (s != null) {
            s.cancel();
        }
        CompletableFuture<?> f = sendFuture;
        if (f != null) {
            f.cancel(true);
        }
    }

    private static Map<String, List<String>> headers(HttpResponse.ResponseInfo ri) {
        return ri == null ? Map.of() : ri.headers().map();
    }

    private Duration elapsed() { return Duration.ofNanos(System.nanoTime() - startNanos); }

    static Throwable unwrap(Throwable t) {
        Throwable c = t;
        while ((c instanceof CompletionException || c instanceof ExecutionException) && c.getCause() != null) {
            c = c.getCause();
        }
        return c;
    }
}
