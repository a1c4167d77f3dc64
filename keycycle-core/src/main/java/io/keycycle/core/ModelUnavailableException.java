package io.keycycle.core;

import java.time.Instant;

/**
 * No key can carry the call because the provider said the model is gone (an earlier call's
 * {@link OutcomeKind#MODEL_UNAVAILABLE}): the pool sends nothing for it until {@link #recheckAt()},
 * when one call tries it again, or until it is cleared ({@code KeyPool.clearModel}). Nothing was
 * sent. A {@link NoAvailableKeyException} with no retry instant: waiting for a key does not help.
 */
public class ModelUnavailableException extends NoAvailableKeyException {
    private final Instant recheckAt;

    public ModelUnavailableException(String provider, String model, int totalKeys, Instant recheckAt, String why) {
        super(provider, model, totalKeys, 0, 0, 0, null, why);
        this.recheckAt = recheckAt;
    }

    /** When one call may try the model again, or null when unknown. */
    public Instant recheckAt() { return recheckAt; }
}
