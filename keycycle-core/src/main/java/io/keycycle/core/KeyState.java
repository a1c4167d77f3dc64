package io.keycycle.core;

/** The state of a key, or of a scope(+model) on behalf of all its keys. */
public enum KeyState {
    /** Usable (limits permitting). */
    READY,
    /** Rate-limited: unusable until a short instant. */
    COOLING,
    /** A daily quota is gone: unusable until the provider's reset. */
    PARKED,
    /** Invalid, suspended or out of credits: unusable until re-enabled. */
    DISABLED,
    /** The model does not exist or has no quota for this provider. */
    MODEL_UNAVAILABLE
}
