package io.keycycle.gateway;

import io.keycycle.core.client.StreamDecoder;
import io.keycycle.core.client.StreamResult;
import io.keycycle.core.pool.PartialAnswerException;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ConnectionPoolTooBusyException;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;

/**
 * One streaming attempt with one key, read on the event loop of the request it serves. An event
 * stream is scanned chunk by chunk (usage, error events, {@code [DONE]}) and each complete event
 * is handed to the {@link StreamRelay} at once as the provider's own bytes — a slice of the chunk
 * it arrived in, never re-encoded; only the bytes of an event split across chunks are copied. When
 * the client's write queue is full the upstream response is paused until it drains, so a slow
 * client slows the provider down instead of filling the gateway's memory. Any other answer (an
 * error status, a JSON body to a stream request, an HTML page) is buffered up to the body limit and
 * handed to the engine whole.
 *
 * <p>Guards against stalled and hostile upstreams: an idle timeout between chunks (from the request
 * on, so a stall after the headers counts), an overall deadline, the body limit (also on the bytes
 * held back for an event not yet complete: comment lines, an event that never ends), the line limit.
 * Each ends the attempt with a failure the engine classifies; after the first event reached the
 * client the failure is a {@link PartialAnswerException}, never retried with another key.
 *
 * <p>Completes exactly once; everything runs on one event loop, so no field needs a lock.
 */
final class StreamAttempt implements Upstream.Exchange {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(StreamAttempt.class);

    private final String provider;
    private final StreamRelay relay;
    final CompletableFuture<StreamAnswer> result = new CompletableFuture<>();
    private final long startNanos = System.nanoTime();
    private Vertx vertx;
    private UpstreamLimits limits;
    private HttpClientRequest request;
    private HttpClientResponse response;
    private StreamDecoder decoder;
    private int status;
    private long idleTimer = -1;
    private long deadlineTimer = -1;
    private long lastActivity;
    private boolean paused;
    private boolean finished;
    // the raw bytes not yet handed on: the tail of earlier chunks (an event split across chunks),
    // then the current chunk from chunkFrom on
    private Buffer pending;
    private Buffer chunkBuf;
    private int chunkBase;
    private int chunkFrom;

    StreamAttempt(String provider, StreamRelay relay) {
        this.provider = provider;
        this.relay = relay;
    }

    /** Arms the idle timer and the deadline; called by {@link Upstream#stream} just before sending. */
    void begin(Vertx v, UpstreamLimits l) {
        this.vertx = v;
        this.limits = l;
        lastActivity = System.nanoTime();
        armIdle(l.streamIdleTimeout().toMillis());
        deadlineTimer = v.setTimer(l.streamDeadline().toMillis(), id -> {
            deadlineTimer = -1;
            fail(new TimeoutException("the stream from " + provider + " ran past the deadline of " + l.streamDeadline()));
        });
    }

    @Override public void attach(HttpClientRequest r) {
        request = r;
        if (result.isDone() && !finished) r.reset();
    }

    @Override public boolean isDone() { return result.isDone(); }

    /** The client went away: stop reading; the request stays counted if it was sent. */
    void cancel() {
        StreamResult partial = decoder == null ? null : decoder.result(status, headers(), true);
        if (result.complete(StreamAnswer.cancelled(partial, request != null))) stop(true);
    }

    @Override public void onFailure(Throwable failure, boolean sent) {
        if (failure instanceof ConnectionPoolTooBusyException) {
            if (result.complete(StreamAnswer.BUSY)) stop(false);
            return;
        }
        fail(failure);
    }

    @Override public void onResponse(HttpClientResponse resp) {
        response = resp;
        status = resp.statusCode();
        lastActivity = System.nanoTime();
        String type = resp.getHeader(HttpHeaders.CONTENT_TYPE);
        resp.exceptionHandler(e -> fail(UpstreamCutException.afterSend(e)));
        if (status / 100 == 2 && (type == null || type.toLowerCase(Locale.ROOT).contains("text/event-stream"))) {
            decoder = new StreamDecoder(provider, limits.maxLineBytes(), this::event);
            resp.handler(this::chunk);
            resp.endHandler(v -> end());
        } else {
            buffer(resp, type);
        }
    }

    private void chunk(Buffer b) {
        if (result.isDone()) return;
        lastActivity = System.nanoTime();
        try {
            io.netty.buffer.ByteBuf bb = ((io.vertx.core.internal.buffer.BufferInternal) b).getByteBuf();
            chunkBuf = b;
            chunkFrom = 0;
            if (bb.hasArray()) {
                chunkBase = bb.arrayOffset() + bb.readerIndex();
                decoder.feed(bb.array(), chunkBase, bb.readableBytes());
            } else {
                byte[] bytes = b.getBytes();
                chunkBase = 0;
                decoder.feed(bytes, 0, bytes.length);
            }
            keepRest();
        } catch (RuntimeException e) {
            chunkBuf = null;
            fail(UpstreamCutException.afterSend(e));
            return;
        }
        long held = Math.max(limits.maxBodyBytes(), limits.maxLineBytes());
        if (pending != null && pending.length() > held) {
            // lines that make no event (comments, an event that never ends) are held back for the
            // next event's bytes: bounded like any upstream body the gateway keeps (and never below
            // one line of the line limit, which a single event may take)
            pending = null;
            fail(UpstreamBodyTooLargeException.heldBack(provider, held));
            return;
        }
        if (decoder.stopped()) {
            cancel();
        } else if (decoder.ended()) {
            ended();
        } else if (relay.writeQueueFull() && !paused) {
            paused = true;
            response.pause();
            relay.onDrain(() -> {
                paused = false;
                lastActivity = System.nanoTime();
                if (!result.isDone()) response.resume();
            });
        }
    }

    /** One event from the decoder: its raw bytes go to the relay ({@code [DONE]} is the relay's to hold back). */
    private boolean event(io.keycycle.core.client.SseEvent e) {
        return relay.event(e, take(decoder.position()));
    }

    /**
     * The raw bytes not yet handed on, up to {@code arrayIndex} of the chunk being fed (a CR LF line
     * end kept whole), or all of them when the event ended with the body ({@code -1}).
     */
    private Buffer take(int arrayIndex) {
        Buffer wire;
        if (arrayIndex < 0 || chunkBuf == null) {
            wire = pending == null ? Buffer.buffer() : pending;
            pending = null;
            if (wire.length() > 0 && wire.getByte(wire.length() - 1) != '\n') wire.appendString("\n");
            return wire.appendString("\n");
        }
        int end = arrayIndex - chunkBase;
        if (end < chunkBuf.length() && chunkBuf.getByte(end - 1) == '\r' && chunkBuf.getByte(end) == '\n') end++;
        Buffer slice = chunkBuf.slice(chunkFrom, end);
        chunkFrom = end;
        if (pending == null) return slice;
        wire = pending.appendBuffer(slice);
        pending = null;
        return wire;
    }

    /** After a chunk: what follows its last complete event waits (copied) for the next chunk. */
    private void keepRest() {
        Buffer b = chunkBuf;
        chunkBuf = null;
        if (decoder.ended() || chunkFrom >= b.length()) return;
        if (pending == null) pending = Buffer.buffer(b.length() - chunkFrom);
        pending.appendBuffer(b, chunkFrom, b.length() - chunkFrom);
    }

    private void end() {
        if (result.isDone()) {
            stop(false);
            return;
        }
        try {
            decoder.finish();
        } catch (RuntimeException e) {
            fail(UpstreamCutException.afterSend(e));
            return;
        }
        if (decoder.stopped()) {
            cancel();
        } else {
            ended();
        }
    }

    /**
     * The stream is over ({@code [DONE]}, an error event before any other, or the body's end). With
     * no event and no error the provider answered nothing (a stall its server gave up on, a proxy
     * closing cleanly, a bare {@code [DONE]}), not an empty completion: a failure, and another key
     * may serve.
     */
    private void ended() {
        if (decoder.events() == 0 && decoder.errorEvent() == null) {
            fail(new java.io.EOFException("the stream from " + provider
                    + (decoder.ended() ? " sent [DONE] before any event" : " ended without any event or [DONE]")));
        } else {
            complete(decoder.result(status, headers(), false), null);
        }
    }

    /** Not an event stream: read the whole body (bounded) and let the engine judge it. */
    private void buffer(HttpClientResponse resp, String type) {
        long max = limits.maxBodyBytes();
        if (Upstream.parseLength(resp.getHeader(HttpHeaders.CONTENT_LENGTH)) > max) {
            fail(new UpstreamBodyTooLargeException(max));
            return;
        }
        Buffer body = Buffer.buffer();
        resp.handler(b -> {
            if (result.isDone()) return;
            lastActivity = System.nanoTime();
            if (body.length() + (long) b.length() > max) fail(new UpstreamBodyTooLargeException(max));
            else body.appendBuffer(b);
        });
        resp.endHandler(v -> {
            if (result.isDone()) {
                stop(false);
                return;
            }
            String text = body.toString(StandardCharsets.UTF_8);
            Duration elapsed = Duration.ofNanos(System.nanoTime() - startNanos);
            if (status / 100 == 2 && !(Jsons.tryParse(text) instanceof com.fasterxml.jackson.databind.node.ObjectNode)) {
                // a 200 that is neither an event stream nor a JSON object (a proxy's HTML page): an upstream failure
                var error = Jsons.object();
                error.putObject("error").put("message", provider + " answered HTTP " + status + " with content-type "
                        + (type == null ? "none" : type) + ", neither an event stream nor a JSON object");
                String why = Jsons.write(error);
                complete(StreamDecoder.buffered(provider, 502, headers(), why, elapsed), null);
            } else {
                complete(StreamDecoder.buffered(provider, status, headers(), text, elapsed), text);
            }
        });
    }

    private void complete(StreamResult r, String wholeBody) {
        if (result.complete(new StreamAnswer(r, wholeBody, false, true))) stop(false);
    }

    /** Fails the attempt: a partial answer once an event reached the client, else a plain failure. */
    private void fail(Throwable t) {
        if (result.isDone()) return;
        log.debug("stream attempt on {} failed after {} event(s): {}", provider, decoder == null ? 0 : decoder.events(), t.toString());
        Throwable f = decoder != null && decoder.events() > 0 && relay.started()
                ? new PartialAnswerException(provider, t, decoder.usage()) : t;
        if (result.completeExceptionally(f)) stop(true);
    }

    /** Cancels the timers; resets the request when the exchange is cut short. */
    private void stop(boolean reset) {
        finished = !reset;
        if (idleTimer >= 0) vertx.cancelTimer(idleTimer);
        if (deadlineTimer >= 0) vertx.cancelTimer(deadlineTimer);
        idleTimer = deadlineTimer = -1;
        if (reset && request != null) request.reset();
        else if (response != null && paused) response.resume(); // drain to the end so the connection can be reused
    }

    private void armIdle(long delayMillis) {
        idleTimer = vertx.setTimer(Math.max(1, delayMillis), id -> {
            idleTimer = -1;
            if (result.isDone()) return;
            long idleMillis = limits.streamIdleTimeout().toMillis();
            long now = System.nanoTime();
            if (paused) lastActivity = now; // our client is the slow one, not the provider
            long silent = (now - lastActivity) / 1_000_000;
            if (silent >= idleMillis) {
                fail(new TimeoutException("no data from " + provider + " for " + Duration.ofMillis(silent)
                        + " (idle timeout " + limits.streamIdleTimeout() + ")"));
            } else {
                armIdle(idleMillis - silent);
            }
        });
    }

    /**
     * The upstream's response headers for the engine (rate-limit headers, retry hints), copied only
     * when the attempt ends: a copy made at the response's head would be held, with its strings,
     * for the whole life of the stream and carried through every young collection meanwhile.
     */
    private Map<String, List<String>> headers() {
        return response == null ? Map.of() : headers(response);
    }

    private static Map<String, List<String>> headers(HttpClientResponse resp) {
        Map<String, List<String>> h = new HashMap<>();
        resp.headers().forEach(e -> h.computeIfAbsent(e.getKey(), k -> new ArrayList<>(1)).add(e.getValue()));
        return h;
    }
}
