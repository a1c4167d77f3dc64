package io.keycycle.store;

import io.keycycle.core.ConfigurationException;

import java.time.Duration;
import java.util.Map;

/**
 * How long the store keeps what, and how it prunes. Raw usage rows (one per call; about 250 bytes
 * each) go after {@code rawUsage}; the per-minute aggregates the charts, forecasts and hydration read,
 * and the key-state history, go after {@code aggregates}. A background pruner deletes at most
 * {@code batchRows} rows per statement, pausing {@code pause} between statements so the writer gets
 * the database (SQLite has one write lock) between batches, and runs every {@code every}.
 *
 * @param rawUsage   age after which raw usage rows are deleted; {@link Duration#ZERO} keeps them forever
 * @param aggregates age after which per-minute aggregates and state history are deleted; ZERO keeps them
 * @param batchRows  rows per DELETE statement
 * @param pause      pause between two DELETE statements
 * @param every      interval between two pruning runs (the first runs one minute after the store opens)
 */
public record Retention(Duration rawUsage, Duration aggregates, int batchRows, Duration pause, Duration every) {

    /** 30 days of raw rows, 400 days of aggregates, 1,000 rows per statement, every 10 minutes. */
    public static final Retention DEFAULT = new Retention(Duration.ofDays(30), Duration.ofDays(400), 1_000,
            Duration.ofMillis(25), Duration.ofMinutes(10));

    /** Keeps everything; the pruner never runs. */
    public static final Retention KEEP_EVERYTHING = new Retention(Duration.ZERO, Duration.ZERO, 1_000,
            Duration.ofMillis(25), Duration.ofMinutes(10));

    public Retention {
        nonNegative("rawUsage", rawUsage);
        nonNegative("aggregates", aggregates);
        nonNegative("pause", pause);
        if (every == null || every.isNegative() || every.isZero()) throw new ConfigurationException("retention every must be > 0, was " + every);
        if (batchRows < 1 || batchRows > 100_000) throw new ConfigurationException("retention batchRows must be in 1..100000, was " + batchRows);
        if (!rawUsage.isZero() && !aggregates.isZero() && aggregates.compareTo(rawUsage) < 0) {
            throw new ConfigurationException("retention: aggregates (" + Durations.text(aggregates) + ") must be kept at least as long as raw usage ("
                    + Durations.text(rawUsage) + ")");
        }
        if (!rawUsage.isZero() && rawUsage.compareTo(Duration.ofDays(1)) < 0) {
            throw new ConfigurationException("retention: raw usage must be kept at least 1 day (hydration reads the last 24 h), was "
                    + Durations.text(rawUsage));
        }
        if (!aggregates.isZero() && aggregates.compareTo(Duration.ofDays(1)) < 0) {
            throw new ConfigurationException("retention: aggregates must be kept at least 1 day (hydration reads the last 24 h), was "
                    + Durations.text(aggregates));
        }
    }

    private static void nonNegative(String name, Duration d) {
        if (d == null || d.isNegative()) throw new ConfigurationException("retention " + name + " must be >= 0, was " + d);
    }

    /** True if anything is ever pruned. */
    public boolean prunes() { return !rawUsage.isZero() || !aggregates.isZero(); }

    public Retention withRawUsage(Duration d) { return new Retention(d, aggregates, batchRows, pause, every); }

    public Retention withAggregates(Duration d) { return new Retention(rawUsage, d, batchRows, pause, every); }

    /**
     * Reads {@code KEYCYCLE_RETENTION_RAW} and {@code KEYCYCLE_RETENTION_AGGREGATES} ({@code 30d},
     * {@code 400d}, {@code 12h}, or {@code forever}) over {@code base}.
     */
    public static Retention fromEnv(Map<String, String> env, Retention base) {
        Retention r = base;
        String raw = env.get("KEYCYCLE_RETENTION_RAW");
        if (raw != null && !raw.isBlank()) r = r.withRawUsage(Durations.parse("KEYCYCLE_RETENTION_RAW", raw));
        String agg = env.get("KEYCYCLE_RETENTION_AGGREGATES");
        if (agg != null && !agg.isBlank()) r = r.withAggregates(Durations.parse("KEYCYCLE_RETENTION_AGGREGATES", agg));
        return r;
    }

    /** "raw usage 30d, aggregates 400d" (or "forever"). */
    @Override public String toString() {
        return "raw usage " + Durations.text(rawUsage) + ", aggregates " + Durations.text(aggregates);
    }

    /** Parsing and printing of day/hour durations for retention settings. */
    static final class Durations {
        private Durations() { }

        static Duration parse(String what, String text) {
            String t = text.trim().toLowerCase(java.util.Locale.ROOT);
            if (t.equals("forever") || t.equals("0")) return Duration.ZERO;
            try {
                Duration d = io.keycycle.core.config.Quantities.duration(t);
                if (!d.isNegative() && d.toMillis() % 3_600_000L == 0) return d; // whole hours: what the retention keeps and prints
            } catch (IllegalArgumentException e) {
                // falls through to the error below
            }
            throw new ConfigurationException(what + " '" + text + "': expected a number of days or hours (30d, 12h) or 'forever'");
        }

        static String text(Duration d) {
            if (d.isZero()) return "forever";
            if (d.toHours() % 24 == 0) return d.toDays() + "d";
            return d.toHours() + "h";
        }
    }
}
