package io.keycycle.cli;

import io.keycycle.core.Limits;
import io.keycycle.core.ResolvedLimits;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** How limits and their sources read on screen. */
final class LimitText {

    private LimitText() { }

    /** A limit value for a table: {@code unlimited}, or the number. */
    static Object cell(long v) { return v == Limits.NONE ? "unlimited" : v; }

    /** A limit value for CSV/JSON: null when unlimited. */
    static Long value(long v) { return v == Limits.NONE ? null : v; }

    /**
     * The sources of a resolution, grouped: {@code built-in groq 2026-08-08} when one rule gave all
     * six, else {@code rpm,rpd: per-key override …; tpm: built-in …}.
     */
    static String sources(ResolvedLimits r) {
        Map<String, List<String>> bySource = new LinkedHashMap<>();
        for (Limits.Metric m : Limits.Metric.values()) {
            String s = r.sources().getOrDefault(m, "?");
            bySource.computeIfAbsent(s, k -> new ArrayList<>()).add(m.key());
        }
        if (bySource.size() == 1) return bySource.keySet().iterator().next();
        List<String> parts = new ArrayList<>();
        bySource.forEach((s, ms) -> parts.add(String.join(",", ms) + ": " + s));
        return String.join("; ", parts);
    }

    /** The metrics where {@code a} and {@code b} differ, e.g. {@code rpm 10 (per-key override …)}. */
    static List<String> differences(ResolvedLimits base, ResolvedLimits specific) {
        List<String> out = new ArrayList<>();
        for (Limits.Metric m : Limits.Metric.values()) {
            long a = base.limits().get(m), b = specific.limits().get(m);
            if (a != b) out.add(m.key() + " " + cell(b) + " (" + specific.sources().getOrDefault(m, "?") + ")");
        }
        return out;
    }
}
