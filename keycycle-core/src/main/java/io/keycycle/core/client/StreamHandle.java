package io.keycycle.core.client;

import java.util.concurrent.CompletableFuture;

/**
 * A running stream started by {@link OpenAiCompatClient#streamAsync}. Its {@link #result()}
 * completes when the stream completes, is cancelled, or fails (exceptionally, with the
 * {@link java.io.IOException} / {@link java.net.http.HttpTimeoutException} or the listener's exception).
 */
public final class StreamHandle {

    private final StreamExchange exchange;

    StreamHandle(StreamExchange exchange) {
        this.exchange = exchange;
    }

    /**
     * Stops reading and closes the connection. The result completes with
     * {@link StreamResult#cancelled()} true. Idempotent; a no-op once the stream has ended. An event
     * being delivered at that moment may still reach the listener, none after it.
     */
    public void cancel() { exchange.cancel(); }

    /** Completes as described above; cancelling this future does not cancel the stream. */
    public CompletableFuture<StreamResult> result() { return exchange.result().copy(); }

    public boolean isCancelled() { return exchange.isCancelled(); }

    /**
     * The usage the stream has reported so far (the usage chunk), or null: what a stream that
     * failed after that chunk had used.
     */
    public io.keycycle.core.Usage usageSoFar() { return exchange.usage(); }
}
