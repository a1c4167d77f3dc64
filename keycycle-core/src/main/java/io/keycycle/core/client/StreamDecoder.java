package io.keycycle.core.client;

import io.keycycle.core.Usage;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Turns the bytes of a {@code text/event-stream} body into {@link SseEvent}s for a
 * {@link StreamListener} and remembers what the stream said (usage, finish reason, error event,
 * [DONE]) for its {@link StreamResult}. For callers that receive the body as byte chunks on their
 * own I/O thread (the gateway's event loop): feed each chunk with {@link #feed(byte[], int, int)},
 * call {@link #finish()} at the end of the body, then {@link #result}.
 *
 * <p>Lines end in LF, CRLF or CR and are split on bytes, so a multi-byte UTF-8 character split
 * between two chunks is decoded whole. A line longer than {@code maxLineBytes} is refused with
 * {@link LineTooLongException} instead of growing without bound (a hostile or broken upstream
 * sending one endless line). Not thread-safe: one decoder per stream, fed by one thread at a time.
 */
public final class StreamDecoder {

    /** A line of the stream exceeded the limit; nothing of it was delivered. */
    public static final class LineTooLongException extends RuntimeException {
        public LineTooLongException(String provider, int limit) {
            super(provider + " sent a server-sent-event line longer than " + limit + " bytes; stream refused");
        }
    }

    private final String provider;
    private final int maxLineBytes;
    private final StreamListener listener;
    private final StreamAccumulator acc = new StreamAccumulator();
    private final SseParser parser = new SseParser(this::onEvent);
    private final long startNanos = System.nanoTime();
    private byte[] line = new byte[256];
    private int length;
    private boolean afterCr;
    private boolean ended;
    private boolean stopped;
    private int position = -1;

    /**
     * @param listener receives each data event (and {@code [DONE]}); returning false stops the stream
     */
    public StreamDecoder(String provider, int maxLineBytes, StreamListener listener) {
        if (maxLineBytes < 16) throw new IllegalArgumentException("maxLineBytes must be >= 16, was " + maxLineBytes);
        this.provider = Objects.requireNonNull(provider, "provider");
        this.maxLineBytes = maxLineBytes;
        this.listener = Objects.requireNonNull(listener, "listener");
    }

    /**
     * Feeds raw body bytes; complete lines are parsed and their events delivered at once.
     *
     * @return false once the stream is over for the caller: [DONE] seen or the listener said stop
     * @throws LineTooLongException a line grew past the limit
     */
    public boolean feed(byte[] bytes, int offset, int count) {
        for (int i = offset, end = offset + count; i < end && !ended; i++) {
            byte b = bytes[i];
            if (b == '\n' && afterCr) {
                afterCr = false;
                continue;
            }
            afterCr = b == '\r';
            if (b == '\r' || b == '\n') {
                position = i + 1;
                deliverLine();
            } else {
                if (length == line.length) grow();
                line[length++] = b;
            }
        }
        position = -1;
        return !ended;
    }

    /**
     * While the listener runs during {@link #feed}: the index in the fed array just past the line
     * end that completed the event (a caller forwarding the raw bytes cuts there); -1 outside
     * {@code feed} and during {@link #finish()} (the event ended with the body).
     */
    public int position() { return position; }

    /** The body ended: a pending line and event are processed (some servers omit the last blank line). */
    public void finish() {
        if (ended) return;
        if (length > 0) deliverLine();
        afterCr = false;
        if (!ended) parser.finish();
    }

    /** True once [DONE] came or the listener asked to stop; the rest of the body is of no interest. */
    public boolean ended() { return ended; }

    /** True when the listener asked to stop (the caller went away). */
    public boolean stopped() { return stopped; }

    /** Data events delivered so far ([DONE] not counted). */
    public int events() { return acc.events(); }

    /** Usage from the last chunk that carried one, or null. */
    public Usage usage() { return acc.usage(); }

    /** The payload of the first mid-stream error event, or null. */
    public String errorEvent() { return acc.errorEvent(); }

    /** How the stream ended, as the engine classifies it. */
    public StreamResult result(int status, Map<String, List<String>> headers, boolean cancelled) {
        return acc.result(provider, status, headers, cancelled, Duration.ofNanos(System.nanoTime() - startNanos));
    }

    /**
     * The result of a stream request the provider answered with a whole body instead (an error
     * status, or a 2xx JSON body when it ignored {@code stream: true}): usage read from the body,
     * a 2xx body with a top-level {@code error} kept as the error it reports.
     */
    public static StreamResult buffered(String provider, int status, Map<String, List<String>> headers, String body,
                                        Duration elapsed) {
        String error = null;
        Usage usage = null;
        if (status / 100 == 2) {
            var node = Json.tryParse(body);
            usage = node.flatMap(UsageReader::fromJson).orElse(null);
            if (node.isPresent() && node.get().hasNonNull("error")) error = body;
        }
        return new StreamResult(provider, status, headers, body, usage, null, error, false, false, 0, elapsed);
    }

    private void onEvent(SseEvent event) {
        if (ended) return;
        if (event.isDone()) {
            acc.markDone();
            ended = true;
            listener.onEvent(event);
            return;
        }
        if (!acc.inspect(event.data())) {
            ended = true; // an error event before any other: not delivered, the stream ends as that failure
            return;
        }
        if (!listener.onEvent(event)) {
            ended = true;
            stopped = true;
        }
    }

    /**
     * The line collected so far to the parser. A {@code data:} line (nearly every line of a chat
     * stream) is decoded from the bytes after its field as the value alone: one string per line
     * instead of the line's and then its value's. The prefix is ASCII, so cutting the bytes there
     * decodes the same characters as cutting the decoded line.
     */
    private void deliverLine() {
        byte[] l = line;
        int n = length;
        length = 0;
        if (n >= 5 && l[0] == 'd' && l[1] == 'a' && l[2] == 't' && l[3] == 'a' && l[4] == ':') {
            int from = n > 5 && l[5] == ' ' ? 6 : 5;
            parser.data(new String(l, from, n - from, StandardCharsets.UTF_8));
        } else {
            parser.line(new String(l, 0, n, StandardCharsets.UTF_8));
        }
    }

    private void grow() {
        if (line.length >= maxLineBytes) throw new LineTooLongException(provider, maxLineBytes);
        line = java.util.Arrays.copyOf(line, Math.min(maxLineBytes, line.length * 2));
    }
}
