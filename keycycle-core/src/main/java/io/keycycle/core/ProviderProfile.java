package io.keycycle.core;

import java.time.Instant;

/**
 * How one provider talks: classification of its answers and failures into {@link Outcome}s.
 * Implementations are stateless and thread-safe. Structured fields are read first, text last;
 * a classifier never throws, whatever the body holds.
 */
public interface ProviderProfile {

    /** Provider name, lower case ({@code groq}). */
    String name();

    /**
     * Classifies an HTTP answer. {@code now} turns relative waits into instants where needed
     * (e.g. the next daily reset). For 2xx answers the usage is read from the body when present and
     * rate-limit headers become {@link Outcome#observations()}.
     */
    Outcome classify(ProviderResponse response, Instant now);

    /**
     * Classifies a failure thrown by a call: an {@link HttpFailure} anywhere in the cause chain is
     * classified as its response; timeouts and connection errors are TRANSIENT; anything else is
     * TRANSIENT with its class name as reason (never its message if it could hold a secret).
     */
    Outcome classify(Throwable failure, Instant now);
}
