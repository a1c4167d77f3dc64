package io.keycycle.gateway;

import java.io.IOException;

/**
 * A provider's body went past {@link UpstreamLimits#maxBodyBytes()}: the call is failed and the
 * connection reset instead of buffering without bound. An {@link IOException}, so the engine
 * classifies it as a transient upstream failure (rotated when nothing reached the client yet).
 */
final class UpstreamBodyTooLargeException extends IOException {
    UpstreamBodyTooLargeException(long limit) {
        super("upstream body larger than " + limit + " bytes; refused");
    }

    /** A stream's bytes that make no complete event yet (an event that never ends, comment lines) went past the limit. */
    static UpstreamBodyTooLargeException heldBack(String provider, long limit) {
        return new UpstreamBodyTooLargeException(provider + " sent more than " + limit
                + " bytes of event stream that make no complete event; refused", true);
    }

    private UpstreamBodyTooLargeException(String message, boolean ignored) {
        super(message);
    }
}
