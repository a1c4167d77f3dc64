package io.keycycle.cli;

import io.keycycle.store.KeyUsage;
import io.keycycle.store.KeycycleStore;
import io.keycycle.store.ReportQuery;
import io.keycycle.store.ReportQuery.GroupBy;
import io.keycycle.store.Retention;
import io.keycycle.store.UsageRow;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A usage report over what the store keeps. Raw usage rows go after the raw retention (30 days by
 * default) while the per-key, per-minute aggregates stay (400 days): for the part of a range before
 * the raw cutoff, a line whose raw rows are gone (all or some: the pruner has run) takes its
 * requests and charged tokens from the aggregates (they have no prompt / completion split and no
 * failures); a line whose raw rows are all still there is read from them, as after the cutoff.
 */
final class RetainedUsage {

    /** The report's rows, and the instant before which some come from the aggregates (null: none did). */
    record Report(List<UsageRow> rows, Instant aggregatedBefore) { }

    private RetainedUsage() {
    }

    /** The instant before which raw rows are past {@code retention} at {@code now} (a whole minute), or null when kept forever. */
    static Instant rawCutoff(Retention retention, Instant now) {
        if (retention.rawUsage().isZero()) return null;
        long ms = now.minus(retention.rawUsage()).toEpochMilli();
        return Instant.ofEpochMilli(Math.floorDiv(ms, 60_000L) * 60_000L);
    }

    static Report report(KeycycleStore store, Retention retention, Instant now, Instant start, Instant end, EnumSet<GroupBy> groups) {
        Instant cutoff = rawCutoff(retention, now);
        if (cutoff == null || !start.isBefore(cutoff)) {
            return new Report(store.report(new ReportQuery(start, end, groups)), null);
        }
        Instant aggEnd = end.isBefore(cutoff) ? end : cutoff;
        // before the cutoff: the aggregates hold every request; raw rows may be gone (all or some).
        Map<Group, long[]> aggregated = new TreeMap<>();
        if (groups.contains(GroupBy.DAY)) {
            for (LocalDate d = LocalDate.ofInstant(start, ZoneOffset.UTC); d.atStartOfDay(ZoneOffset.UTC).toInstant().isBefore(aggEnd); d = d.plusDays(1)) {
                Instant from = later(start, d.atStartOfDay(ZoneOffset.UTC).toInstant());
                Instant to = earlier(aggEnd, d.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant());
                for (KeyUsage u : store.usagePerKey(from, to)) add(aggregated, group(groups, d, u), u.requests(), 0, 0, u.tokens(), 0);
            }
        } else {
            for (KeyUsage u : store.usagePerKey(start, aggEnd)) add(aggregated, group(groups, null, u), u.requests(), 0, 0, u.tokens(), 0);
        }
        Map<Group, long[]> rawBefore = new TreeMap<>();
        for (UsageRow r : store.report(new ReportQuery(start, aggEnd, groups))) add(rawBefore, group(r), r);
        Map<Group, long[]> sums = new TreeMap<>();
        boolean fromAggregates = false;
        java.util.Set<Group> all = new java.util.TreeSet<>(aggregated.keySet());
        all.addAll(rawBefore.keySet());
        for (Group g : all) {
            long[] raw = rawBefore.get(g);
            long[] agg = aggregated.get(g);
            // raw rows still complete (not pruned yet) give the split and the failures; else the aggregate's sums
            if (raw != null && (agg == null || raw[0] == agg[0] && raw[3] == agg[3])) {
                add(sums, g, raw[0], raw[1], raw[2], raw[3], raw[4]);
            } else {
                add(sums, g, agg[0], 0, 0, agg[3], 0);
                fromAggregates = true;
            }
        }
        if (end.isAfter(cutoff)) {
            for (UsageRow r : store.report(new ReportQuery(cutoff, end, groups))) add(sums, group(r), r);
        }
        List<UsageRow> rows = new ArrayList<>();
        sums.forEach((g, v) -> {
            if (groups.isEmpty() && v[0] == 0 && v[3] == 0 && v[4] == 0) return;
            rows.add(new UsageRow(g.provider, g.key, g.model, g.day, v[0], v[1], v[2], v[3], v[4]));
        });
        return new Report(rows, fromAggregates ? cutoff : null);
    }

    private static Group group(UsageRow r) { return new Group(r.day(), r.provider(), r.key(), r.model()); }

    private static void add(Map<Group, long[]> sums, Group g, UsageRow r) {
        add(sums, g, r.requests(), r.promptTokens(), r.completionTokens(), r.chargedTokens(), r.failures());
    }

    /** The note for a report partly read from the aggregates. */
    static String note(Instant cutoff, Retention retention) {
        return "before " + cutoff + " (past the raw retention of " + Durations.format(retention.rawUsage())
                + "): requests and charged tokens from the per-minute aggregates"
                + (retention.aggregates().isZero() ? "" : " (kept " + Durations.format(retention.aggregates()) + ")")
                + ", which have no prompt/completion split and no failures";
    }

    private static Group group(EnumSet<GroupBy> groups, LocalDate day, KeyUsage u) {
        boolean byKey = groups.contains(GroupBy.KEY);
        return new Group(day, groups.contains(GroupBy.PROVIDER) || byKey ? u.provider() : null, byKey ? u.keyFp() : null,
                groups.contains(GroupBy.MODEL) ? u.model() : null);
    }

    private static void add(Map<Group, long[]> sums, Group g, long requests, long prompt, long completion, long charged, long failures) {
        long[] s = sums.computeIfAbsent(g, k -> new long[5]);
        s[0] += requests;
        s[1] += prompt;
        s[2] += completion;
        s[3] += charged;
        s[4] += failures;
    }

    private static Instant later(Instant a, Instant b) { return a.isAfter(b) ? a : b; }

    private static Instant earlier(Instant a, Instant b) { return a.isBefore(b) ? a : b; }

    /** One line's dimensions; null where not grouped by. Sorted as the raw report is (nulls first). */
    private record Group(LocalDate day, String provider, String key, String model) implements Comparable<Group> {
        private static final Comparator<Group> ORDER = Comparator
                .comparing(Group::day, Comparator.nullsFirst(Comparator.<LocalDate>naturalOrder()))
                .thenComparing(Group::provider, Comparator.nullsFirst(Comparator.<String>naturalOrder()))
                .thenComparing(Group::key, Comparator.nullsFirst(Comparator.<String>naturalOrder()))
                .thenComparing(Group::model, Comparator.nullsFirst(Comparator.<String>naturalOrder()));

        @Override public int compareTo(Group o) { return ORDER.compare(this, Objects.requireNonNull(o)); }
    }
}
