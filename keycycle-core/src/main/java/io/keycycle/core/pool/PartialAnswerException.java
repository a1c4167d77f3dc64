package io.keycycle.core.pool;

import io.keycycle.core.KeycycleException;

/**
 * Thrown by a call that failed after part of its answer had already reached the caller (a stream
 * cut off mid-way, a listener that threw). The pool settles the lease with the classification of
 * the cause but never repeats the call, on any key or provider.
 */
public class PartialAnswerException extends KeycycleException {
    public PartialAnswerException(String provider, Throwable cause) {
        super(provider + " call failed after part of the answer was delivered: " + cause, cause);
    }
}
