package io.keycycle.sim;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Predicate;

/**
 * What the simulator answered, counted per provider, key, scope and model. A live view: every call
 * reads the current counters. Keys appear only as their index in the provider's configuration
 * (0 for keys it does not know) and a mask of their last four characters.
 *
 * <p>A request is counted before its answer is written, so a client that has read an answer
 * always finds it in the stats.
 */
public final class SimStats {

    /** One (provider, key, scope, model) line. {@code hour429} is separate from {@code minute429}. */
    public record Row(String provider, int keyIndex, String keyMask, String scope, String model,
                      long requests, long successes, long minute429, long hour429, long day429, long other429,
                      long otherErrors, long promptTokens, long completionTokens, long totalTokens) {

        /** Every 429 this line sent: rate limits, day quotas and capacity/upstream 429s. */
        public long total429() {
            return minute429 + hour429 + day429 + other429;
        }

        Row plus(Row o) {
            return new Row(provider, keyIndex, keyMask, scope, model, requests + o.requests, successes + o.successes,
                    minute429 + o.minute429, hour429 + o.hour429, day429 + o.day429, other429 + o.other429,
                    otherErrors + o.otherErrors, promptTokens + o.promptTokens,
                    completionTokens + o.completionTokens, totalTokens + o.totalTokens);
        }
    }

    record Key(String provider, int keyIndex, String keyMask, String scope, String model) {
    }

    private static final class Counters {
        final LongAdder[] byOutcome = new LongAdder[Outcome.values().length];
        final LongAdder prompt = new LongAdder();
        final LongAdder completion = new LongAdder();
        final LongAdder total = new LongAdder();

        Counters() {
            for (int i = 0; i < byOutcome.length; i++) {
                byOutcome[i] = new LongAdder();
            }
        }

        long get(Outcome o) {
            return byOutcome[o.ordinal()].sum();
        }
    }

    private final ConcurrentHashMap<Key, Counters> counters = new ConcurrentHashMap<>();

    SimStats() {
    }

    void record(Key key, Outcome outcome, long prompt, long completion, long total) {
        Counters c = counters.computeIfAbsent(key, k -> new Counters());
        c.byOutcome[outcome.ordinal()].increment();
        c.prompt.add(prompt);
        c.completion.add(completion);
        c.total.add(total);
    }

    /** A snapshot of every line, ordered by provider, key index, model. */
    public List<Row> rows() {
        List<Row> out = new ArrayList<>();
        counters.forEach((k, c) -> {
            long requests = 0;
            for (Outcome o : Outcome.values()) {
                requests += c.get(o);
            }
            out.add(new Row(k.provider(), k.keyIndex(), k.keyMask(), k.scope(), k.model(), requests,
                    c.get(Outcome.SUCCESS), c.get(Outcome.MINUTE_429), c.get(Outcome.HOUR_429), c.get(Outcome.DAY_429),
                    c.get(Outcome.OTHER_429), c.get(Outcome.ERROR), c.prompt.sum(), c.completion.sum(), c.total.sum()));
        });
        out.sort(Comparator.comparing(Row::provider).thenComparingInt(Row::keyIndex).thenComparing(Row::keyMask)
                .thenComparing(Row::model));
        return out;
    }

    /** The sum of the lines matching {@code filter}; identity fields are {@code *}. */
    public Row total(Predicate<Row> filter) {
        Row sum = new Row("*", 0, "*", "*", "*", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
        for (Row r : rows()) {
            if (filter.test(r)) {
                sum = sum.plus(r);
            }
        }
        return sum;
    }

    /** The sum over everything. */
    public Row total() {
        return total(r -> true);
    }

    /** The sum over one provider ({@code groq}). */
    public Row total(String provider) {
        return total(r -> r.provider().equals(provider));
    }

    /** Every 429 sent, any provider, any cause: what "zero upstream 429s" assertions read. */
    public long total429() {
        return total().total429();
    }

    public long totalRequests() {
        return total().requests();
    }

    /** Forgets every counter (windows and key states are untouched; see {@link Simulator#reset()}). */
    public void reset() {
        counters.clear();
    }

    /** A fixed-width table of {@link #rows()}, safe to print (keys masked). */
    public String table() {
        StringBuilder b = new StringBuilder(String.format("%-10s %-9s %-12s %-40s %6s %6s %5s %5s %5s %5s %5s %9s %9s%n",
                "provider", "key", "scope", "model", "req", "ok", "429m", "429h", "429d", "429o", "err", "prompt", "compl"));
        for (Row r : rows()) {
            b.append(String.format("%-10s %-9s %-12s %-40s %6d %6d %5d %5d %5d %5d %5d %9d %9d%n",
                    r.provider(), "#" + r.keyIndex() + r.keyMask(), r.scope(), r.model(), r.requests(), r.successes(),
                    r.minute429(), r.hour429(), r.day429(), r.other429(), r.otherErrors(), r.promptTokens(),
                    r.completionTokens()));
        }
        return b.toString();
    }

    @Override
    public String toString() {
        Row t = total();
        return "SimStats[requests=" + t.requests() + ", successes=" + t.successes() + ", 429s=" + t.total429()
                + ", otherErrors=" + t.otherErrors() + "]";
    }
}
