package io.keycycle.core.client;

import com.fasterxml.jackson.databind.JsonNode;
import io.keycycle.core.Usage;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a stream told us so far: usage, finish reason, error event, [DONE]. Chunks are parsed only
 * when they can carry one of those, so plain content chunks cost a substring scan.
 */
final class StreamAccumulator {

    private Usage usage;
    private String finishReason;
    private String errorEvent;
    private boolean done;
    private int events;

    synchronized void markDone() { done = true; }

    synchronized int events() { return events; }

    synchronized Usage usage() { return usage; }

    synchronized String errorEvent() { return errorEvent; }

    /**
     * Takes note of one data event. False for an error event that comes before any other: the caller
     * delivers nothing of it and ends the stream there, as the failure it reports, with no event
     * counted, so another key may serve (nothing has reached the client). A later error event is
     * delivered like any other.
     */
    synchronized boolean inspect(String data) {
        if (!(data.contains("usage") || data.contains("error") || hasFinishValue(data))) {
            events++;
            return true;
        }
        Optional<JsonNode> parsed = Json.tryParse(data);
        if (parsed.isEmpty() || !parsed.get().isObject()) {
            events++;
            return true;
        }
        JsonNode chunk = parsed.get();
        String finish = finishReason(chunk);
        JsonNode error = chunk.get("error");
        boolean isError = (error != null && !error.isNull()) || "error".equals(finish);
        if (isError && events == 0 && errorEvent == null) {
            errorEvent = data;
            finishReason = finish;
            return false;
        }
        events++;
        UsageReader.fromJson(chunk).ifPresent(u -> usage = u);
        if (finish != null) {
            finishReason = finish;
        }
        if (isError && errorEvent == null) {
            errorEvent = data;
        }
        return true;
    }

    /**
     * True when a finish reason with a value may be in {@code data}: {@code "finish_reason":"stop"},
     * not the {@code "finish_reason":null} of every content chunk (which then costs no parse).
     */
    static boolean hasFinishValue(String data) {
        for (int i = data.indexOf("inish"); i >= 0; i = data.indexOf("inish", i + 5)) {
            int colon = data.indexOf(':', i);
            if (colon < 0) return false;
            int v = colon + 1;
            while (v < data.length() && Character.isWhitespace(data.charAt(v))) v++;
            if (!data.startsWith("null", v)) return true;
        }
        return false;
    }

    private static String finishReason(JsonNode chunk) {
        String found = null;
        for (JsonNode choice : chunk.path("choices")) {
            JsonNode f = choice.get("finish_reason");
            if (f != null && f.isTextual()) {
                found = f.asText();
            }
        }
        for (JsonNode candidate : chunk.path("candidates")) {
            JsonNode f = candidate.get("finishReason");
            if (f != null && f.isTextual()) {
                found = f.asText();
            }
        }
        return found;
    }

    synchronized StreamResult result(String provider, int status, Map<String, List<String>> headers,
                                     boolean cancelled, Duration elapsed) {
        return new StreamResult(provider, status, headers, "", usage, finishReason, errorEvent, done, cancelled, events, elapsed);
    }
}
