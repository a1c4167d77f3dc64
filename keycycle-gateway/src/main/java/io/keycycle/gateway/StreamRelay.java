package io.keycycle.gateway;

import io.keycycle.core.client.SseEvent;
import io.keycycle.core.client.StreamHandle;
import io.keycycle.core.client.StreamListener;
import io.vertx.core.Context;
import io.vertx.core.http.HttpServerResponse;

/**
 * Forwards a provider's server-sent events to the gateway's client as they arrive. Events come on
 * HTTP-client threads; every write is handed to the request's Vert.x context, in order. The
 * response head (status 200, {@code x-keycycle-*}) goes out with the first event, so rotation
 * before the first chunk stays invisible and a failure before it still gets a proper error status.
 *
 * <p>When the client goes away, {@link #clientGone()} cancels the current upstream stream; the
 * engine then abandons the lease (the request stays counted). Slow clients are not throttled: an LLM stream is small.
 */
final class StreamRelay implements StreamListener {

    private final Context context;
    private final HttpServerResponse response;
    private volatile ServedBy current;
    private volatile StreamHandle handle;
    private volatile boolean gone;
    // touched only on the Vert.x context
    private boolean started;
    private boolean doneSent;
    private boolean errorForwarded;

    StreamRelay(Context context, HttpServerResponse response) {
        this.context = context;
        this.response = response;
    }

    /** The attempt about to start (set before its stream begins). */
    void attempt(ServedBy by) { this.current = by; }

    /** The running upstream stream; cancelled at once if the client has already gone. */
    void handle(StreamHandle h) {
        this.handle = h;
        if (gone) h.cancel();
    }

    /** The client closed the connection: stop reading upstream. */
    void clientGone() {
        gone = true;
        StreamHandle h = handle;
        if (h != null) h.cancel();
    }

    boolean isGone() { return gone; }

    @Override
    public boolean onEvent(SseEvent event) {
        if (gone) return false;
        ServedBy by = current;
        String wire = event.toWire();
        boolean done = event.isDone();
        boolean error = !done && event.data().contains("\"error\"") && isErrorEvent(event.data());
        context.runOnContext(v -> {
            if (response.closed() || response.ended()) return;
            begin(by);
            if (done) doneSent = true;
            if (error) errorForwarded = true;
            response.write(wire);
        });
        return true;
    }

    /** The call ended well: close the stream with {@code [DONE]} unless the provider sent it. */
    void complete(ServedBy by) {
        context.runOnContext(v -> {
            if (response.closed() || response.ended()) return;
            begin(by);
            if (!doneSent && !errorForwarded) response.write(SseEvent.data(SseEvent.DONE).toWire());
            response.end();
        });
    }

    /**
     * The call failed: an error status if nothing was sent yet, else an error event (unless the
     * provider's own error event was already forwarded) and the end of the stream.
     */
    void fail(ApiError error) {
        context.runOnContext(v -> {
            if (response.closed() || response.ended()) return;
            if (!started) {
                error.send(response);
                return;
            }
            if (!errorForwarded) response.write(SseEvent.data(Jsons.write(error.body())).toWire());
            response.end();
        });
    }

    private void begin(ServedBy by) {
        if (started) return;
        started = true;
        response.setStatusCode(200).setChunked(true)
                .putHeader("content-type", "text/event-stream; charset=utf-8")
                .putHeader("cache-control", "no-cache")
                .putHeader("x-accel-buffering", "no");
        if (by != null) by.putHeaders(response);
    }

    private static boolean isErrorEvent(String data) {
        var n = Jsons.tryParse(data);
        return n != null && (n.has("error") || n.path("choices").path(0).path("finish_reason").asText("").equals("error"));
    }
}
