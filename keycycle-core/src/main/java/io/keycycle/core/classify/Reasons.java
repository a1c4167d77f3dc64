package io.keycycle.core.classify;

/**
 * Builds the short human {@code reason} of an outcome. Provider text is trusted for content but not
 * for secrets: anything that looks like a credential (bearer tokens, {@code sk-…}, {@code gsk_…},
 * {@code csk-…}, {@code AIza…}, {@code key=…} parameters, long opaque tokens) is replaced by
 * {@code [redacted]}, whitespace is collapsed and the result is capped at {@link #MAX_LENGTH}.
 */
final class Reasons {

    static final int MAX_LENGTH = 240;

    private Reasons() {
    }

    /** {@code summary}, then {@code ": "} and the cleaned provider text if there is any. */
    static String of(String summary, String providerText) {
        String detail = providerText == null ? "" : providerText.strip();
        return clean(detail.isEmpty() ? summary : summary + ": " + detail);
    }

    /** Redacts secrets, collapses whitespace, then caps the length ({@link ProviderText}). */
    static String clean(String text) { return ProviderText.abbreviate(text, MAX_LENGTH); }
}
