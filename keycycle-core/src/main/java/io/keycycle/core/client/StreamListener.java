package io.keycycle.core.client;

import java.util.Objects;
import java.util.function.Consumer;

/**
 * Receives the events of a stream as they arrive, in order, one at a time, on an
 * {@link java.net.http.HttpClient} thread (do not block it for long: reading waits for you).
 * Every {@code data:} event is handed over verbatim: content chunks, the usage chunk, a
 * mid-stream error event, and finally {@code [DONE]} ({@link SseEvent#isDone()}) when the provider
 * sends one. Comment lines are not. An exception thrown here ends the stream and fails its result.
 */
@FunctionalInterface
public interface StreamListener {

    /** @return true to keep reading, false to cancel the stream and close the connection */
    boolean onEvent(SseEvent event);

    /** A listener that never cancels. */
    static StreamListener of(Consumer<SseEvent> consumer) {
        Objects.requireNonNull(consumer, "consumer");
        return e -> {
            consumer.accept(e);
            return true;
        };
    }
}
