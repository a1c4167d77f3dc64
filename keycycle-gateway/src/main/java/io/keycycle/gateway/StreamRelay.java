package io.keycycle.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.keycycle.core.client.SseEvent;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;

/**
 * The client's side of one streaming request: forwards a provider's server-sent events as they
 * arrive, all on the request's event loop. The response head (status 200, {@code x-keycycle-*})
 * goes out with the first event, so rotation before the first chunk stays invisible and a failure
 * before it still gets a proper error status.
 *
 * <p>Back-pressure: {@link #writeQueueFull()} and {@link #onDrain} let the {@link StreamAttempt}
 * pause the upstream while the client is slow. A provider that answered a whole JSON completion
 * although a stream was asked for is passed on as one {@code chat.completion.chunk} event and
 * {@code [DONE]}, not as an empty stream.
 */
final class StreamRelay {

    private static final Buffer DONE = Buffer.buffer(SseEvent.data(SseEvent.DONE).toWire());

    private final HttpServerResponse response;
    private ServedBy current;
    private volatile boolean gone; // read by StreamCall.attempt, which may run off the event loop (a store that admits on its own threads)
    private boolean started;
    private boolean errorForwarded;
    private Runnable onStart;
    private boolean usageChunks = true;

    StreamRelay(HttpServerResponse response) {
        this.response = response;
    }

    /**
     * Whether the client asked for usage ({@code stream_options.include_usage}). The gateway always
     * asks the provider, to record real tokens; for a client that did not ask, the usage-only chunk
     * ({@code "choices": []}) is not forwarded: OpenAI sends none then, and a client reading
     * {@code chunk.choices[0]} would fail on it.
     */
    void usageChunks(boolean wanted) { this.usageChunks = wanted; }

    /** Runs {@code r} once, when the response head goes out (from then on no other attempt can be made). */
    void onStart(Runnable r) { this.onStart = r; }

    /** The attempt about to start (set before its stream begins). */
    void attempt(ServedBy by) { this.current = by; }

    /** The client closed the connection. */
    void clientGone() { gone = true; }

    boolean isGone() { return gone || response.closed(); }

    /** True once the response head (and so at least one event) went out. */
    boolean started() { return started; }

    /**
     * One event of the current attempt, {@code wire} its bytes as the provider sent them (passed on
     * unchanged); false when the client is gone and reading should stop. The provider's
     * {@code [DONE]} is held back: the gateway sends its own in {@link #complete} once the engine
     * has settled the call, so a client that has {@code [DONE]} knows its usage is recorded.
     */
    boolean event(SseEvent event, Buffer wire) {
        if (isGone() || response.ended()) return false;
        if (event.isDone()) return true;
        if (!usageChunks && isUsageOnly(event.data())) return true;
        begin(current);
        if (!errorForwarded && event.data().contains("\"error\"") && isErrorEvent(event.data())) {
            errorForwarded = true;
        }
        response.write(wire);
        return true;
    }

    boolean writeQueueFull() { return response.writeQueueFull(); }

    /** Runs {@code r} once the client has taken enough of what was written. */
    void onDrain(Runnable r) { response.drainHandler(v -> r.run()); }

    /**
     * The call ended well and is settled: {@code wholeBody} (a JSON completion the provider sent
     * instead of events) as one chunk event, then the gateway's {@code [DONE]} (none after an error
     * event).
     */
    void complete(ServedBy by, String wholeBody) {
        if (isGone() || response.ended()) return;
        begin(by);
        if (wholeBody != null) response.write(SseEvent.data(asChunk(wholeBody)).toWire());
        if (!errorForwarded) response.write(DONE.copy());
        response.end();
    }

    /**
     * The call failed: an error status if nothing was sent yet, else an error event (unless the
     * provider's own error event was already forwarded) and the end of the stream.
     */
    void fail(ApiError error) {
        if (isGone() || response.ended()) return;
        if (!started) {
            error.send(response);
            return;
        }
        if (!errorForwarded) response.write(SseEvent.data(Jsons.write(error.body())).toWire());
        response.end();
    }

    private void begin(ServedBy by) {
        if (started) return;
        started = true;
        Runnable r = onStart;
        if (r != null) {
            onStart = null;
            r.run();
        }
        response.setStatusCode(200).setChunked(true)
                .putHeader("content-type", "text/event-stream; charset=utf-8")
                .putHeader("cache-control", "no-cache")
                .putHeader("x-accel-buffering", "no");
        if (by != null) by.putHeaders(response);
    }

    /** A {@code chat.completion} as the one {@code chat.completion.chunk} a stream would have carried. */
    static String asChunk(String completion) {
        JsonNode n = Jsons.tryParse(completion);
        if (!(n instanceof ObjectNode o) || !o.path("choices").isArray()) return completion.strip();
        ObjectNode chunk = Jsons.object();
        for (String f : new String[] {"id", "created", "model", "system_fingerprint"}) {
            if (o.hasNonNull(f)) chunk.set(f, o.get(f));
        }
        chunk.put("object", "chat.completion.chunk");
        ArrayNode choices = chunk.putArray("choices");
        for (JsonNode c : o.path("choices")) {
            ObjectNode d = choices.addObject();
            d.set("index", c.path("index").isMissingNode() ? Jsons.MAPPER.getNodeFactory().numberNode(0) : c.get("index"));
            d.set("delta", c.path("message").isObject() ? c.get("message") : Jsons.object());
            if (c.has("logprobs")) d.set("logprobs", c.get("logprobs"));
            d.set("finish_reason", c.has("finish_reason") ? c.get("finish_reason") : Jsons.MAPPER.getNodeFactory().nullNode());
        }
        if (o.has("usage")) chunk.set("usage", o.get("usage"));
        return Jsons.write(chunk);
    }

    /** A chunk that carries usage and no choice: what {@code include_usage} adds at the end of a stream. */
    static boolean isUsageOnly(String data) {
        // quoted, so a completion's text (its quotes escaped) never matches; parsed only then
        if (!data.contains("\"usage\"") || !data.contains("\"choices\"")) return false;
        JsonNode n = Jsons.tryParse(data);
        if (n == null || !n.path("usage").isObject()) return false;
        JsonNode choices = n.get("choices");
        return choices != null && choices.isArray() && choices.isEmpty();
    }

    /** As the engine judges an event (StreamAccumulator): a non-null {@code error}, or finish reason {@code error}. */
    private static boolean isErrorEvent(String data) {
        var n = Jsons.tryParse(data);
        return n != null && (n.hasNonNull("error") || n.path("choices").path(0).path("finish_reason").asText("").equals("error"));
    }
}
