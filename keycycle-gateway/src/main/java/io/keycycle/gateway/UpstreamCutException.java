package io.keycycle.gateway;

import java.io.IOException;
import java.util.concurrent.TimeoutException;

/**
 * An upstream exchange broke after the request was written (the connection closed or was refused
 * by the HTTP codec, a stream line went past the limit): an {@link IOException}, so the engine keeps
 * the request counted, as the provider does.
 */
final class UpstreamCutException extends IOException {
    private UpstreamCutException(Throwable cause) {
        super(cause.getClass().getName() + (cause.getMessage() == null ? "" : ": " + cause.getMessage()), cause);
    }

    /** {@code t} itself when the engine already keeps it counted, else wrapped. */
    static Throwable afterSend(Throwable t) {
        return t instanceof IOException || t instanceof TimeoutException ? t : new UpstreamCutException(t);
    }
}
