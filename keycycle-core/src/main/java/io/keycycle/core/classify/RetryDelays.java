package io.keycycle.core.classify;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parsers for the ways providers say "wait this long": {@code retry-after} values, Go durations
 * (Groq's {@code x-ratelimit-reset-*}: {@code 2m59.56s}), protobuf JSON durations (Gemini's
 * {@code RetryInfo.retryDelay}: {@code "38s"}), float seconds (Cerebras reset headers), epoch
 * milliseconds (OpenRouter {@code X-RateLimit-Reset}) and "try again in …" sentences.
 *
 * <p>Every method is total: garbage, blanks, negative values and null give {@link Optional#empty()},
 * never an exception. Parsed waits are clamped to {@link #MAX_WAIT} so that an absurd header cannot
 * overflow arithmetic; the engine caps cooldowns on its own anyway.
 */
public final class RetryDelays {

    /** Upper bound of any parsed wait (one year). */
    public static final Duration MAX_WAIT = Duration.ofDays(365);

    private static final BigDecimal NANOS_PER_SECOND = BigDecimal.valueOf(1_000_000_000L);
    private static final BigDecimal MAX_SECONDS = BigDecimal.valueOf(MAX_WAIT.getSeconds());
    private static final int MAX_INPUT = 64;

    private static final Pattern GO_PART = Pattern.compile("(\\d+(?:\\.\\d*)?|\\.\\d+)(ns|us|µs|μs|ms|s|m|h)");
    private static final Pattern GO_WHOLE = Pattern.compile("(?:(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:ns|us|µs|μs|ms|s|m|h))+");
    private static final Pattern DECIMAL = Pattern.compile("\\d+(?:\\.\\d+)?|\\.\\d+");
    private static final Pattern PROTO = Pattern.compile("(\\d+(?:\\.\\d+)?|\\.\\d+)s");
    private static final Pattern TEXT_GO = Pattern.compile(
            "(?i)\\b(?:try again|retry)\\s+(?:in|after)\\s+((?:(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:ns|us|µs|μs|ms|s|m|h))+)(?![\\w])");
    private static final Pattern TEXT_WORDS = Pattern.compile(
            "(?i)\\b(?:try again|retry)\\s+(?:in|after)\\s+(\\d+(?:\\.\\d+)?)\\s*"
                    + "(milliseconds?|millis|ms|seconds?|secs?|minutes?|mins?|hours?|hrs?)\\b");

    private RetryDelays() {
    }

    /**
     * A {@code retry-after} header value: delta-seconds ({@code 2}, leniently also {@code 1.5}) or an
     * HTTP-date ({@code Wed, 21 Oct 2026 07:28:00 GMT}), the latter measured from {@code now} and
     * floored at zero.
     */
    public static Optional<Duration> retryAfter(String value, Instant now) {
        if (value == null) return Optional.empty();
        String v = value.trim();
        if (v.isEmpty() || v.length() > MAX_INPUT) return Optional.empty();
        if (DECIMAL.matcher(v).matches()) return seconds(v);
        if (now == null) return Optional.empty();
        try {
            Instant at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
            Duration d = Duration.between(now, at);
            return Optional.of(clamp(d.isNegative() ? Duration.ZERO : d));
        } catch (DateTimeParseException | ArithmeticException e) {
            return Optional.empty();
        }
    }

    /**
     * A Go {@code time.Duration} string as Groq sends it: {@code 2m59.56s}, {@code 7.66s},
     * {@code 1h2m3s}, {@code 500ms}, {@code 0s}. Units ns, us/µs, ms, s, m, h; no sign.
     */
    public static Optional<Duration> goDuration(String value) {
        if (value == null) return Optional.empty();
        String v = value.trim();
        if (v.isEmpty() || v.length() > MAX_INPUT) return Optional.empty();
        if (v.equals("0")) return Optional.of(Duration.ZERO);
        if (!GO_WHOLE.matcher(v).matches()) return Optional.empty();
        BigDecimal seconds = BigDecimal.ZERO;
        Matcher m = GO_PART.matcher(v);
        while (m.find()) {
            seconds = seconds.add(new BigDecimal(normalise(m.group(1))).multiply(unitSeconds(m.group(2))));
        }
        return Optional.of(ofSeconds(seconds));
    }

    /** A protobuf JSON duration as in Gemini's {@code RetryInfo.retryDelay}: {@code "38s"}, {@code "0.5s"}. */
    public static Optional<Duration> protobufDuration(String value) {
        if (value == null) return Optional.empty();
        String v = value.trim();
        if (v.length() > MAX_INPUT) return Optional.empty();
        Matcher m = PROTO.matcher(v);
        if (!m.matches()) return Optional.empty();
        return Optional.of(ofSeconds(new BigDecimal(normalise(m.group(1)))));
    }

    /** Non-negative decimal seconds, as in Cerebras' {@code x-ratelimit-reset-*} headers ({@code 11.3828}). */
    public static Optional<Duration> seconds(String value) {
        if (value == null) return Optional.empty();
        String v = value.trim();
        if (v.length() > MAX_INPUT || !DECIMAL.matcher(v).matches()) return Optional.empty();
        return Optional.of(ofSeconds(new BigDecimal(normalise(v))));
    }

    /**
     * An absolute reset instant in epoch <b>milliseconds</b> (OpenRouter {@code X-RateLimit-Reset}).
     * Caveat: a value below 10<sup>11</sup> cannot be a millisecond timestamp of this century and is
     * read as epoch seconds instead.
     */
    public static Optional<Instant> epochMillis(String value) {
        if (value == null) return Optional.empty();
        String v = value.trim();
        if (v.length() > 20 || !DECIMAL.matcher(v).matches()) return Optional.empty();
        try {
            long n = new BigDecimal(normalise(v)).longValue();
            if (n <= 0 || n > 32_503_680_000_000L) return Optional.empty(); // year 3000
            return Optional.of(n < 100_000_000_000L ? Instant.ofEpochSecond(n) : Instant.ofEpochMilli(n));
        } catch (ArithmeticException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /**
     * The wait named in a sentence: "Please try again in 9m38.016s", "Please retry in 38.90923309s",
     * "retry after 20 seconds". The first such phrase wins; bare numbers never count.
     */
    public static Optional<Duration> fromMessage(String text) {
        if (text == null || text.isEmpty()) return Optional.empty();
        String t = text.length() > 8192 ? text.substring(0, 8192) : text;
        Matcher go = TEXT_GO.matcher(t);
        Matcher words = TEXT_WORDS.matcher(t);
        boolean g = go.find();
        boolean w = words.find();
        if (w && (!g || words.start() <= go.start())) {
            BigDecimal n = new BigDecimal(words.group(1));
            String unit = words.group(2).toLowerCase(Locale.ROOT);
            BigDecimal factor = unit.startsWith("ms") || unit.startsWith("milli") ? new BigDecimal("0.001")
                    : unit.startsWith("m") ? BigDecimal.valueOf(60)
                    : unit.startsWith("h") ? BigDecimal.valueOf(3600)
                    : BigDecimal.ONE;
            return Optional.of(ofSeconds(n.multiply(factor)));
        }
        return g ? goDuration(go.group(1)) : Optional.empty();
    }

    private static String normalise(String number) {
        String n = number.endsWith(".") ? number + "0" : number;
        return n.startsWith(".") ? "0" + n : n;
    }

    private static BigDecimal unitSeconds(String unit) {
        return switch (unit) {
            case "ns" -> new BigDecimal("0.000000001");
            case "us", "µs", "μs" -> new BigDecimal("0.000001");
            case "ms" -> new BigDecimal("0.001");
            case "s" -> BigDecimal.ONE;
            case "m" -> BigDecimal.valueOf(60);
            default -> BigDecimal.valueOf(3600);
        };
    }

    private static Duration ofSeconds(BigDecimal seconds) {
        if (seconds.signum() <= 0) return Duration.ZERO;
        if (seconds.compareTo(MAX_SECONDS) >= 0) return MAX_WAIT;
        long nanos = seconds.multiply(NANOS_PER_SECOND).longValue();
        return Duration.ofNanos(nanos);
    }

    private static Duration clamp(Duration d) {
        return d.compareTo(MAX_WAIT) > 0 ? MAX_WAIT : d;
    }
}
