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
        String field = colon < 0 ? line : line.substring(0, colon);
        String value = colon < 0 ? "" : line.substring(colon + 1);
        if (value.startsWith(" ")) {
            value = value.substring(1);
        }
        switch (field) {
            case "data" -> {
                if (hasData) {
                    data.append('\n');
                }
                data.append(value);
                hasData = true;
            }
            case "event" -> event = value;
            case "id" -> {
                if (value.indexOf('\0') < 0) {
                    lastId = value;
                }
            }
            default -> { /* retry: and unknown fields are ignored */ }
        }
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
            SseEvent e = new SseEvent(event, data.toString(), lastId);
            data.setLength(0);
            hasData = false;
            event = null;
            sink.accept(e);
        } else {
            event = null;
        }
    }
}
