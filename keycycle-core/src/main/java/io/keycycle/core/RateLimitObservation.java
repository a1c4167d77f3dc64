package io.keycycle.core;

import java.time.Duration;

/**
 * A provider's own view of one limit, read from rate-limit headers (Groq, Cerebras):
 * "limit L, R remaining, resets in D". When R is 0 the engine believes it and holds the scope
 * until the reset.
 *
 * @param limit     the provider's limit, or -1 when not sent
 * @param remaining how many are left, or -1 when not sent
 * @param resetIn   time until the window frees up, or null when not sent
 */
public record RateLimitObservation(Limits.Metric metric, long limit, long remaining, Duration resetIn) {
}
