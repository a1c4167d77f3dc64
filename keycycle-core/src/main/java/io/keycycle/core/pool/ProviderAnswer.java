package io.keycycle.core.pool;

import io.keycycle.core.ProviderResponse;

/**
 * A call result that carries the provider's answer, so the pool classifies it with the provider
 * profile (usage, rate-limit headers, error bodies). Keycycle's HTTP client results implement it.
 */
public interface ProviderAnswer {

    /** Status, headers and body (for a finished stream: a body holding its usage). */
    ProviderResponse response();

    /**
     * False once part of the answer has already been handed on (a stream that failed after its
     * first chunk): the call must not be repeated with another key.
     */
    default boolean retryable() { return true; }

    /** True when the caller cancelled the call: the reservation is released. */
    default boolean cancelled() { return false; }
}
