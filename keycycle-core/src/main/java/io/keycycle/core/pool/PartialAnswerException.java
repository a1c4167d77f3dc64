package io.keycycle.core.pool;

import io.keycycle.core.KeycycleException;

/**
 * Thrown by a call that failed after part of its answer had already reached the caller (a stream
 * cut off mid-way, a listener that threw). The pool settles the lease with the classification of
 * the cause but never repeats the call, on any key or provider.
 */
public class PartialAnswerException extends KeycycleException {
    private final transient io.keycycle.core.Usage usage;

    public PartialAnswerException(String provider, Throwable cause) {
        this(provider, cause, null);
    }

    /**
     * @param usage what the answer reported before it failed (a stream's usage chunk that came before
     *              the cut), or null: charged instead of the call's estimate
     */
    public PartialAnswerException(String provider, Throwable cause, io.keycycle.core.Usage usage) {
        super(provider + " call failed after part of the answer was delivered: " + cause, cause);
        this.usage = usage;
    }

    /** The usage the answer had reported before it failed, or null. */
    public io.keycycle.core.Usage usage() { return usage; }
}
