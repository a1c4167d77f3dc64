package io.keycycle.core.client;


import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodySubscribers;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One streaming exchange: the body handler that picks SSE or buffered reading by status and
 * content type, the line subscriber that feeds the {@link SseParser}, and the result future.
 * Demand is one line at a time, so nothing is read ahead of the listener beyond the HTTP client's
 * own buffers. After [DONE] the rest of the body is drained silently so the connection can be reused.
 *
 * <p>With an idle timeout, a silence of the provider that long ends the exchange with an
 * {@link HttpTimeoutException} ({@code java.net.http}'s own request timeout ends with the headers, so
 * a provider that sent them and then nothing held the stream for as long as it kept the connection).
 * Time the listener spends on an event is not silence.
 */
final class StreamExchange implements Flow.Subscriber<String> {

    /** Checks the silences of every stream; one daemon thread, idle when no stream runs. */
    private static final ScheduledExecutorService WATCHDOG = watchdog();

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
    private final long idleNanos;    // 0: no idle timeout
    private final Duration idleTimeout;
    private volatile long lastActivity = System.nanoTime();
    private volatile boolean inListener;
    private volatile ScheduledFuture<?> check;

    StreamExchange(String provider, StreamListener listener) {
        this(provider, listener, null);
    }

    /** @param idleTimeout the longest silence of the provider taken (null: none) */
    StreamExchange(String provider, StreamListener listener, Duration idleTimeout) {
        this.provider = provider;
        this.listener = listener;
        this.idleTimeout = idleTimeout;
        this.idleNanos = idleTimeout == null ? 0 : Math.max(1, saturatedNanos(idleTimeout));
    }

    private static long saturatedNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE / 4;
        }
    }

    private static ScheduledExecutorService watchdog() {
        ScheduledThreadPoolExecutor e = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "keycycle-stream-watchdog");
            t.setDaemon(true);
            return t;
        });
        e.setRemoveOnCancelPolicy(true);
        return e;
    }

    /** Arms the idle check {@code delayNanos} from now, unless the exchange is over. */
    private void watchIn(long delayNanos) {
        if (idleNanos == 0 || result.isDone()) return;
        check = WATCHDOG.schedule(this::checkIdle, delayNanos, TimeUnit.NANOSECONDS);
    }

    private void checkIdle() {
        if (result.isDone()) return;
        long silent = System.nanoTime() - lastActivity;
        if (inListener || silent < idleNanos) {
            watchIn(inListener ? idleNanos : idleNanos - silent);
            return;
        }
        fail(new HttpTimeoutException(provider + " sent nothing on the stream for " + idleTimeout));
    }

    CompletableFuture<StreamResult> result() { return result; }

    /** The usage the stream has reported so far (its usage chunk), or null. */
    io.keycycle.core.Usage usage() { return acc.usage(); }

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
        result.whenComplete((r, failure) -> {
            ScheduledFuture<?> c = check;
            if (c != null) c.cancel(false);
        });
        if (cancelled.get()) {
            future.cancel(true);
        } else {
            watchIn(idleNanos);
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
        lastActivity = System.nanoTime();
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
        lastActivity = System.nanoTime();
        inListener = true;
        try {
            parser.line(line);
        } catch (RuntimeException | Error e) {
            fail(e);
            return;
        } finally {
            lastActivity = System.nanoTime();
            inListener = false;
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
            if (acc.events() == 0) {
                // [DONE] before any event: the provider answered nothing, not an empty completion
                fail(new java.io.EOFException("the stream from " + provider + " sent [DONE] before any event"));
                return;
            }
            acc.markDone();
            ended = true;
            listener.onEvent(event);
            complete();
            return;
        }
        if (!acc.inspect(event.data())) {
            ended = true; // an error event before any other: not delivered, the stream ends as that failure
            complete();
            return;
        }
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
            if (!ended && acc.events() == 0) {
                // the body ended without one event and without [DONE]: the provider answered nothing
                // (a stall its server gave up on, a proxy closing cleanly), not an empty completion
                fail(new java.io.EOFException("the stream from " + provider + " ended without any event or [DONE]"));
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
