package io.keycycle.core.classify;

import io.keycycle.core.Limits.Metric;
import io.keycycle.core.Limits.Span;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The limit a rate-limit message names: a metric when known, and at least its window. Audio
 * limits (Groq {@code (ASH)/(ASD)}) have a window but no metric of ours.
 */
record TrippedWindow(Metric metric, Span span) {

    private static final Pattern ABBREVIATION = Pattern.compile("\\((RPM|RPH|RPD|TPM|TPH|TPD|ITPM|OTPM|ASH|ASD)\\)");
    private static final Pattern WORDS = Pattern.compile(
            "(?i)\\b(requests?|tokens?)\\s+per\\s+(minute|hour|day)\\b");

    static TrippedWindow of(Metric metric) {
        return new TrippedWindow(metric, metric.span());
    }

    /** The window a message names: {@code (TPD)} first, then words such as "Tokens per minute"; else null. */
    static TrippedWindow fromText(String text) {
        if (text == null || text.isEmpty()) return null;
        Matcher m = ABBREVIATION.matcher(text);
        if (m.find()) {
            return switch (m.group(1)) {
                case "ITPM", "OTPM" -> of(Metric.TPM);
                case "ASH" -> new TrippedWindow(null, Span.HOUR);
                case "ASD" -> new TrippedWindow(null, Span.DAY);
                default -> of(Metric.parse(m.group(1)));
            };
        }
        Matcher w = WORDS.matcher(text);
        if (w.find()) {
            boolean tokens = w.group(1).toLowerCase(Locale.ROOT).startsWith("token");
            Span span = Span.valueOf(w.group(2).toUpperCase(Locale.ROOT));
            return of(Metric.of(span, tokens));
        }
        return null;
    }

    boolean daily() {
        return span == Span.DAY;
    }

    /** "RPM", or the window name when the metric is unknown. */
    String label() {
        return metric != null ? metric.name() : span.name().toLowerCase(Locale.ROOT);
    }
}
