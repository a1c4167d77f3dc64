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
     * Gemini only: 403 {@code CONSUMER_SUSPENDED}, "Permission denied: Consumer 'api_key:…' has been
     * suspended." naming the key, with {@code metadata.consumer} naming its project. That key alone:
     * other keys of the project still serve.
     */
    CONSUMER_SUSPENDED,
    /**
     * Gemini only: 403 {@code SERVICE_DISABLED}, "Generative Language API has not been used in project
     * … before or it is disabled." The project's state, so every key of the same scope answers it.
     */
    API_DISABLED,
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
     * (Cerebras, OpenRouter), a restricted Groq organisation or a Gemini project without the API
     * enabled answers every key of it the same. A revoked key, a leaked or suspended Gemini key and an
     * OpenRouter key's own spending limit stay with that key.
     */
    boolean scopeWide(ProviderKind kind) {
        return this == NO_CREDIT || (this == SUSPENDED && kind == ProviderKind.GROQ) || this == API_DISABLED;
    }

    boolean supportedBy(ProviderKind kind) {
        return switch (this) {
            case ACTIVE, DEAD -> true;
            case SUSPENDED -> kind == ProviderKind.GROQ || kind == ProviderKind.GEMINI;
            case NO_CREDIT -> kind == ProviderKind.CEREBRAS || kind == ProviderKind.OPENROUTER;
            case KEY_LIMIT -> kind == ProviderKind.OPENROUTER;
            case CONSUMER_SUSPENDED, API_DISABLED -> kind == ProviderKind.GEMINI;
        };
    }

    void requireSupportedBy(ProviderKind kind) {
        if (!supportedBy(kind)) {
            throw new IllegalArgumentException(kind.id() + " has no " + this + " error"
                    + (this == SUSPENDED ? "; use DEAD or NO_CREDIT" : this == KEY_LIMIT ? "; it is an OpenRouter error"
                    : this == CONSUMER_SUSPENDED || this == API_DISABLED ? "; it is a Gemini error"
                    : "; use DEAD or SUSPENDED"));
        }
    }
}
