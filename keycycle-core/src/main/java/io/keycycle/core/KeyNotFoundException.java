package io.keycycle.core;

/** A pinned key (by index or fingerprint) does not exist in the provider's pool. */
public class KeyNotFoundException extends KeycycleException {
    private final String provider;
    private final String keyId;

    public KeyNotFoundException(String provider, String keyId, int poolSize) {
        super("no key '" + keyId + "' among the " + poolSize + " keys of provider " + provider
                + " (give a 1-based index or a fingerprint as shown by `keycycle status`)");
        this.provider = provider;
        this.keyId = keyId;
    }

    public String provider() { return provider; }
    public String keyId() { return keyId; }
}
