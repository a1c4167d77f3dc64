package io.keycycle.spring;

import io.keycycle.core.HttpFailure;
import io.keycycle.core.ProviderResponse;
import io.keycycle.core.pool.ProviderAnswer;
import org.springframework.ai.chat.metadata.Usage;
import org.springframework.ai.chat.model.ChatResponse;

import java.util.List;
import java.util.Map;

/** What an attempt hands the pool for settlement: the provider's headers and the usage Spring AI reports. */
final class Answers {

    /** Status given to a stream that broke without an HTTP error status (as the engine's own client does). */
    static final int BROKEN_STREAM_STATUS = 502;

    private Answers() {
    }

    /** A finished call: Spring AI's response, and a 200 with the answer's headers and its usage. */
    record Call(ChatResponse chat, ProviderResponse response) implements ProviderAnswer {
        static Call of(ChatResponse chat, Map<String, List<String>> headers) {
            return new Call(chat, usageResponse(headers, chat == null ? null : chat.getMetadata().getUsage()));
        }
    }

    /**
     * How a streaming attempt ended: completed, broken after delivery (not retryable, stays counted), or never sent
     * because the subscriber had already gone. A subscriber that cancels while the attempt is in
     * flight cancels the engine's call instead, which keeps the request counted (the provider has it).
     */
    record Stream(ProviderResponse response, boolean retryable, boolean cancelled, boolean reachedProvider) implements ProviderAnswer {

        static Stream completed(Map<String, List<String>> headers, Usage usage) {
            return new Stream(usageResponse(headers, usage), true, false, true);
        }

        /**
         * A stream that failed after chunks reached the subscriber. The provider had the request and
         * answered part of it, so it stays counted: a 429 is judged as one (counted, the scope cools);
         * anything else (an error event, a cut connection, a timeout) is abandoned, which keeps the
         * request and its estimate in the windows. Judged as a 5xx it would have been given back.
         */
        static Stream brokenAfterDelivery(Throwable failure) {
            for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
                if (t instanceof HttpFailure h && h.toResponse().status() == 429) return new Stream(h.toResponse(), false, false, true);
            }
            String reason = failure == null ? "stream ended" : failure.getClass().getSimpleName();
            return new Stream(new ProviderResponse(BROKEN_STREAM_STATUS, Map.of(),
                    "{\"error\":{\"message\":\"stream broken after the first token (" + reason + ")\"}}"), false, true, true);
        }

        /** The subscriber went away before this attempt sent anything: the reservation is given back. */
        static Stream notSent() {
            return new Stream(new ProviderResponse(499, Map.of(), "{}"), false, true, false);
        }
    }

    /** A 200 whose body carries only {@code usage} ({@code {}} when the provider reported none). */
    static ProviderResponse usageResponse(Map<String, List<String>> headers, Usage u) {
        return new ProviderResponse(200, headers, usageJson(u));
    }

    static String usageJson(Usage u) {
        if (!hasCounts(u)) return "{}";
        long in = nonNegative(u.getPromptTokens());
        long out = nonNegative(u.getCompletionTokens());
        long total = u.getTotalTokens() == null ? in + out : nonNegative(u.getTotalTokens());
        return "{\"usage\":{\"prompt_tokens\":" + in + ",\"completion_tokens\":" + out + ",\"total_tokens\":" + total + "}}";
    }

    /** True when {@code u} carries any count (Spring AI's {@code EmptyUsage} has zeros only). */
    static boolean hasCounts(Usage u) {
        if (u == null) return false;
        return nonNegative(u.getPromptTokens()) + nonNegative(u.getCompletionTokens()) + nonNegative(u.getTotalTokens()) > 0;
    }

    private static long nonNegative(Integer n) {
        return n == null ? 0 : Math.max(0, n);
    }
}
