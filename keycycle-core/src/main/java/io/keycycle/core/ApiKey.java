package io.keycycle.core;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;

/**
 * One API key of a provider. The secret is only reachable through {@link #secret()}; everything
 * else (logs, database, metrics, errors, {@link #toString()}) uses the {@link #fingerprint()}.
 *
 * @param provider provider name (lower case, e.g. {@code groq})
 * @param index    1-based index from {@code <P>_API_KEY_<i>}
 * @param scope    the organisation/project/account whose limits the key shares; defaults to the
 *                 key's own fingerprint (each key its own scope)
 */
public final class ApiKey {

    private final String provider;
    private final int index;
    private final String secret;
    private final String scope;
    private final String fingerprint;

    public ApiKey(String provider, int index, String secret, String scope) {
        this.provider = Objects.requireNonNull(provider, "provider");
        if (secret == null || secret.isBlank()) {
            throw new ConfigurationException("API key " + provider + " #" + index + " is empty");
        }
        this.index = index;
        String problem = headerProblem(secret.trim());
        if (problem != null) {
            // the message names the position and the kind of character, never the secret or a part of it
            throw new ConfigurationException("API key " + provider + " #" + index + " cannot be sent in an HTTP header: " + problem);
        }
        this.secret = secret.trim();
        this.fingerprint = fingerprint(this.secret);
        this.scope = scope == null || scope.isBlank() ? "key-" + fingerprint : scope.trim();
    }

    public static ApiKey of(String provider, int index, String secret) { return new ApiKey(provider, index, secret, null); }

    /**
     * A short, stable, non-reversible identifier: the first 8 hex digits of SHA-256 of the secret,
     * then the last 4 characters ({@code 3f9a1c07…wxyz}). Two keys with the same tail still differ.
     */
    public static String fingerprint(String secret) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(secret.trim().getBytes(StandardCharsets.UTF_8));
            String s = secret.trim();
            String tail = s.length() <= 4 ? "" : s.substring(s.length() - 4);
            return HexFormat.of().formatHex(h, 0, 4) + "…" + tail;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Null when {@code secret} can travel in an {@code Authorization} or {@code x-api-key} header
     * (visible ASCII, no spaces), else what is wrong, by position and character class only, so an
     * HTTP library never gets to reject it with an error that quotes {@code Bearer <secret>}.
     */
    public static String headerProblem(String secret) {
        for (int i = 0; i < secret.length(); i++) {
            char c = secret.charAt(i);
            if (c > 0x20 && c < 0x7f) continue;
            String what = c == '\n' || c == '\r' ? "a line break" : c == ' ' || c == '\t' ? "a space"
                    : c < 0x20 || c == 0x7f ? "a control character" : "a non-ASCII character";
            return "character " + (i + 1) + " of " + secret.length() + " is " + what
                    + " (keys are printable ASCII; was the value pasted with quotes, spaces or a line break?)";
        }
        return null;
    }

    public String provider() { return provider; }
    public int index() { return index; }
    /** The raw secret, for the HTTP call only. Never log it. */
    public String secret() { return secret; }
    public String scope() { return scope; }
    public String fingerprint() { return fingerprint; }

    /** True if the raw secret ends with {@code suffix} (legacy import matches by suffix). */
    public boolean secretEndsWith(String suffix) { return suffix != null && !suffix.isEmpty() && secret.endsWith(suffix); }

    @Override public String toString() { return provider + "#" + index + "[" + fingerprint + ", scope=" + scope + "]"; }
    @Override public boolean equals(Object o) { return o instanceof ApiKey k && k.provider.equals(provider) && k.secret.equals(secret); }
    @Override public int hashCode() { return provider.hashCode() * 31 + fingerprint.hashCode(); }
}
