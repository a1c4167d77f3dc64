package io.keycycle.langchain4j;

import dev.langchain4j.model.chat.response.ChatResponse;
import io.keycycle.core.HttpFailure;
import io.keycycle.core.ProviderResponse;
import io.keycycle.core.pool.ProviderAnswer;

import java.util.Map;

/**
 * How one streaming attempt ended, as the pool judges it: completed (settled with the final
 * response's usage), broken after part of the answer was delivered (not retryable; stays counted),
 * cancelled by the caller while in flight (the request stays counted: the provider saw it), or not
 * sent at all (the reservation is released).
 */
record StreamAnswer(ChatResponse chat, ProviderResponse response, boolean retryable, boolean cancelled, boolean reachedProvider)
        implements ProviderAnswer {

    /** Status given to a stream that broke without an HTTP error status (as the engine's own client does). */
    static final int BROKEN_STREAM_STATUS = 502;

    static StreamAnswer completed(ChatResponse chat) {
        return new StreamAnswer(chat, Answers.usageOnly(chat.tokenUsage()), true, false, true);
    }

    /**
     * A stream that failed after part of the answer reached the caller. The provider had the request
     * and answered part of it, so it stays counted: a 429 (an error event with that code) is judged as
     * one (counted, the scope cools); anything else — a 5xx error event, a cut connection, a timeout —
     * is abandoned, which keeps the request and its estimate in the windows. Judged as a 5xx it would
     * have been given back, as for a request the provider never counted.
     */
    static StreamAnswer brokenAfterDelivery(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof HttpFailure h && h.toResponse().status() == 429) return new StreamAnswer(null, h.toResponse(), false, false, true);
        }
        String reason = failure == null ? "stream ended" : failure.getClass().getSimpleName();
        return new StreamAnswer(null, new ProviderResponse(BROKEN_STREAM_STATUS, Map.of(),
                "{\"error\":{\"message\":\"stream broken after the first token (" + reason + ")\"}}"), false, true, true);
    }

    /** No request was sent for this attempt (the call was already broken or cancelled). */
    static StreamAnswer notSent() {
        return new StreamAnswer(null, new ProviderResponse(499, Map.of(), "{}"), false, true, false);
    }

    /** The caller cancelled the stream in flight: the provider has the request. */
    static StreamAnswer cancelledInFlight() {
        return new StreamAnswer(null, new ProviderResponse(499, Map.of(), "{}"), false, true, true);
    }
}
