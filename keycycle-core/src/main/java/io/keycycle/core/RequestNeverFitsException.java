package io.keycycle.core;

/**
 * The request can never be admitted by this candidate, whatever the keys' state: its provider takes
 * more tokens for it when it arrives than the key's limit per minute (Cerebras: prompt +
 * {@code max_completion_tokens}). Nothing was sent; the caller has to shorten the request or set a
 * completion limit (the message says which). A {@link NoAvailableKeyException} with no retry instant.
 */
public class RequestNeverFitsException extends NoAvailableKeyException {
    public RequestNeverFitsException(String provider, String model, int totalKeys, String why) {
        super(provider, model, totalKeys, 0, 0, 0, null, why);
    }
}
