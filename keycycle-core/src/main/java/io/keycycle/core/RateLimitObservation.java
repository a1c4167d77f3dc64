package io.keycycle.core;

import java.time.Duration;

/**
 * A provider's own view of one limit, read from rate-limit headers (Groq, Cerebras, OpenRouter's
 * {@code X-RateLimit-*}) or a 429 body (Gemini's {@code QuotaFailure.quotaValue}, OpenRouter's
 * free-model wording): "limit L, R remaining, resets in D". When R is 0 the engine believes it and
 * holds the scope until the reset; when L differs from the table, the provider has told us the
 * real limit.
 *
 * @param limit     the provider's limit, or -1 when not sent
 * @param remaining how many are left, or -1 when not sent
 * @param resetIn   time until the window frees up, or null when not sent
 * @param model     the model the provider says the limit belongs to when it names one that may
 *                  differ from the requested one (Gemini's {@code quotaDimensions.model} once a
 *                  model is auto-routed), else null: the requested model
 */
public record RateLimitObservation(Limits.Metric metric, long limit, long remaining, Duration resetIn, String model) {

    /** An observation about the requested model. */
    public RateLimitObservation(Limits.Metric metric, long limit, long remaining, Duration resetIn) {
        this(metric, limit, remaining, resetIn, null);
    }
}
