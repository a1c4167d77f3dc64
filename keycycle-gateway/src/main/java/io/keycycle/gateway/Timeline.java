package io.keycycle.gateway;

import io.keycycle.core.KeyState;
import io.keycycle.core.pool.PoolSnapshot;
import io.keycycle.store.StateChange;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns state changes into the intervals the dashboard's timeline draws: when each key, scope(+model)
 * or model was cooling, parked, disabled or unavailable, and why. A cooldown or parking ends at its
 * {@code until} or at the next change of the same subject, whichever is first; a disabled key until
 * the next change (or still, at {@code to}).
 */
public final class Timeline {

    /** One interval; {@code ongoing} when it has not ended by {@code to}. */
    public record Interval(String provider, String level, String subject, String model, String state, Instant from, Instant to,
                           String reason, boolean ongoing) { }

    private static final Set<String> DRAWN = Set.of("COOLING", "PARKED", "DISABLED", "MODEL_UNAVAILABLE");

    private Timeline() { }

    /**
     * @param changes state changes, any order; those before {@code from} matter (an interval may start earlier)
     * @return the intervals overlapping {@code [from, to)}, clipped to it, by provider, subject, then time
     */
    public static List<Interval> intervals(List<StateChange> changes, Instant from, Instant to) {
        List<StateChange> sorted = new ArrayList<>(changes);
        sorted.sort(Comparator.comparing(StateChange::at));
        Map<List<String>, StateChange> open = new LinkedHashMap<>();
        List<Interval> out = new ArrayList<>();
        for (StateChange c : sorted) {
            if (!c.at().isBefore(to)) break;
            List<String> subject = List.of(c.provider(), c.level(), c.subject(), c.model());
            StateChange previous = open.remove(subject);
            if (previous != null) close(previous, c.at(), from, to, out);
            if (DRAWN.contains(c.state())) open.put(subject, c);
        }
        for (StateChange c : open.values()) close(c, to, from, to, out);
        out.sort(Comparator.comparing(Interval::provider).thenComparing(Interval::level).thenComparing(Interval::subject)
                .thenComparing(Interval::model).thenComparing(Interval::from));
        return out;
    }

    /**
     * {@code changes} and, for every key the pools hold disabled now whose disabling is not among them
     * (it happened before the history was read from), a change that disabled it at {@code since}: a
     * key disabled last week is still drawn as disabled on the last hour's timeline.
     *
     * @param since where the history in {@code changes} begins
     */
    public static List<StateChange> withStanding(List<StateChange> changes, List<PoolSnapshot> snapshots, Instant since) {
        Set<List<String>> seen = new java.util.HashSet<>();
        for (StateChange c : changes) if ("KEY".equals(c.level())) seen.add(List.of(c.provider(), c.subject()));
        List<StateChange> out = new ArrayList<>(changes);
        for (PoolSnapshot s : snapshots) {
            for (PoolSnapshot.KeyView k : s.keys()) {
                if (k.state() != KeyState.DISABLED || seen.contains(List.of(s.provider(), k.fingerprint()))) continue;
                out.add(new StateChange(s.provider(), "KEY", k.fingerprint(), "*", k.scope(), k.fingerprint(), KeyState.DISABLED.name(),
                        since, null, k.reason()));
            }
        }
        return out;
    }

    private static void close(StateChange c, Instant next, Instant from, Instant to, List<Interval> out) {
        Instant end = next;
        if (c.until() != null && c.until().isBefore(end)) end = c.until();
        boolean ongoing = !end.isBefore(to) && (c.until() == null || !c.until().isBefore(to));
        Instant start = c.at().isBefore(from) ? from : c.at();
        if (end.isAfter(to)) end = to;
        if (!end.isAfter(start)) return;
        out.add(new Interval(c.provider(), c.level(), c.subject(), c.model(), c.state(), start, end, c.reason(), ongoing));
    }
}
