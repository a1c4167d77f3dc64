package io.keycycle.core.client;

import io.keycycle.core.ProviderHttpException;
import io.keycycle.core.ProviderResponse;
import io.keycycle.core.Usage;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * How a streaming call ended. Four endings:
 * <ul>
 *   <li><b>non-2xx</b>: nothing was streamed; {@link #response()} holds the error body and headers.</li>
 *   <li><b>mid-stream error</b>: HTTP 200, then a {@code data:} event with a top-level {@code error}
 *       or {@code finish_reason: "error"} (OpenRouter); {@link #errorEvent()} holds its payload.</li>
 *   <li><b>cancelled</b> by the caller; {@link #cancelled()} is true, the connection was closed.</li>
 *   <li><b>completed</b>: {@code data: [DONE]} ({@link #done()}) or the body simply ended after at
 *       least one event (Gemini native sends no [DONE]; a truncated stream looks the same, see
 *       {@link #finishReason()}). A body that ends without any event or [DONE] is no result but an
 *       {@link java.io.EOFException}: the provider answered nothing.</li>
 * </ul>
 * Immutable.
 */
public final class StreamResult implements io.keycycle.core.pool.ProviderAnswer {

    /** Status used in {@link #response()} for a mid-stream error whose {@code error.code} is no HTTP status. */
    public static final int MID_STREAM_ERROR_STATUS = 502;

    private final String provider;
    private final int status;
    private final ProviderResponse httpResponse;
    private final String body;
    private final Usage usage;
    private final String finishReason;
    private final String errorEvent;
    private final boolean done;
    private final boolean cancelled;
    private final int events;
    private final Duration elapsed;

    StreamResult(String provider, int status, Map<String, List<String>> headers, String body, Usage usage,
                 String finishReason, String errorEvent, boolean done, boolean cancelled, int events, Duration elapsed) {
        this.provider = provider;
        this.status = status;
        this.httpResponse = new ProviderResponse(status, headers, body);
        this.body = body;
        this.usage = usage;
        this.finishReason = finishReason;
        this.errorEvent = errorEvent;
        this.done = done;
        this.cancelled = cancelled;
        this.events = events;
        this.elapsed = elapsed;
    }

    /** HTTP status; 0 when cancelled before the response began. */
    public int status() { return status; }

    /** Response headers (case-insensitive names). */
    public Map<String, List<String>> headers() { return httpResponse.headers(); }

    public String header(String name) { return httpResponse.header(name); }

    /** True for a 2xx answer without a mid-stream error event (a cancelled stream may still be a success). */
    public boolean isSuccess() { return status / 100 == 2 && errorEvent == null; }

    /** The usage from the last chunk that carried one ({@code usage}, {@code x_groq.usage} or {@code usageMetadata}). */
    public Optional<Usage> usage() { return Optional.ofNullable(usage); }

    /** The last {@code finish_reason} (or Gemini {@code finishReason}) seen, e.g. {@code stop}, {@code length}. */
    public Optional<String> finishReason() { return Optional.ofNullable(finishReason); }

    /** The raw payload of the first mid-stream error event, if one came. */
    public Optional<String> errorEvent() { return Optional.ofNullable(errorEvent); }

    /** True if {@code data: [DONE]} was received. */
    public boolean done() { return done; }

    /** True if the caller cancelled the stream. */
    @Override
    public boolean cancelled() { return cancelled; }

    /** How many data events (not counting [DONE]) were handed to the listener. */
    public int events() { return events; }

    public Duration elapsed() { return elapsed; }

    /**
     * The answer as classification takes it:
     * <ul>
     *   <li>non-2xx: status, headers, error body;</li>
     *   <li>mid-stream error: {@code error.code} when it is an HTTP error status, as a number or a string (else
     *       {@value #MID_STREAM_ERROR_STATUS}), the response headers, the error event payload;</li>
     *   <li>otherwise: status, headers, and a body of just {@code {"usage":{…}}} when usage is known
     *       (the whole body when the provider answered plain JSON instead of a stream).</li>
     * </ul>
     */
    @Override
    public ProviderResponse response() {
        if (errorEvent != null && status / 100 == 2) {
            int code = Json.tryParse(errorEvent)
                    .map(n -> n.path("error").path("code"))
                    .map(StreamResult::httpCode) // a number, or a string of one ("429")
                    .filter(c -> c >= 400 && c <= 599)
                    .orElse(MID_STREAM_ERROR_STATUS);
            return new ProviderResponse(code, httpResponse.headers(), errorEvent);
        }
        if (body.isEmpty() && usage != null) {
            return new ProviderResponse(status, httpResponse.headers(), UsageReader.asBody(usage));
        }
        return httpResponse;
    }

    private static int httpCode(com.fasterxml.jackson.databind.JsonNode code) {
        if (code.isIntegralNumber() && code.canConvertToInt()) return code.asInt();
        if (code.isTextual() && code.asText().trim().matches("\\d{3}")) return Integer.parseInt(code.asText().trim());
        return -1;
    }

    /**
     * Returns this result if it is a {@linkplain #isSuccess() success}.
     *
     * @throws ProviderHttpException for a non-2xx answer or a mid-stream error, carrying {@link #response()}
     */
    /** A stream that delivered events before failing must not be repeated with another key. */
    @Override
    public boolean retryable() { return events == 0; }

    public StreamResult orThrow() {
        if (!isSuccess()) {
            throw new ProviderHttpException(provider, response());
        }
        return this;
    }

    @Override
    public String toString() {
        return "StreamResult[" + provider + " HTTP " + status + ", events=" + events + ", done=" + done
                + ", cancelled=" + cancelled + ", finish=" + finishReason + ", usage=" + usage
                + (errorEvent != null ? ", mid-stream error" : "") + ", " + elapsed.toMillis() + " ms]";
    }
}
