package io.keycycle.core;

/**
 * The request can never be admitted by this candidate, whatever the keys' state: its provider takes
 * more tokens for it when it arrives than the key's limit per minute (Cerebras: prompt +
 * {@code max_completion_tokens}), or its estimate alone is above a token limit of every usable key. Nothing was sent; the caller has to shorten the request or set a
 * completion limit (the message says which). A {@link NoAvailableKeyException} with no retry instant.
 */
public class RequestNeverFitsException extends NoAvailableKeyException {
    public RequestNeverFitsException(String provider, String model, int totalKeys, String why) {
        super(provider, model, totalKeys, 0, 0, 0, null, why);
    }

    /**
     * The pool refused the request because its estimated tokens alone are above a token limit of
     * every key that is not disabled (any provider: Groq answers such a request 413 too).
     */
    public RequestNeverFitsException(String provider, String model, int totalKeys, int cooling, int parked, int disabled, String why) {
        super(provider, model, totalKeys, cooling, parked, disabled, null, why);
    }
}
