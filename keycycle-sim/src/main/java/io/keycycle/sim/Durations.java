package io.keycycle.sim;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.Locale;

/** Duration formats the providers use, and a lenient parser for flags and configuration. */
final class Durations {

    private Durations() {
    }

    /**
     * Go's {@code time.Duration.String()} at millisecond precision, as Groq sends it:
     * {@code 2m59.56s}, {@code 7.66s}, {@code 1h0m0s}, {@code 250ms}, {@code 0s}.
     */
    static String go(Duration d) {
        long ms = Math.max(0, (d.toNanos() + 999_999) / 1_000_000);
        if (ms == 0) {
            return "0s";
        }
        if (ms < 1000) {
            return ms + "ms";
        }
        long h = ms / 3_600_000;
        long m = (ms / 60_000) % 60;
        long sMs = ms % 60_000;
        StringBuilder b = new StringBuilder();
        if (h > 0) {
            b.append(h).append('h');
        }
        if (h > 0 || m > 0) {
            b.append(m).append('m');
        }
        b.append(seconds(sMs)).append('s');
        return b.toString();
    }

    /** Seconds with up to three decimals, trailing zeros dropped: 2000 → "2", 2560 → "2.56". */
    private static String seconds(long ms) {
        return BigDecimal.valueOf(ms, 3).stripTrailingZeros().toPlainString();
    }

    /** Float seconds as Cerebras writes its reset headers: {@code 11.382867097854614}. */
    static String floatSeconds(Duration d) {
        return Double.toString(Math.max(0, d.toNanos()) / 1e9);
    }

    /** Seconds with up to nine decimals, as in Gemini's "Please retry in 38.90923309s." */
    static String preciseSeconds(Duration d) {
        return BigDecimal.valueOf(Math.max(0, d.toNanos()), 9).stripTrailingZeros().toPlainString();
    }

    /** Whole seconds, rounded up, at least 1: the {@code retry-after} header. */
    static long ceilSeconds(Duration d) {
        long s = BigDecimal.valueOf(Math.max(0, d.toNanos()), 9).setScale(0, RoundingMode.CEILING).longValue();
        return Math.max(1, s);
    }

    /** Parses {@code 250ms}, {@code 2s}, {@code 1.5s}, {@code 3m}, {@code 1h} or ISO {@code PT2S}. */
    static Duration parse(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        try {
            if (t.startsWith("pt")) {
                return Duration.parse(t.toUpperCase(Locale.ROOT));
            }
            if (t.endsWith("ms")) {
                return Duration.ofNanos(new BigDecimal(t.substring(0, t.length() - 2)).movePointRight(6).longValueExact());
            }
            long unitNanos = switch (t.charAt(t.length() - 1)) {
                case 's' -> 1_000_000_000L;
                case 'm' -> 60_000_000_000L;
                case 'h' -> 3_600_000_000_000L;
                default -> throw new NumberFormatException();
            };
            BigDecimal n = new BigDecimal(t.substring(0, t.length() - 1));
            return Duration.ofNanos(n.multiply(BigDecimal.valueOf(unitNanos)).longValue());
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("not a duration: '" + text + "' (expected e.g. 250ms, 2s, 3m, 1h or PT2S)");
        }
    }
}
