package io.keycycle.sim;

/**
 * What a configured key answers with. Not every provider has every failure: Cerebras and
 * OpenRouter have no suspension error, Groq and Gemini have no out-of-credit error on their free
 * plans; configuring one of those is rejected.
 */
public enum KeyState {
    /** Served normally, subject to its scope's limits. */
    ACTIVE,
    /** Revoked or deleted: 401 (Gemini: 400 {@code API_KEY_INVALID}). */
    DEAD,
    /** Groq 400 {@code organization_restricted}; Gemini 403 "reported as leaked". */
    SUSPENDED,
    /** 402 on Cerebras ("Payment required") and OpenRouter ("Insufficient credits"). */
    NO_CREDIT;

    boolean supportedBy(ProviderKind kind) {
        return switch (this) {
            case ACTIVE, DEAD -> true;
            case SUSPENDED -> kind == ProviderKind.GROQ || kind == ProviderKind.GEMINI;
            case NO_CREDIT -> kind == ProviderKind.CEREBRAS || kind == ProviderKind.OPENROUTER;
        };
    }

    void requireSupportedBy(ProviderKind kind) {
        if (!supportedBy(kind)) {
            throw new IllegalArgumentException(kind.id() + " has no " + this + " error"
                    + (this == SUSPENDED ? "; use DEAD or NO_CREDIT" : "; use DEAD or SUSPENDED"));
        }
    }
}
