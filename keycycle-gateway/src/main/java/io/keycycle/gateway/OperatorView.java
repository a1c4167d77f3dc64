package io.keycycle.gateway;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.keycycle.Keycycle;
import io.keycycle.core.DailyReset;
import io.keycycle.core.KeyState;
import io.keycycle.core.Limits;
import io.keycycle.core.forecast.CapacityPlan;
import io.keycycle.core.forecast.Forecaster;
import io.keycycle.core.forecast.MinuteDemand;
import io.keycycle.core.forecast.QuotaForecast;
import io.keycycle.core.forecast.RateSource;
import io.keycycle.core.pool.PoolSnapshot;
import io.keycycle.store.FallbackCount;
import io.keycycle.store.KeyUsage;
import io.keycycle.store.KeycycleStore;
import io.keycycle.store.OutcomeClass;
import io.keycycle.store.OutcomeMinute;
import io.keycycle.store.StorageInfo;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The operator's questions answered from a running engine and its history: forecasts of every daily
 * limit, the capacity plan of the last day, the per-minute history the charts draw, and their JSON.
 * Shared by the dashboard ({@code /api/state}, {@code /api/history}, {@code /api/plan}) and the
 * command line ({@code keycycle status --forecast}, {@code keycycle usage --plan}).
 */
public final class OperatorView {

    private OperatorView() { }

    // ------------------------------------------------------------------ forecasts

    /** Forecasts of every daily limit of every provider's scopes and models, at the rate of the last {@code minutes}. */
    public static List<QuotaForecast> forecasts(Keycycle keycycle, List<PoolSnapshot> snapshots, RateSource rates, int minutes, Instant now) {
        Map<String, DailyReset> resets = new HashMap<>();
        for (PoolSnapshot s : snapshots) resets.put(s.provider(), keycycle.pool(s.provider()).spec().dailyReset());
        return new Forecaster(minutes).forecast(snapshots, resets, rates, now);
    }

    /**
     * Rates from the store's per-key aggregate: the last {@code minutes} complete minutes before
     * {@code now}, keys mapped to their scopes by the snapshots. Read once; the returned source is a map.
     */
    public static RateSource storeRates(KeycycleStore store, List<PoolSnapshot> snapshots, Instant now, int minutes) {
        long nowMinute = Math.floorDiv(now.toEpochMilli(), 60_000L) * 60_000L;
        Map<String, String> scopeOf = new HashMap<>();
        for (PoolSnapshot s : snapshots) for (PoolSnapshot.KeyView k : s.keys()) scopeOf.put(s.provider() + "|" + k.fingerprint(), k.scope());
        Map<String, long[]> byScopeModel = new HashMap<>();
        for (KeyUsage u : store.usagePerKey(Instant.ofEpochMilli(nowMinute - minutes * 60_000L), Instant.ofEpochMilli(nowMinute))) {
            String scope = scopeOf.get(u.provider() + "|" + u.keyFp());
            if (scope == null) continue;
            for (String model : List.of(u.model(), "*")) {
                long[] v = byScopeModel.computeIfAbsent(u.provider() + "|" + scope + "|" + model, k -> new long[2]);
                v[0] += u.requests();
                v[1] += u.tokens();
            }
        }
        return (provider, scope, model, tokens, n) -> {
            long[] v = byScopeModel.get(provider + "|" + scope + "|" + model);
            return v == null ? 0 : v[tokens ? 1 : 0];
        };
    }

    public static ArrayNode forecastsJson(List<QuotaForecast> forecasts, Instant now) {
        ArrayNode a = Jsons.MAPPER.createArrayNode();
        for (QuotaForecast f : forecasts) {
            ObjectNode o = a.addObject();
            o.put("provider", f.provider());
            o.put("scope", f.scope());
            o.put("model", f.model());
            o.put("metric", f.metric().key());
            o.put("limit", f.limit());
            o.put("used", f.used());
            o.put("remaining", f.remaining());
            o.put("fraction_left", Math.round(f.fractionLeft() * 10_000) / 10_000.0);
            o.put("rate_per_minute", Math.round(f.ratePerMinute() * 100) / 100.0);
            Jsons.putInstant(o, "reset_at", f.resetAt());
            Jsons.putInstant(o, "exhausts_at", f.exhaustsAt());
            if (f.exhaustsAt() == null) o.putNull("seconds_until_exhausted");
            else o.put("seconds_until_exhausted", f.secondsUntilExhausted(now));
            o.put("left_at_reset", f.leftAtHorizon());
            o.put("runs_out_before_reset", f.runsOutBeforeReset());
            Jsons.putInstant(o, "parked_until", f.parkedUntil());
        }
        return a;
    }

    // ------------------------------------------------------------------ plan

    /**
     * The capacity plan of every provider from the per-minute outcomes of the planned day: the scopes
     * usable now (keys not disabled), one scope's limits per model from the snapshot's counters.
     */
    public static List<CapacityPlan.ProviderPlan> plans(List<PoolSnapshot> snapshots, List<OutcomeMinute> day) {
        Map<String, Map<String, Map<Long, long[]>>> demand = new TreeMap<>();
        for (OutcomeMinute m : day) {
            long[] v = demand.computeIfAbsent(m.provider(), k -> new TreeMap<>()).computeIfAbsent(m.model(), k -> new TreeMap<>())
                    .computeIfAbsent(m.minute().toEpochMilli(), k -> new long[4]);
            switch (m.outcome()) {
                case ANSWERED -> { v[0] += m.calls(); v[3] += m.tokens(); }
                case LIMITED -> v[1] += m.calls();
                case REFUSED -> v[2] += m.calls();
                case ERROR -> { }
            }
        }
        Map<String, PoolSnapshot> byProvider = new LinkedHashMap<>();
        for (PoolSnapshot s : snapshots) byProvider.put(s.provider(), s);
        Set<String> providers = new java.util.LinkedHashSet<>(byProvider.keySet());
        providers.addAll(demand.keySet());
        List<CapacityPlan.ProviderPlan> plans = new ArrayList<>();
        for (String p : providers) {
            PoolSnapshot s = byProvider.get(p);
            Map<String, Limits> limits = s == null ? Map.of() : scopeLimits(s);
            boolean shared = limits.containsKey("*") && limits.size() == 1;
            Map<String, List<MinuteDemand>> byModel = new TreeMap<>();
            Map<String, Map<Long, long[]>> models = demand.getOrDefault(p, Map.of());
            Map<String, Map<Long, long[]>> merged = new TreeMap<>();
            for (var e : models.entrySet()) {
                Map<Long, long[]> target = merged.computeIfAbsent(shared ? "*" : e.getKey(), k -> new TreeMap<>());
                e.getValue().forEach((minute, v) -> {
                    long[] t = target.computeIfAbsent(minute, k -> new long[4]);
                    for (int i = 0; i < 4; i++) t[i] += v[i];
                });
            }
            merged.forEach((model, minutes) -> {
                List<MinuteDemand> list = new ArrayList<>();
                minutes.forEach((minute, v) -> list.add(new MinuteDemand(minute, v[0], v[1], v[2], v[3])));
                byModel.put(model, list);
            });
            plans.add(CapacityPlan.plan(p, s == null ? 0 : usableScopes(s), limits, byModel));
        }
        return plans;
    }

    static int usableScopes(PoolSnapshot s) {
        Set<String> scopes = new HashSet<>();
        for (PoolSnapshot.KeyView k : s.keys()) if (k.state() != KeyState.DISABLED) scopes.add(k.scope());
        return scopes.size();
    }

    /** One scope's limits per model, from the snapshot's counters (the first scope that has the model). */
    static Map<String, Limits> scopeLimits(PoolSnapshot s) {
        Map<String, Limits> out = new LinkedHashMap<>();
        for (PoolSnapshot.BucketView b : s.buckets()) {
            if (out.containsKey(b.model())) continue;
            Limits l = Limits.UNLIMITED;
            for (PoolSnapshot.MetricUsage u : b.usage()) l = l.with(u.metric(), u.limit());
            out.put(b.model(), l);
        }
        return out;
    }

    /**
     * As {@link #plansJson(List)}, with each provider's {@code overflow}: the calls whose first tier
     * candidate was this provider and that a later candidate served, per target and server.
     */
    public static ArrayNode plansJson(List<CapacityPlan.ProviderPlan> plans, List<FallbackCount> fallbacks) {
        ArrayNode a = plansJson(plans);
        for (int i = 0; i < a.size(); i++) {
            ObjectNode o = (ObjectNode) a.get(i);
            ArrayNode overflow = o.putArray("overflow");
            for (FallbackCount f : fallbacks) {
                if (!f.fromProvider().equals(o.path("provider").asText())) continue;
                ObjectNode fo = overflow.addObject();
                fo.put("target", f.target());
                fo.put("from_model", f.fromModel());
                fo.put("served_by", f.provider() + "/" + f.model());
                fo.put("calls", f.calls());
            }
        }
        return a;
    }

    public static ArrayNode plansJson(List<CapacityPlan.ProviderPlan> plans) {
        ArrayNode a = Jsons.MAPPER.createArrayNode();
        for (CapacityPlan.ProviderPlan p : plans) {
            ObjectNode o = a.addObject();
            o.put("provider", p.provider());
            o.put("scopes", p.scopes());
            o.put("scopes_needed", p.needed());
            o.put("additional_scopes", p.additional());
            ArrayNode models = o.putArray("models");
            for (CapacityPlan.ModelNeed n : p.models()) {
                ObjectNode m = models.addObject();
                m.put("model", n.model());
                m.put("calls", n.calls());
                m.put("answered", n.answered());
                m.put("limited", n.limited());
                m.put("refused", n.refused());
                m.put("peak_calls_per_minute", n.peakCallsPerMinute());
                m.put("estimated_tokens", n.estimatedTokens());
                m.put("scopes_needed", n.scopesNeeded());
                if (n.binding() == null) m.putNull("binding_limit");
                else m.put("binding_limit", n.binding().key());
                m.put("binding_demand", n.bindingDemand());
                m.put("binding_limit_per_scope", n.bindingLimit());
            }
        }
        return a;
    }

    // ------------------------------------------------------------------ history

    /**
     * The charts' data: for every minute of {@code [from, to)} (epoch seconds in {@code minutes}),
     * per provider, calls and tokens per outcome class (answered, limited, refused, error).
     */
    public static ObjectNode historyJson(List<OutcomeMinute> rows, Instant from, Instant to) {
        long first = Math.floorDiv(from.toEpochMilli(), 60_000L);
        long last = Math.floorDiv(to.toEpochMilli() - 1, 60_000L);
        int n = (int) Math.max(0, last - first + 1);
        ObjectNode o = Jsons.object();
        Jsons.putInstant(o, "from", Instant.ofEpochMilli(first * 60_000L));
        Jsons.putInstant(o, "to", to);
        ArrayNode minutes = o.putArray("minutes");
        for (int i = 0; i < n; i++) minutes.add((first + i) * 60L);
        Map<String, long[][]> byProvider = new TreeMap<>();
        for (OutcomeMinute r : rows) {
            long m = Math.floorDiv(r.minute().toEpochMilli(), 60_000L);
            if (m < first || m > last) continue;
            long[][] v = byProvider.computeIfAbsent(r.provider(), k -> new long[8][n]);
            v[r.outcome().ordinal()][(int) (m - first)] += r.calls();
            v[4 + r.outcome().ordinal()][(int) (m - first)] += r.tokens();
        }
        ObjectNode providers = o.putObject("providers");
        byProvider.forEach((p, v) -> {
            ObjectNode po = providers.putObject(p);
            ObjectNode calls = po.putObject("calls");
            ObjectNode tokens = po.putObject("tokens");
            for (OutcomeClass c : OutcomeClass.values()) {
                ArrayNode ca = calls.putArray(c.label());
                ArrayNode ta = tokens.putArray(c.label());
                for (int i = 0; i < n; i++) {
                    ca.add(v[c.ordinal()][i]);
                    ta.add(v[4 + c.ordinal()][i]);
                }
            }
        });
        return o;
    }

    public static ArrayNode timelineJson(List<Timeline.Interval> intervals) {
        ArrayNode a = Jsons.MAPPER.createArrayNode();
        for (Timeline.Interval i : intervals) {
            ObjectNode o = a.addObject();
            o.put("provider", i.provider());
            o.put("level", i.level());
            o.put("subject", i.subject());
            o.put("model", i.model());
            o.put("state", i.state());
            Jsons.putInstant(o, "from", i.from());
            Jsons.putInstant(o, "to", i.to());
            o.put("reason", i.reason());
            o.put("ongoing", i.ongoing());
        }
        return a;
    }

    public static ObjectNode storageJson(StorageInfo s) {
        ObjectNode o = Jsons.object();
        o.put("size_bytes", s.bytes());
        Jsons.putInstant(o, "oldest_usage", s.oldestUsage());
        o.put("retention", s.retention().toString());
        o.put("retention_raw_days", s.retention().rawUsage().toDays());
        o.put("retention_aggregates_days", s.retention().aggregates().toDays());
        Jsons.putInstant(o, "last_prune_at", s.lastPruneAt());
        o.put("last_prune_rows", s.lastPruneRows());
        return o;
    }

    /** "1.3 GB", "820 KB". */
    public static String bytes(long b) {
        if (b < 1024) return b + " B";
        String[] units = {"KB", "MB", "GB", "TB"};
        double v = b;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return (v >= 100 ? String.format(java.util.Locale.ROOT, "%.0f", v) : String.format(java.util.Locale.ROOT, "%.1f", v)) + " " + units[u];
    }
}
