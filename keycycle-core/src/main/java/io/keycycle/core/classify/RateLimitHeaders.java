package io.keycycle.core.classify;

import io.keycycle.core.Limits.Metric;
import io.keycycle.core.Limits.Span;
import io.keycycle.core.ProviderResponse;
import io.keycycle.core.RateLimitObservation;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;

/**
 * Turns {@code x-ratelimit-*} headers into {@link RateLimitObservation}s.
 *
 * <ul>
 *   <li>Groq sends six unsuffixed headers: {@code *-requests} always describe the <b>day</b> request
 *       budget (RPD), {@code *-tokens} the <b>minute</b> token budget (TPM); resets are Go durations.</li>
 *   <li>Cerebras suffixes the window ({@code x-ratelimit-remaining-requests-day},
 *       {@code …-tokens-minute}; {@code -requests-minute}, {@code -tokens-hour}, {@code -tokens-day} are
 *       accepted too); resets are float seconds.</li>
 * </ul>
 * Unparseable values are skipped, never guessed.
 */
final class RateLimitHeaders {

    private static final String[] SPANS = {"minute", "hour", "day"};

    private RateLimitHeaders() {
    }

    /** Groq's unsuffixed headers. */
    static List<RateLimitObservation> groq(ProviderResponse r) {
        List<RateLimitObservation> out = new ArrayList<>(2);
        add(out, r, Metric.RPD, "requests", RetryDelays::goDuration);
        add(out, r, Metric.TPM, "tokens", RetryDelays::goDuration);
        return out;
    }

    /** Headers with a window suffix ({@code -minute}, {@code -hour}, {@code -day}), resets in seconds. */
    static List<RateLimitObservation> suffixed(ProviderResponse r) {
        List<RateLimitObservation> out = new ArrayList<>(2);
        for (String kind : new String[] {"requests", "tokens"}) {
            for (String span : SPANS) {
                Metric metric = Metric.of(Span.valueOf(span.toUpperCase(Locale.ROOT)),
                        kind.equals("tokens"));
                add(out, r, metric, kind + "-" + span, RetryDelays::seconds);
            }
        }
        return out;
    }

    /** The {@code remaining} count of a header, or -1 when absent or unparseable. */
    static long remaining(ProviderResponse r, String suffix) {
        return count(r.header("x-ratelimit-remaining-" + suffix));
    }

    private static void add(List<RateLimitObservation> out, ProviderResponse r, Metric metric, String suffix,
                            Function<String, Optional<Duration>> resetParser) {
        long limit = count(r.header("x-ratelimit-limit-" + suffix));
        long remaining = count(r.header("x-ratelimit-remaining-" + suffix));
        Duration reset = resetParser.apply(r.header("x-ratelimit-reset-" + suffix)).orElse(null);
        if (limit >= 0 || remaining >= 0 || reset != null) {
            out.add(new RateLimitObservation(metric, limit, remaining, reset));
        }
    }

    /** A non-negative count ({@code 14370}, leniently {@code 14370.0}), or -1. */
    static long count(String value) {
        if (value == null) return -1;
        String v = value.strip();
        if (v.isEmpty() || v.length() > 24 || !v.matches("\\d+(\\.\\d+)?")) return -1;
        try {
            BigDecimal d = new BigDecimal(v);
            return d.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) >= 0 ? Long.MAX_VALUE : d.longValue();
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
