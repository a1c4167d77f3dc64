package io.keycycle.store;

import io.keycycle.core.ConfigurationException;

import java.time.Instant;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * A usage report over {@code [from, to)} (of the records' {@code ts}: a call's settlement instant,
 * so a call that runs across midnight counts on the day it ended), grouped by any combination of
 * dimensions; no dimension gives one total row. Days are UTC.
 */
public record ReportQuery(Instant from, Instant to, Set<GroupBy> groupBy) {

    /** Report dimensions. {@link #KEY} implies the provider. */
    public enum GroupBy { PROVIDER, KEY, MODEL, DAY }

    public ReportQuery {
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(to, "to");
        if (!to.isAfter(from)) throw new ConfigurationException("report 'to' (" + to + ") must be after 'from' (" + from + ")");
        groupBy = groupBy == null || groupBy.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(groupBy));
    }

    public static ReportQuery of(Instant from, Instant to, GroupBy... groupBy) {
        return new ReportQuery(from, to, groupBy.length == 0 ? Set.of() : EnumSet.of(groupBy[0], groupBy));
    }
}
