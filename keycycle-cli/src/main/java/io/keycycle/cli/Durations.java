package io.keycycle.cli;

import io.keycycle.core.config.Quantities;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

import java.time.Duration;

/**
 * Durations as operators write them ({@link Quantities#duration}): {@code 30d}, {@code 12h}, {@code 90m}, {@code 45s},
 * {@code 2w}, or ISO-8601 ({@code PT12H}). Must be positive.
 */
final class Durations implements ITypeConverter<Duration> {

        @Override
    public Duration convert(String value) {
        return parse(value);
    }

    static Duration parse(String value) {
        Duration d;
        try {
            d = Quantities.duration(value);
        } catch (IllegalArgumentException e) {
            throw new TypeConversionException(e.getMessage() + "; write e.g. 30d, 12h, 90m, 45s or 2w");
        }
        if (d.isZero() || d.isNegative()) throw new TypeConversionException("duration must be > 0, was '" + value + "'");
        return d;
    }

    /** {@code 2h05m}, {@code 3d4h}, {@code 42s}: short, for "until" columns. */
    static String format(Duration d) {
        long s = Math.max(0, d.toSeconds());
        if (s < 60) return s + "s";
        long m = s / 60;
        if (m < 60) return m + "m" + (s % 60 == 0 ? "" : String.format("%02ds", s % 60));
        long h = m / 60;
        if (h < 48) return h + "h" + (m % 60 == 0 ? "" : String.format("%02dm", m % 60));
        return (h / 24) + "d" + (h % 24 == 0 ? "" : (h % 24) + "h");
    }
}
