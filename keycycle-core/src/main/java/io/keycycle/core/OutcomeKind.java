package io.keycycle.core;

/** What a provider's answer means for the key, its scope and the model. See ENGINE.md. */
public enum OutcomeKind {
    /** 200 with usage: record actual tokens, learn from rate-limit headers. */
    SUCCESS,
    /** A minute/hour limit tripped: cool the scope(+model) for the wait, rotate. Not a key fault. */
    RATE_LIMITED,
    /** A daily quota is gone: park the scope(+model) until the provider's reset. */
    QUOTA_EXHAUSTED,
    /** The key is wrong, revoked or expired: disable it. */
    KEY_INVALID,
    /** The key or its organisation is suspended/leaked/restricted: disable it. */
    KEY_SUSPENDED,
    /** Out of credits (402): disable the key's scope until re-enabled. */
    PAYMENT,
    /** A momentary budget problem (OpenRouter in-flight budget 402): short cooldown. */
    PAYMENT_TRANSIENT,
    /** The provider (not the key) is overloaded: provider(+model) backoff with jitter. */
    OVERLOADED,
    /** The request itself is wrong or too large: do not retry on another key of the same model. */
    REQUEST_INVALID,
    /** The model is gone or has no quota for this provider: mark it unusable. */
    MODEL_UNAVAILABLE,
    /** 5xx, timeouts, connection resets: retry on another key. */
    TRANSIENT;

    /** True if another key of the same provider and model may succeed. */
    public boolean rotates() {
        return switch (this) {
            case RATE_LIMITED, QUOTA_EXHAUSTED, KEY_INVALID, KEY_SUSPENDED, PAYMENT, PAYMENT_TRANSIENT, TRANSIENT, OVERLOADED -> true;
            case SUCCESS, REQUEST_INVALID, MODEL_UNAVAILABLE -> false;
        };
    }

    /** True if the provider counted the request against its limits. */
    public boolean countedByProvider() {
        return switch (this) {
            case SUCCESS, RATE_LIMITED, QUOTA_EXHAUSTED, REQUEST_INVALID -> true;
            default -> false;
        };
    }
}
