package io.keycycle.core.learn;

import io.keycycle.core.Limits;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
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
    private final Map<Key, Entry> entries = new ConcurrentHashMap<>();

    private record Key(String scope, String model, Limits.Metric metric) { }

    private static final class Entry {
        LearnedLimit learned;     // null: the table applies
        long pendingValue = -1;   // a higher value being confirmed
        int pendingCount;
    }

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
     * ({@link Limits#NONE} = unlimited). Returns the change, or null when nothing changed.
     *
     * @param source where the value was read, e.g. {@code groq x-ratelimit-limit-requests}
     */
    public Change observe(String scope, String model, Limits.Metric metric, long table, long reported, String source,
                          Instant now) {
        if (reported < 0) return null;
        Key key = new Key(scope, model, metric);
        Entry e = entries.computeIfAbsent(key, k -> new Entry());
        synchronized (e) {
            long inForce = e.learned != null ? e.learned.value() : table;
            if (reported == inForce) {
                e.pendingValue = -1;
                e.pendingCount = 0;
                return null;
            }
            boolean lower = inForce == Limits.NONE ? true : reported < inForce;
            if (!lower) {
                if (e.pendingValue != reported) {
                    e.pendingValue = reported;
                    e.pendingCount = 0;
                }
                if (++e.pendingCount < CONSISTENT) return null;
            }
            e.pendingValue = -1;
            e.pendingCount = 0;
            if (reported == table && e.learned != null) {
                LearnedLimit previous = e.learned;
                e.learned = null;
                return new Dropped(previous);
            }
            e.learned = new LearnedLimit(provider, scope, model, metric, table, reported, source, now);
            return new Adopted(e.learned);
        }
    }

    /** Puts back a limit learned by an earlier process (from the store). */
    public void restore(LearnedLimit limit) {
        if (!limit.provider().equals(provider)) return;
        Entry e = entries.computeIfAbsent(new Key(limit.scope(), limit.model(), limit.metric()), k -> new Entry());
        synchronized (e) {
            if (e.learned == null || !e.learned.at().isAfter(limit.at())) e.learned = limit;
        }
    }

    /** The learned limit in force for (scope, model, metric), or null when the table applies. */
    public LearnedLimit get(String scope, String model, Limits.Metric metric) {
        Entry e = entries.get(new Key(scope, model, metric));
        if (e == null) return null;
        synchronized (e) {
            return e.learned;
        }
    }

    /** Every learned limit in force. */
    public List<LearnedLimit> all() {
        List<LearnedLimit> out = new ArrayList<>();
        Collection<Entry> values = entries.values();
        for (Entry e : values) {
            synchronized (e) {
                if (e.learned != null) out.add(e.learned);
            }
        }
        out.sort(java.util.Comparator.comparing(LearnedLimit::scope).thenComparing(LearnedLimit::model)
                .thenComparing(LearnedLimit::metric));
        return out;
    }
}
