package io.keycycle.core.learn;

import io.keycycle.core.Limits;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Decides when a limit the provider reports replaces the table's, per (scope, model, metric). Pure
 * and O(1) per observation; the caller passes the instant.
 *
 * <p>The rule is asymmetric, because the two mistakes cost differently: believing a limit that is
 * too high costs 429s, believing one that is too low only idles capacity for a while.
 * <ul>
 *   <li>A reported limit <b>below</b> the one in force is adopted at once: the next admission already
 *       respects it, so a wrong table costs at most the one answer that revealed it.</li>
 *   <li>A reported limit <b>above</b> the one in force (the provider raised it, or a lower value was a
 *       one-off) is adopted only after {@link #CONSISTENT} observations in a row report that same
 *       value; any other value in between restarts the count.</li>
 *   <li>Reporting exactly the table's value again, consistently, removes the learned limit.</li>
 * </ul>
 */
public final class LimitLearner {

    /** How many consecutive equal reports a higher limit needs before it is believed. */
    public static final int CONSISTENT = 3;

    private final String provider;
    /** Per (scope, model, metric): a higher value being confirmed and how often it was reported in a row. */
    private final Map<Key, long[]> pending = new ConcurrentHashMap<>();

    private record Key(String scope, String model, Limits.Metric metric) { }

    /** What one observation changed. */
    public sealed interface Change permits Adopted, Dropped { }

    /** A learned limit now applies (new, lower, or confirmed higher). */
    public record Adopted(LearnedLimit limit) implements Change { }

    /** The provider consistently reports the table's value again: the learned limit is gone. */
    public record Dropped(LearnedLimit previous) implements Change { }

    public LimitLearner(String provider) {
        this.provider = Objects.requireNonNull(provider, "provider");
    }

    /**
     * One report of {@code reported} for (scope, model, metric), whose table value is {@code table}
     * ({@link Limits#NONE} = unlimited) and whose learned limit in force is {@code current} (null: the
     * table applies). Returns the change to apply, or null when nothing changes. The limit in force
     * is kept by the caller (the pool's state store, shared between processes); this object only
     * counts the reports of a higher value.
     *
     * @param source where the value was read, e.g. {@code groq}
     */
    public Change observe(String scope, String model, Limits.Metric metric, long table, LearnedLimit current, long reported,
                          String source, Instant now) {
        if (reported < 0) return null;
        long inForce = current != null ? current.value() : table;
        Key key = new Key(scope, model, metric);
        if (reported == inForce) {
            pending.remove(key);
            return null;
        }
        boolean lower = inForce == Limits.NONE || reported < inForce;
        if (!lower) {
            long[] p = pending.computeIfAbsent(key, k -> new long[] {-1, 0});
            synchronized (p) {
                if (p[0] != reported) {
                    p[0] = reported;
                    p[1] = 0;
                }
                if (++p[1] < CONSISTENT) return null;
            }
        }
        pending.remove(key);
        if (reported == table && current != null) return new Dropped(current);
        return new Adopted(new LearnedLimit(provider, scope, model, metric, table, reported, source, now));
    }
}
