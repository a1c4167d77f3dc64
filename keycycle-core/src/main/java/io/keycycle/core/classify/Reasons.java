package io.keycycle.core.classify;

import java.util.regex.Pattern;

/**
 * Builds the short human {@code reason} of an outcome. Provider text is trusted for content but not
 * for secrets: anything that looks like a credential (bearer tokens, {@code sk-…}, {@code gsk_…},
 * {@code csk-…}, {@code AIza…}, {@code key=…} parameters, long opaque tokens) is replaced by
 * {@code [redacted]}, whitespace is collapsed and the result is capped at {@link #MAX_LENGTH}.
 */
final class Reasons {

    static final int MAX_LENGTH = 240;

    private static final Pattern[] SECRETS = {
            Pattern.compile("(?i)\\b(bearer|basic)\\s+[^\\s\"',;]+"),
            Pattern.compile("(?i)\\b(authorization|x-goog-api-key|x-api-key|api[_-]?key|access[_-]?token|key|token)"
                    + "(\"?\\s*[:=]\\s*\"?)[^\\s\"'&,;]+"),
            Pattern.compile("\\b(?:sk-or-v1-|sk-ant-|sk-proj-|sk-|gsk_|csk-|xai-|AIza)[A-Za-z0-9_\\-]{8,}"),
            // long opaque tokens that mix letters and digits (32+ chars)
            Pattern.compile("\\b(?=[A-Za-z0-9_\\-]*\\d)(?=[A-Za-z0-9_\\-]*[A-Za-z])[A-Za-z0-9_\\-]{32,}\\b"),
    };

    private Reasons() {
    }

    /** {@code summary}, then {@code ": "} and the cleaned provider text if there is any. */
    static String of(String summary, String providerText) {
        String detail = providerText == null ? "" : providerText.strip();
        return clean(detail.isEmpty() ? summary : summary + ": " + detail);
    }

    /** Redacts secrets, collapses whitespace, caps the length. */
    static String clean(String text) {
        if (text == null) return "";
        String t = text.length() > 4 * MAX_LENGTH ? text.substring(0, 4 * MAX_LENGTH) : text;
        t = t.replaceAll("\\s+", " ").strip();
        t = SECRETS[0].matcher(t).replaceAll("$1 [redacted]");
        t = SECRETS[1].matcher(t).replaceAll("$1$2[redacted]");
        for (int i = 2; i < SECRETS.length; i++) {
            t = SECRETS[i].matcher(t).replaceAll("[redacted]");
        }
        return t.length() > MAX_LENGTH ? t.substring(0, MAX_LENGTH - 1) + "…" : t;
    }
}
