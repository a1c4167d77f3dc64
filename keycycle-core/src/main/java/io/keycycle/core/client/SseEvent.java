package io.keycycle.core.client;

import java.util.Objects;

/**
 * One server-sent event: the joined {@code data:} lines and, when sent, the {@code event:} name
 * and {@code id:}. The data is the provider's text, untouched, so a gateway can forward it.
 *
 * @param event the {@code event:} field, or null (providers send none; it is not acted on)
 * @param data  the data lines joined with {@code \n}; never null
 * @param id    the last {@code id:} seen, or null
 */
public record SseEvent(String event, String data, String id) {

    /** The OpenAI end-of-stream marker. */
    public static final String DONE = "[DONE]";

    public SseEvent {
        Objects.requireNonNull(data, "data");
    }

    public static SseEvent data(String data) { return new SseEvent(null, data, null); }

    /** True for {@code data: [DONE]}. */
    public boolean isDone() { return DONE.equals(data.strip()); }

    /** The event as it goes on the wire ({@code data: …\n\n}, one {@code data:} line per line of data). */
    public String toWire() {
        StringBuilder sb = new StringBuilder(data.length() + 16);
        if (event != null) {
            sb.append("event: ").append(event).append('\n');
        }
        for (String line : data.split("\n", -1)) {
            sb.append("data: ").append(line).append('\n');
        }
        return sb.append('\n').toString();
    }
}
