package io.keycycle.core;

/** The key that was pinned for a call is disabled (invalid, suspended or out of credits). */
public class InvalidKeyException extends KeycycleException {
    private final String provider;
    private final String fingerprint;
    private final String reason;

    public InvalidKeyException(String provider, String fingerprint, String reason) {
        super("key " + fingerprint + " of provider " + provider + " is disabled: " + reason);
        this.provider = provider;
        this.fingerprint = fingerprint;
        this.reason = reason;
    }

    public String provider() { return provider; }
    public String fingerprint() { return fingerprint; }
    public String reason() { return reason; }
}
