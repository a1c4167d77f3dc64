package io.keycycle.sim;

import java.time.Instant;

/**
 * Everything a {@link Dialect} needs to render one answer: the request, the resolved model and
 * scope, the moment, and per-answer ids.
 */
record Turn(ChatRequest request, String model, String scope, Instant now, String id,
            int thinkingTokens, boolean accountWide, boolean highBalance) {

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
