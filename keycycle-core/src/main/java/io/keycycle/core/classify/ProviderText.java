package io.keycycle.core.classify;

import java.util.regex.Pattern;

/**
 * Provider text made safe to show: whatever a provider (or a proxy in front of it) writes in an
 * error body may echo the request, headers included. Anything that looks like a credential (bearer
 * tokens, {@code sk-…}, {@code gsk_…}, {@code csk-…}, {@code AIza…}, {@code key=…} parameters,
 * long opaque tokens) becomes {@code [redacted]}, and only then is the text cut: cutting first could
 * leave the front half of a key that no longer looks like one. Text longer than {@link #SCAN_LIMIT}
 * is first cut at a word boundary far beyond any length shown, so a key split there is dropped with
 * the rest.
 */
public final class ProviderText {

    /** How much provider text is looked at, at most (regular expressions over megabytes would stall). */
    public static final int SCAN_LIMIT = 16_384;

    private static final Pattern[] SECRETS = {
            Pattern.compile("(?i)\\b(bearer|basic)\\s+[^\\s\"',;]+"),
            Pattern.compile("(?i)\\b(authorization|x-goog-api-key|x-api-key|api[_-]?key|access[_-]?token|key|token)"
                    + "(\"?\\s*[:=]\\s*\"?)[^\\s\"'&,;]+"),
            Pattern.compile("\\b(?:sk-or-v1-|sk-ant-|sk-proj-|sk-|gsk_|csk-|xai-|AIza)[A-Za-z0-9_\\-]{8,}"),
            // long opaque tokens that mix letters and digits (32+ chars)
            Pattern.compile("\\b(?=[A-Za-z0-9_\\-]*\\d)(?=[A-Za-z0-9_\\-]*[A-Za-z])[A-Za-z0-9_\\-]{32,}\\b"),
    };

    private ProviderText() { }

    /** Whitespace collapsed and credentials redacted, not shortened (beyond {@link #SCAN_LIMIT}). */
    public static String scrub(String text) {
        if (text == null) return "";
        String t = text;
        if (t.length() > SCAN_LIMIT) {
            int cut = SCAN_LIMIT;
            while (cut > SCAN_LIMIT - 512 && !Character.isWhitespace(t.charAt(cut))) cut--;
            t = t.substring(0, cut);
        }
        t = t.replaceAll("\\s+", " ").strip();
        t = SECRETS[0].matcher(t).replaceAll("$1 [redacted]");
        t = SECRETS[1].matcher(t).replaceAll("$1$2[redacted]");
        for (int i = 2; i < SECRETS.length; i++) t = SECRETS[i].matcher(t).replaceAll("[redacted]");
        return t;
    }

    /** {@link #scrub}, then at most {@code max} characters (an ellipsis marks a cut). */
    public static String abbreviate(String text, int max) {
        String t = scrub(text);
        return t.length() > max ? t.substring(0, Math.max(0, max - 1)) + "…" : t;
    }
}
