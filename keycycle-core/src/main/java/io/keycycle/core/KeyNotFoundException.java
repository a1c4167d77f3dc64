package io.keycycle.core;

import java.util.regex.Pattern;

/**
 * A pinned key (by index or fingerprint) does not exist in the provider's pool. The id is quoted
 * back only when it has the shape of an index or a fingerprint; anything else may be a secret pasted
 * where an id belongs, so the message and {@link #keyId()} carry its fingerprint instead.
 */
public class KeyNotFoundException extends KeycycleException {
    private static final Pattern SAFE_ID = Pattern.compile("\\d{1,9}|[0-9a-f]{8}…\\S{0,4}");

    private final String provider;
    private final String keyId;

    public KeyNotFoundException(String provider, String keyId, int poolSize) {
        super(message(provider, keyId, poolSize));
        this.provider = provider;
        this.keyId = safe(keyId);
    }

    private static String message(String provider, String keyId, int poolSize) {
        String id = trimmed(keyId);
        String which = SAFE_ID.matcher(id).matches() ? "'" + id + "'"
                : id.isEmpty() ? "'' (an empty id)"
                : "with fingerprint " + ApiKey.fingerprint(id)
                        + " (the id given is neither an index nor a fingerprint; not shown, as it may be a secret)";
        return "no key " + which + " among the " + poolSize + " keys of provider " + provider
                + " (give a 1-based index or a fingerprint as shown by `keycycle status`)";
    }

    private static String trimmed(String keyId) { return keyId == null ? "" : keyId.trim(); }

    /** The id as given when it is an index or a fingerprint, else the given text's fingerprint. */
    private static String safe(String keyId) {
        String id = trimmed(keyId);
        return id.isEmpty() || SAFE_ID.matcher(id).matches() ? id : ApiKey.fingerprint(id);
    }

    public String provider() { return provider; }

    /** The id given when it is an index or a fingerprint, else its fingerprint: never a raw secret. */
    public String keyId() { return keyId; }
}
