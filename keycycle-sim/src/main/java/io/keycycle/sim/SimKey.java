package io.keycycle.sim;

import java.util.Objects;

/**
 * One configured bearer secret, the scope (organisation, project or account) whose limits it
 * shares, and its initial state. {@link #toString()} shows only {@link #mask()}.
 */
public record SimKey(String secret, String scope, KeyState state) {

    public SimKey {
        if (secret == null || secret.isBlank()) {
            throw new IllegalArgumentException("key secret must not be blank");
        }
        if (scope == null || scope.isBlank()) {
            throw new IllegalArgumentException("scope must not be blank for key " + mask(secret));
        }
        Objects.requireNonNull(state, "state");
    }

    /** An active key in its own scope. */
    public static SimKey of(String secret, String scope) {
        return new SimKey(secret, scope, KeyState.ACTIVE);
    }

    /**
     * The {@code index}-th (1-based) obviously fake key of a provider, shaped like the real ones:
     * {@code csk-test-…0001}, {@code gsk_test_…0001}, {@code AIzaSyTest…0001} (39 chars),
     * {@code sk-or-v1-test…0001}. Deterministic, so tests and the standalone simulator agree.
     */
    public static String fakeSecret(ProviderKind kind, int index) {
        if (index < 1) {
            throw new IllegalArgumentException("fake key index must be >= 1, was " + index);
        }
        return switch (kind) {
            case CEREBRAS -> "csk-test-" + pad(index, 24);
            case GROQ -> "gsk_test_" + pad(index, 22);
            case GEMINI -> "AIzaSyTest" + pad(index, 29);
            case OPENROUTER -> "sk-or-v1-test" + pad(index, 24);
        };
    }

    /** Same key with another state. */
    public SimKey withState(KeyState newState) {
        return new SimKey(secret, scope, newState);
    }

    /**
     * The scope of a key that shares its limits with no other: {@code scope-} and 12 hex digits of
     * the secret's SHA-256. Never the secret itself (a scope appears in Groq's error text and the
     * stats), and unlike the {@link #mask} distinct for secrets that end alike.
     */
    static String ownScope(String secret) {
        try {
            byte[] h = java.security.MessageDigest.getInstance("SHA-256")
                    .digest(secret.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return "scope-" + java.util.HexFormat.of().formatHex(h, 0, 6);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The printable identity of this key: an ellipsis and its last four characters. */
    public String mask() {
        return mask(secret);
    }

    static String mask(String secret) {
        if (secret == null || secret.isEmpty()) {
            return "…none";
        }
        return "…" + secret.substring(Math.max(0, secret.length() - 4));
    }

    private static String pad(int index, int width) {
        String s = Integer.toString(index);
        return "0".repeat(Math.max(0, width - s.length())) + s;
    }

    @Override
    public String toString() {
        return "SimKey[" + mask() + ", scope=" + scope + ", " + state + "]";
    }
}
