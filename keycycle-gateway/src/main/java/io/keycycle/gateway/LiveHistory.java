package io.keycycle.gateway;

import io.keycycle.core.KeycycleEvent;
import io.keycycle.core.KeycycleListener;
import io.keycycle.core.forecast.RateSource;
import io.keycycle.store.FallbackCount;
import io.keycycle.store.OutcomeClass;
import io.keycycle.store.OutcomeMinute;
import io.keycycle.store.StateChange;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The in-memory edge of the history, fed by engine events: calls and tokens per provider, model,
 * outcome class and minute for the last 24 hours (the charts' live minute, and all of them when
 * there is no store), requests and tokens per provider, scope and model for the last
 * {@link #RATE_MINUTES} minutes (the forecasts' rates), and the last state changes (the timeline
 * without a store). Each event costs one short lock on a small ring.
 */
final class LiveHistory implements KeycycleListener, RateSource {

    /** Minutes of per-provider history kept in memory. */
    static final int HISTORY_MINUTES = 1_440;
    /** Minutes of per-scope rates kept in memory: the longest forecast window (120) and the current minute. */
    static final int RATE_MINUTES = 121;
    private static final int STATE_CAPACITY = 5_000;

    /** A ring of per-minute counters: slot = minute mod length, stamped with the minute it holds. */
    static final class MinuteRing {
        private final long[] stamp;
        private final long[][] values;

        MinuteRing(int minutes, int width) {
            stamp = new long[minutes];
            java.util.Arrays.fill(stamp, Long.MIN_VALUE);
            values = new long[minutes][width];
        }

        synchronized void add(long minute, int column, long delta) {
            int slot = (int) Math.floorMod(minute, (long) stamp.length);
            if (stamp[slot] != minute) {
                if (stamp[slot] > minute) return;   // older than what the ring holds
                stamp[slot] = minute;
                java.util.Arrays.fill(values[slot], 0);
            }
            values[slot][column] += delta;
        }

        /** The counters of {@code minute}, or null when the ring holds nothing for it. */
        synchronized long[] get(long minute) {
            int slot = (int) Math.floorMod(minute, (long) stamp.length);
            return stamp[slot] == minute ? values[slot].clone() : null;
        }

        /** Sum of one column over minutes {@code (last - n, last]}. */
        synchronized long sum(long last, int n, int column) {
            long total = 0;
            for (long m = last - n + 1; m <= last; m++) {
                int slot = (int) Math.floorMod(m, (long) stamp.length);
                if (stamp[slot] == m) total += values[slot][column];
            }
            return total;
        }
    }

    private final Map<List<String>, MinuteRing> outcomes = new ConcurrentHashMap<>();   // provider, model -> 4 classes x (calls, tokens)
    private final Map<List<String>, Map<String, MinuteRing>> rates = new ConcurrentHashMap<>(); // (provider, scope) -> model -> requests, tokens
    private final ArrayDeque<StateChange> states = new ArrayDeque<>();
    /** (target, from provider, from model, provider, model) -> calls per minute. */
    private final Map<List<String>, MinuteRing> fallbacks = new ConcurrentHashMap<>();
    private final java.util.function.LongSupplier clock;

    /** The first minute this history saw whole: the rates know nothing of the minutes before it. */
    private volatile long firstWholeMinute;

    /** Model names as keys: a client-chosen name (allow-unknown-models) cannot add rings without bound. */
    private final ModelLabels labels;

    /** @param clock the engine clock's millis, for "the last N minutes" */
    LiveHistory(java.util.function.LongSupplier clock) { this(clock, new ModelLabels(p -> java.util.Set.of())); }

    LiveHistory(java.util.function.LongSupplier clock, ModelLabels labels) {
        this.clock = clock;
        this.labels = labels;
        watchingFrom(clock.getAsLong());
    }

    /** Events reach this history from {@code millis} on (the gateway attaches it when it starts). */
    void watchingFrom(long millis) { firstWholeMinute = Math.floorDiv(millis + 59_999L, 60_000L); }

    @Override
    public void onEvent(KeycycleEvent event) {
        if (event instanceof KeycycleEvent.Settled s) {
            String outcome = s.outcome() == null ? "UNKNOWN" : s.outcome().name();
            count(s.provider(), s.model(), OutcomeClass.of(outcome, s.requests()), s.at(), OutcomeClass.calls(outcome, s.requests()),
                    s.chargedTokens());
            rate(s.provider(), s.scope(), s.model(), s.at(), s.requests(), s.chargedTokens());
        } else if (event instanceof KeycycleEvent.LeaseExpired e) {
            count(e.provider(), e.model(), OutcomeClass.ERROR, e.at(), 1, 0);
            rate(e.provider(), e.scope(), e.model(), e.at(), 1, 0);
        } else if (event instanceof KeycycleEvent.Rejected r) {
            count(r.provider(), r.model() == null ? "*" : r.model(), OutcomeClass.REFUSED, r.at(), 1, 0);
        } else if (event instanceof KeycycleEvent.FellBack f) {
            fallbacks.computeIfAbsent(List.of(f.target(), f.fromProvider(), f.fromModel(), f.provider(), f.model()),
                    k -> new MinuteRing(HISTORY_MINUTES, 1)).add(Math.floorDiv(f.at().toEpochMilli(), 60_000L), 0, 1);
        } else if (event instanceof KeycycleEvent.StateChanged c) {
            StateChange sc = new StateChange(c.provider(), c.level().name(), subject(c), c.model() == null ? "*" : c.model(),
                    c.scope(), c.fingerprint(), c.state().name(), c.at(), c.until(), c.reason());
            synchronized (states) {
                if (states.size() == STATE_CAPACITY) states.removeFirst();
                states.addLast(sc);
            }
        }
    }

    private static String subject(KeycycleEvent.StateChanged c) {
        return switch (c.level()) {
            case KEY -> c.fingerprint() != null ? c.fingerprint() : "*";
            case SCOPE, MODEL -> c.scope() != null ? c.scope() : "*";
        };
    }

    private void count(String provider, String model, OutcomeClass outcome, Instant at, int calls, long tokens) {
        MinuteRing r = outcomes.get(List.of(provider, model));
        if (r == null) r = outcomes.computeIfAbsent(List.of(provider, labels.of(provider, model)), k -> new MinuteRing(HISTORY_MINUTES, 8));
        long minute = Math.floorDiv(at.toEpochMilli(), 60_000L);
        if (calls != 0) r.add(minute, outcome.ordinal() * 2, calls);
        if (tokens != 0) r.add(minute, outcome.ordinal() * 2 + 1, tokens);
    }

    private void rate(String provider, String scope, String model, Instant at, long requests, long tokens) {
        if (scope == null) return;
        Map<String, MinuteRing> models = rates.computeIfAbsent(List.of(provider, scope), k -> new ConcurrentHashMap<>());
        MinuteRing r = models.get(model);
        if (r == null) r = models.computeIfAbsent(labels.of(provider, model), k -> new MinuteRing(RATE_MINUTES, 2));
        long minute = Math.floorDiv(at.toEpochMilli(), 60_000L);
        if (requests != 0) r.add(minute, 0, requests);
        if (tokens != 0) r.add(minute, 1, tokens);
    }

    /**
     * {@link RateSource}: the last {@code minutes} complete minutes (the current, partial minute is left
     * out). Until this history has seen that many whole minutes, the ones it has seen, scaled to the
     * window: the forecast divides by the window, and the minutes before the gateway started were not
     * idle, only unseen (0 before the first whole minute).
     */
    @Override
    public long consumed(String provider, String scope, String model, boolean tokens, int minutes) {
        Map<String, MinuteRing> models = rates.get(List.of(provider, scope));
        if (models == null) return 0;
        long last = Math.floorDiv(clock.getAsLong(), 60_000L) - 1;
        int n = Math.min(minutes, RATE_MINUTES - 1);
        int seen = (int) Math.max(0, Math.min(n, last - firstWholeMinute + 1));
        if (seen == 0) return 0;
        long total = 0;
        for (Map.Entry<String, MinuteRing> e : models.entrySet()) {
            if ("*".equals(model) || e.getKey().equals(model)) total += e.getValue().sum(last, seen, tokens ? 1 : 0);
        }
        return seen == n ? total : Math.round((double) total * n / seen);
    }

    /** Per-minute outcomes for minutes starting in {@code [from, to)}, as the store would report them. */
    List<OutcomeMinute> outcomes(Instant from, Instant to) {
        long first = Math.floorDiv(from.toEpochMilli(), 60_000L);
        long last = Math.floorDiv(to.toEpochMilli() - 1, 60_000L);
        List<OutcomeMinute> out = new ArrayList<>();
        for (Map.Entry<List<String>, MinuteRing> e : outcomes.entrySet()) {
            for (long m = Math.max(first, last - HISTORY_MINUTES + 1); m <= last; m++) {
                long[] v = e.getValue().get(m);
                if (v == null) continue;
                for (OutcomeClass c : OutcomeClass.values()) {
                    long calls = v[c.ordinal() * 2];
                    if (calls == 0) continue;
                    out.add(new OutcomeMinute(e.getKey().get(0), e.getKey().get(1), c, Instant.ofEpochMilli(m * 60_000L), calls,
                            v[c.ordinal() * 2 + 1]));
                }
            }
        }
        return out;
    }

    /** Fallbacks in minutes starting in {@code [from, to)} still in memory. */
    List<FallbackCount> fallbacks(Instant from, Instant to) {
        long first = Math.floorDiv(from.toEpochMilli(), 60_000L);
        long last = Math.floorDiv(to.toEpochMilli() - 1, 60_000L);
        List<FallbackCount> out = new ArrayList<>();
        for (Map.Entry<List<String>, MinuteRing> e : fallbacks.entrySet()) {
            long calls = e.getValue().sum(last, (int) Math.min(HISTORY_MINUTES, last - first + 1), 0);
            List<String> k = e.getKey();
            if (calls > 0) out.add(new FallbackCount(k.get(0), k.get(1), k.get(2), k.get(3), k.get(4), calls));
        }
        return out;
    }

    /** State changes in {@code [from, to)} still in memory, oldest first. */
    List<StateChange> states(Instant from, Instant to) {
        List<StateChange> out = new ArrayList<>();
        synchronized (states) {
            for (StateChange s : states) if (!s.at().isBefore(from) && s.at().isBefore(to)) out.add(s);
        }
        return out;
    }
}
