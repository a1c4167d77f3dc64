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

    /**
     * True when the caller cancelled the call (hung up, gave up): the lease is
     * {@link Lease#abandon(String) abandoned} — the request stays counted — unless
     * {@link #reachedProvider()} says it never left, in which case it is released.
     */
    default boolean cancelled() { return false; }

    /**
     * For a {@link #cancelled()} answer: false only when no byte of the request was written to the
     * provider (the reservation is then given back). True by default: when in doubt, the provider
     * counted it.
     */
    default boolean reachedProvider() { return true; }
}
