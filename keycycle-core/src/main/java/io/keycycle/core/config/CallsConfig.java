package io.keycycle.core.config;

import io.keycycle.core.ConfigurationException;
import io.keycycle.core.pool.CallOptions;

import java.time.Duration;
import java.util.Objects;

/**
 * How calls behave where the caller names no settings of its own: the {@code calls:} section of
 * {@code keycycle.yaml}, read by the library's {@code Keycycle}, the gateway ({@code keycycle serve})
 * and {@code keycycle chat}.
 *
 * <pre>{@code
 * calls:
 *   timeout: 120s           # deadline of a whole call: waits, rotations and fallbacks included
 *   request-timeout: 120s   # one HTTP request to a provider; shorter than timeout, a hung provider is rotated
 *   max-retries: 5          # rotations to another key after the first attempt, per candidate
 *   estimated-tokens: 1000  # completion tokens reserved when a request sets no max tokens
 * }</pre>
 *
 * @param timeout         deadline of a whole call, waits, rotations and fallbacks included
 * @param requestTimeout  bound of one HTTP request to a provider (a plain answer complete; for a
 *                        library stream, connecting and each silence); an attempt started late gets
 *                        only what is left of {@code timeout}
 * @param maxRetries      rotations to another key after the first attempt, per candidate
 * @param estimatedTokens completion tokens reserved for a request that sets no maximum
 */
public record CallsConfig(Duration timeout, Duration requestTimeout, int maxRetries, long estimatedTokens) {

    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(120);

    /** No {@code calls:} section: 120 s, 120 s, 5 rotations, 1,000 tokens. */
    public static final CallsConfig DEFAULT = new CallsConfig(CallOptions.DEFAULT_TIMEOUT, DEFAULT_REQUEST_TIMEOUT,
            CallOptions.DEFAULT_MAX_RETRIES, CallOptions.DEFAULT_ESTIMATED_TOKENS);

    public CallsConfig {
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(requestTimeout, "requestTimeout");
        if (timeout.isZero() || timeout.isNegative()) throw new ConfigurationException("calls.timeout must be > 0, was " + timeout);
        if (requestTimeout.isZero() || requestTimeout.isNegative()) {
            throw new ConfigurationException("calls.request-timeout must be > 0, was " + requestTimeout);
        }
        if (maxRetries < 0) throw new ConfigurationException("calls.max-retries must be >= 0, was " + maxRetries);
        if (estimatedTokens < 0) throw new ConfigurationException("calls.estimated-tokens must be >= 0, was " + estimatedTokens);
    }
}
