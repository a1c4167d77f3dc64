package io.keycycle.sim;

import java.time.Instant;

/**
 * Everything a {@link Dialect} needs to render one answer: the request, the resolved model and
 * scope, the moment, and per-answer ids.
 */
record Turn(ChatRequest request, String model, String scope, Instant now, String id,
            int thinkingTokens, boolean accountWide, boolean highBalance, String quotaModel, boolean longDayRetryDelay,
            int cachedTokens) {

    /** A turn without prompt-cache hits. */
    Turn(ChatRequest request, String model, String scope, Instant now, String id,
         int thinkingTokens, boolean accountWide, boolean highBalance, String quotaModel, boolean longDayRetryDelay) {
        this(request, model, scope, now, id, thinkingTokens, accountWide, highBalance, quotaModel, longDayRetryDelay, 0);
    }

    /** The common case: the quota belongs to the requested model, Gemini's short day retryDelay. */
    Turn(ChatRequest request, String model, String scope, Instant now, String id,
         int thinkingTokens, boolean accountWide, boolean highBalance) {
        this(request, model, scope, now, id, thinkingTokens, accountWide, highBalance, model, false);
    }

    long created() {
        return now.getEpochSecond();
    }

    int prompt() {
        return request.promptTokens();
    }

    int completion() {
        return request.completionTokens();
    }
}
