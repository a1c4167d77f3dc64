package io.keycycle.core;

import java.time.Instant;

/**
 * No key can carry the call now (or within the caller's timeout).
 *
 * @see #retryAt() the earliest instant a key becomes admissible, or null if none ever will
 *      (every key disabled, or the model unavailable)
 */
public class NoAvailableKeyException extends KeycycleException {
    private final String provider;
    private final String model;
    private final int totalKeys;
    private final int cooling;
    private final int parked;
    private final int disabled;
    private final Instant retryAt;

    public NoAvailableKeyException(String provider, String model, int totalKeys, int cooling, int parked,
                                   int disabled, Instant retryAt, String why) {
        super("no key of " + provider + " can serve " + model + " now: " + why + " (" + totalKeys + " keys: "
                + cooling + " cooling, " + parked + " parked for the day, " + disabled + " disabled"
                + (retryAt == null ? "; none will free up by itself" : "; earliest at " + retryAt) + ")");
        this.provider = provider;
        this.model = model;
        this.totalKeys = totalKeys;
        this.cooling = cooling;
        this.parked = parked;
        this.disabled = disabled;
        this.retryAt = retryAt;
    }

    public String provider() { return provider; }
    public String model() { return model; }
    public int totalKeys() { return totalKeys; }
    public int cooling() { return cooling; }
    public int parked() { return parked; }
    public int disabled() { return disabled; }
    public Instant retryAt() { return retryAt; }
}
