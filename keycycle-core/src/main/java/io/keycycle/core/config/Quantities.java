package io.keycycle.core.config;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations and sizes as operators write them, in the configuration file, on the command line and
 * in the environment: one parser for all of them. Callers word the error for where the value came
 * from (a YAML key, an option) and check the range they need.
 */
public final class Quantities {

    private static final Pattern DURATION = Pattern.compile("(\\d{1,15})\\s*(ms|s|m|h|d|w)");
    private static final Pattern SIZE = Pattern.compile("(\\d{1,15})\\s*(kib|mib|gib)?");

    private Quantities() { }

    /**
     * {@code 500ms}, {@code 90s}, {@code 2m}, {@code 1h}, {@code 30d}, {@code 2w}, or ISO-8601
     * ({@code PT2M}); case and underscores ignored. Zero and negative values are the caller's to refuse.
     *
     * @throws IllegalArgumentException when the text is not a duration
     */
    public static Duration duration(String text) {
        String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT).replace("_", "");
        Matcher m = DURATION.matcher(t);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            Duration d;
            try {
                d = switch (m.group(2)) {
                    case "ms" -> Duration.ofMillis(n);
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    case "h" -> Duration.ofHours(n);
                    case "d" -> Duration.ofDays(n);
                    default -> Duration.ofDays(Math.multiplyExact(7, n));
                };
            } catch (ArithmeticException tooLong) {
                throw new IllegalArgumentException("'" + text + "' is longer than a duration can be");
            }
            return checked(d, text);
        }
        Duration d;
        try {
            d = Duration.parse(t.toUpperCase(Locale.ROOT));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("'" + text + "' is not a duration");
        }
        return checked(d, text);
    }

    /** The longest duration taken: longer ones overflow the millisecond arithmetic that uses them. */
    public static final Duration MAX_DURATION = Duration.ofDays(100 * 366);

    private static Duration checked(Duration d, String text) {
        if (d.compareTo(MAX_DURATION) > 0) {
            throw new IllegalArgumentException("'" + text + "' is longer than " + MAX_DURATION.toDays() + " days, the longest duration taken");
        }
        return d;
    }

    /** A duration as the shortest of these forms that is exact: 250ms, 90s, 2m, 1h (what {@link #duration} reads back). */
    public static String format(Duration d) {
        long ms = d.toMillis();
        if (ms % 1000 != 0) return ms + "ms";
        long s = ms / 1000;
        if (s % 60 != 0) return s + "s";
        long m = s / 60;
        if (m % 60 != 0) return m + "m";
        return (m / 60) + "h";
    }

    /**
     * Bytes: a whole number, or one with {@code KiB}, {@code MiB} or {@code GiB} (powers of 1024);
     * case and underscores ignored. A size beyond a long saturates at {@link Long#MAX_VALUE} (callers
     * check their maximum).
     *
     * @throws IllegalArgumentException when the text is not a size
     */
    public static long bytes(String text) {
        String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT).replace("_", "");
        Matcher m = SIZE.matcher(t);
        if (!m.matches()) throw new IllegalArgumentException("'" + text + "' is not a size");
        long n = Long.parseLong(m.group(1));
        if (m.group(2) == null) return n;
        int shift = switch (m.group(2)) {
            case "kib" -> 10;
            case "mib" -> 20;
            default -> 30;
        };
        return n > (Long.MAX_VALUE >> shift) ? Long.MAX_VALUE : n << shift;
    }
}
