package io.keycycle.core.client;

import java.util.Objects;
import java.util.function.Consumer;

/**
 * An incremental parser of {@code text/event-stream} following the WHATWG rules that matter for
 * LLM providers: lines end in LF, CRLF or CR (also when a CRLF is split between two chunks);
 * a blank line ends an event; {@code data:} lines of one event are joined with {@code \n}; one
 * space after the colon is dropped; comment lines ({@code : OPENROUTER PROCESSING}) are skipped;
 * {@code event:} and {@code id:} are recorded, {@code retry:} and unknown fields ignored.
 *
 * <p>Feed it whole lines ({@link #line(String)}) or raw chunks ({@link #feed(CharSequence)}), not
 * both. {@link #finish()} ends the stream; unlike a browser it still dispatches an event whose
 * closing blank line never came, since some servers end the body right after the last
 * {@code data:} line. Not thread-safe: one parser per stream.
 */
public final class SseParser {

    private final Consumer<SseEvent> sink;
    private final StringBuilder data = new StringBuilder();
    private final StringBuilder partial = new StringBuilder();
    /** The data of the pending event while it has exactly one data line (then {@link #data} is unused). */
    private String single;
    private boolean hasData;
    private boolean afterCr;
    private String event;
    private String lastId;
    private long comments;

    /** @param sink receives each complete event, on the thread that feeds the parser */
    public SseParser(Consumer<SseEvent> sink) {
        this.sink = Objects.requireNonNull(sink, "sink");
    }

    /** Feeds raw text; complete lines are processed, a trailing partial line is kept for later. */
    public void feed(CharSequence chunk) {
        for (int i = 0; i < chunk.length(); i++) {
            char ch = chunk.charAt(i);
            if (ch == '\n' && afterCr) {
                afterCr = false;
                continue;
            }
            afterCr = ch == '\r';
            if (ch == '\r' || ch == '\n') {
                String line = partial.toString();
                partial.setLength(0);
                line(line);
            } else {
                partial.append(ch);
            }
        }
    }

    /** Processes one line, without its line terminator. */
    public void line(String line) {
        if (line.isEmpty()) {
            dispatch();
            return;
        }
        if (line.charAt(0) == ':') {
            comments++;
            return;
        }
        int colon = line.indexOf(':');
        int fieldEnd = colon < 0 ? line.length() : colon;
        int value = colon < 0 ? line.length() : colon + 1;
        if (value < line.length() && line.charAt(value) == ' ') {
            value++;
        }
        if (fieldEnd == 4 && line.startsWith("data")) {
            data(line.substring(value));
        } else if (fieldEnd == 5 && line.startsWith("event")) {
            event = line.substring(value);
        } else if (fieldEnd == 2 && line.startsWith("id")) {
            String id = line.substring(value);
            if (id.indexOf('\0') < 0) {
                lastId = id;
            }
        }
        // retry: and unknown fields are ignored
    }

    /**
     * Processes a {@code data:} line given as its value alone (after the colon and the one space
     * dropped), for a caller that splits lines itself: the same as {@link #line} of the whole line,
     * without making the line's string first. An event of one data line (the usual case) keeps that
     * string as its data; only a second line makes them joined.
     */
    public void data(String value) {
        if (!hasData) {
            single = value;
            hasData = true;
            return;
        }
        if (single != null) {
            data.setLength(0);
            data.append(single);
            single = null;
        }
        data.append('\n').append(value);
    }

    /** Ends the stream: a pending partial line and a pending event are processed. */
    public void finish() {
        if (partial.length() > 0) {
            String line = partial.toString();
            partial.setLength(0);
            line(line);
        }
        afterCr = false;
        dispatch();
    }

    /** How many comment lines were skipped (keep-alives). */
    public long comments() { return comments; }

    private void dispatch() {
        if (hasData) {
            SseEvent e = new SseEvent(event, single != null ? single : data.toString(), lastId);
            single = null;
            data.setLength(0);
            hasData = false;
            event = null;
            sink.accept(e);
        } else {
            event = null;
        }
    }
}
