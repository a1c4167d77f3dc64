package io.keycycle.core.config;

import io.keycycle.core.ConfigurationException;

import java.time.Duration;

/**
 * What the gateway tolerates from a provider and how much it takes on at once: the
 * {@code gateway:} keys {@code stream-idle-timeout}, {@code stream-deadline},
 * {@code max-upstream-body-bytes}, {@code max-sse-line-bytes}, {@code max-streams} and
 * {@code max-in-flight} (the same as the gateway builder's options of those names).
 *
 * @param streamIdleTimeout    longest silence between two chunks of an upstream stream, the first included
 * @param streamDeadline       longest an upstream stream may run in total
 * @param maxUpstreamBodyBytes largest upstream body buffered (a plain answer, an error, a JSON answer to a stream)
 * @param maxSseLineBytes      longest line of an upstream event stream
 * @param maxStreams           streams served at once; one more is answered 503 with {@code Retry-After}
 * @param maxInFlight          plain requests in flight at once; one more is answered 503 with {@code Retry-After}
 */
public record GatewayLimits(Duration streamIdleTimeout, Duration streamDeadline, long maxUpstreamBodyBytes,
                            int maxSseLineBytes, int maxStreams, int maxInFlight) {

    public static final Duration DEFAULT_STREAM_IDLE_TIMEOUT = Duration.ofSeconds(120);
    public static final Duration DEFAULT_STREAM_DEADLINE = Duration.ofMinutes(30);
    public static final long DEFAULT_MAX_UPSTREAM_BODY_BYTES = 32L * 1024 * 1024;
    public static final int DEFAULT_MAX_SSE_LINE_BYTES = 4 * 1024 * 1024;
    public static final int DEFAULT_MAX_STREAMS = 2_048;
    public static final int DEFAULT_MAX_IN_FLIGHT = 8_192;
    /** Smallest body and line limit accepted. */
    public static final int MIN_BYTES = 1_024;

    public static final GatewayLimits DEFAULT = new GatewayLimits(DEFAULT_STREAM_IDLE_TIMEOUT, DEFAULT_STREAM_DEADLINE,
            DEFAULT_MAX_UPSTREAM_BODY_BYTES, DEFAULT_MAX_SSE_LINE_BYTES, DEFAULT_MAX_STREAMS, DEFAULT_MAX_IN_FLIGHT);

    public GatewayLimits {
        positive("gateway.stream-idle-timeout", streamIdleTimeout);
        positive("gateway.stream-deadline", streamDeadline);
        if (maxUpstreamBodyBytes < MIN_BYTES) {
            throw new ConfigurationException("gateway.max-upstream-body-bytes must be >= " + MIN_BYTES + ", was " + maxUpstreamBodyBytes);
        }
        if (maxSseLineBytes < MIN_BYTES) {
            throw new ConfigurationException("gateway.max-sse-line-bytes must be >= " + MIN_BYTES + ", was " + maxSseLineBytes);
        }
        if (maxStreams < 1) throw new ConfigurationException("gateway.max-streams must be >= 1, was " + maxStreams);
        if (maxInFlight < 1) throw new ConfigurationException("gateway.max-in-flight must be >= 1, was " + maxInFlight);
    }

    private static void positive(String key, Duration d) {
        if (d == null || d.isNegative() || d.isZero()) throw new ConfigurationException(key + " must be > 0, was " + d);
    }
}
