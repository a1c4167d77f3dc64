package io.keycycle.gateway;

import io.keycycle.core.ConfigurationException;
import io.keycycle.core.config.GatewayLimits;

import java.time.Duration;

/**
 * What the gateway tolerates from a provider and how much it takes on at once. A provider that
 * breaks a limit gets its call failed (and classified like any failure: rotated when nothing was
 * sent to the client yet); a request over the load limits gets {@code 503} with {@code Retry-After}.
 *
 * @param streamIdleTimeout longest silence between two chunks of a stream (also before the first)
 * @param streamDeadline    longest a whole stream may run
 * @param maxBodyBytes      largest upstream body the gateway buffers (a plain answer, an error body,
 *                          a JSON answer to a stream request)
 * @param maxLineBytes      longest line of an upstream event stream
 * @param maxStreams        streams served at once (each holds one upstream connection)
 * @param maxPlainInFlight  plain requests in flight at once, waiting for a connection included
 */
record UpstreamLimits(Duration streamIdleTimeout, Duration streamDeadline, long maxBodyBytes, int maxLineBytes,
                      int maxStreams, int maxPlainInFlight) {

    static final UpstreamLimits DEFAULT = new UpstreamLimits(GatewayLimits.DEFAULT_STREAM_IDLE_TIMEOUT,
            GatewayLimits.DEFAULT_STREAM_DEADLINE, GatewayLimits.DEFAULT_MAX_UPSTREAM_BODY_BYTES,
            GatewayLimits.DEFAULT_MAX_SSE_LINE_BYTES, GatewayLimits.DEFAULT_MAX_STREAMS, GatewayLimits.DEFAULT_MAX_IN_FLIGHT);

    UpstreamLimits {
        positive("streamIdleTimeout", streamIdleTimeout);
        positive("streamDeadline", streamDeadline);
        if (maxBodyBytes < 1024) throw new ConfigurationException("gateway maxUpstreamBodyBytes must be >= 1024, was " + maxBodyBytes);
        if (maxLineBytes < 1024) throw new ConfigurationException("gateway maxSseLineBytes must be >= 1024, was " + maxLineBytes);
        if (maxStreams < 1) throw new ConfigurationException("gateway maxStreams must be >= 1, was " + maxStreams);
        if (maxPlainInFlight < 1) throw new ConfigurationException("gateway maxInFlight must be >= 1, was " + maxPlainInFlight);
    }

    private static void positive(String name, Duration d) {
        if (d == null || d.isNegative() || d.isZero()) throw new ConfigurationException("gateway " + name + " must be > 0, was " + d);
    }

    UpstreamLimits withStreamIdleTimeout(Duration d) { return new UpstreamLimits(d, streamDeadline, maxBodyBytes, maxLineBytes, maxStreams, maxPlainInFlight); }

    UpstreamLimits withStreamDeadline(Duration d) { return new UpstreamLimits(streamIdleTimeout, d, maxBodyBytes, maxLineBytes, maxStreams, maxPlainInFlight); }

    UpstreamLimits withMaxBodyBytes(long n) { return new UpstreamLimits(streamIdleTimeout, streamDeadline, n, maxLineBytes, maxStreams, maxPlainInFlight); }

    UpstreamLimits withMaxLineBytes(int n) { return new UpstreamLimits(streamIdleTimeout, streamDeadline, maxBodyBytes, n, maxStreams, maxPlainInFlight); }

    UpstreamLimits withMaxStreams(int n) { return new UpstreamLimits(streamIdleTimeout, streamDeadline, maxBodyBytes, maxLineBytes, n, maxPlainInFlight); }

    UpstreamLimits withMaxPlainInFlight(int n) { return new UpstreamLimits(streamIdleTimeout, streamDeadline, maxBodyBytes, maxLineBytes, maxStreams, n); }
}
