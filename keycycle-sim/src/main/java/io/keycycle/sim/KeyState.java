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
    /** Groq 400 {@code organization_restricted} (every key of the organisation); Gemini 403 "reported as leaked" (that key). */
    SUSPENDED,
    /**
     * 402 on Cerebras ("Payment required") and OpenRouter ("Insufficient credits"): the whole
     * account, so every key of the same scope answers it too.
     */
    NO_CREDIT,
    /**
     * OpenRouter only: this key's own spending limit is used up (402 with
     * {@code limit_source: openrouter_key_limit}); other keys of the account still serve.
     */
    KEY_LIMIT;

    /**
     * True when this state is about the whole scope rather than one key: an account out of credit
     * (Cerebras, OpenRouter) or a restricted Groq organisation answers every key of it the same.
     * A revoked key, a leaked Gemini key and an OpenRouter key's own spending limit stay with that key.
     */
    boolean scopeWide(ProviderKind kind) {
        return this == NO_CREDIT || (this == SUSPENDED && kind == ProviderKind.GROQ);
    }

    boolean supportedBy(ProviderKind kind) {
        return switch (this) {
            case ACTIVE, DEAD -> true;
            case SUSPENDED -> kind == ProviderKind.GROQ || kind == ProviderKind.GEMINI;
            case NO_CREDIT -> kind == ProviderKind.CEREBRAS || kind == ProviderKind.OPENROUTER;
            case KEY_LIMIT -> kind == ProviderKind.OPENROUTER;
        };
    }

    void requireSupportedBy(ProviderKind kind) {
        if (!supportedBy(kind)) {
            throw new IllegalArgumentException(kind.id() + " has no " + this + " error"
                    + (this == SUSPENDED ? "; use DEAD or NO_CREDIT" : this == KEY_LIMIT ? "; it is an OpenRouter error"
                    : "; use DEAD or SUSPENDED"));
        }
    }
}
