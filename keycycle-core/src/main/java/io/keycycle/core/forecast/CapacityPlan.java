package io.keycycle.core.forecast;

import io.keycycle.core.Limits;

import java.util.ArrayList;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * How many scopes a provider would have needed to serve a day's demand without a refusal.
 *
 * <p>Demand per minute is every call that wanted capacity: answered, turned away by the provider
 * (429) and refused locally. Calls that were turned away and then retried count each time, so the
 * plan errs on the side of more capacity. Tokens of calls that were not answered are unknown; they
 * are estimated at the average of the answered calls of the same model. For each limit of one scope
 * the plan takes the busiest window of that limit's length (a minute, any 60 consecutive minutes,
 * the whole day) and divides: {@code ceil(demand / limit)} scopes carry it. The largest of those is
 * what the model needs; the provider needs what its neediest model needs, since one more scope adds
 * capacity for every model.
 */
public final class CapacityPlan {

    /** What one model needed. {@code binding} is the limit that needs the most scopes (null without demand). */
    public record ModelNeed(String model, long calls, long answered, long limited, long refused, long peakCallsPerMinute,
                            long estimatedTokens, int scopesNeeded, Limits.Metric binding, long bindingDemand, long bindingLimit) { }

    /**
     * The plan of one provider.
     *
     * @param scopes     usable scopes now (keys that are not disabled, counted by scope)
     * @param needed     scopes the neediest model would have needed
     * @param additional {@code max(0, needed - scopes)}: scopes (keys in their own organisation or project) to add
     */
    public record ProviderPlan(String provider, int scopes, int needed, int additional, List<ModelNeed> models) { }

    private CapacityPlan() { }

    /**
     * @param scopes        usable scopes of the provider now
     * @param scopeLimits   the limits of one scope per model (a model missing here is reported with 0 needed)
     * @param demandByModel per-minute demand per model, any order, minutes of the planned day only
     */
    public static ProviderPlan plan(String provider, int scopes, Map<String, Limits> scopeLimits, Map<String, List<MinuteDemand>> demandByModel) {
        Objects.requireNonNull(provider, "provider");
        List<ModelNeed> needs = new ArrayList<>();
        int needed = 0;
        for (Map.Entry<String, List<MinuteDemand>> e : demandByModel.entrySet()) {
            ModelNeed n = need(e.getKey(), scopeLimits.get(e.getKey()), e.getValue());
            needs.add(n);
            needed = Math.max(needed, n.scopesNeeded());
        }
        needs.sort(Comparator.comparingInt(ModelNeed::scopesNeeded).reversed().thenComparing(ModelNeed::model));
        return new ProviderPlan(provider, scopes, needed, Math.max(0, needed - scopes), List.copyOf(needs));
    }

    static ModelNeed need(String model, Limits limits, List<MinuteDemand> demand) {
        List<MinuteDemand> minutes = new ArrayList<>(demand);
        minutes.sort(Comparator.comparingLong(MinuteDemand::minute));
        long answered = 0, limited = 0, refused = 0, answeredTokens = 0, peak = 0;
        for (MinuteDemand m : minutes) {
            answered += m.answered();
            limited += m.limited();
            refused += m.refused();
            answeredTokens += m.tokens();
            peak = Math.max(peak, m.calls());
        }
        double tokensPerCall = answered == 0 ? 0 : (double) answeredTokens / answered;
        long[] calls = new long[minutes.size()];
        long[] tokens = new long[minutes.size()];
        long[] at = new long[minutes.size()];
        for (int i = 0; i < calls.length; i++) {
            MinuteDemand m = minutes.get(i);
            calls[i] = m.calls();
            tokens[i] = m.tokens() + Math.round((m.limited() + m.refused()) * tokensPerCall);
            at[i] = m.minute();
        }
        long totalTokens = 0;
        for (long t : tokens) totalTokens += t;
        int best = 0;
        Limits.Metric binding = null;
        long bindingDemand = 0, bindingLimit = 0;
        if (limits != null && calls.length > 0) {
            for (Limits.Metric metric : Limits.Metric.values()) {
                long limit = limits.get(metric);
                if (limit <= 0) continue;   // no limit, or a model without quota that no scope can serve
                long busiest = busiest(metric.tokens() ? tokens : calls, at, metric.span());
                int n = (int) Math.min(Integer.MAX_VALUE, (busiest + limit - 1) / limit);
                if (n > best) {
                    best = n;
                    binding = metric;
                    bindingDemand = busiest;
                    bindingLimit = limit;
                }
            }
        }
        return new ModelNeed(model, answered + limited + refused, answered, limited, refused, peak, totalTokens, best,
                binding, bindingDemand, bindingLimit);
    }

    /** The largest sum over any window of the span's length (minutes sorted ascending). */
    static long busiest(long[] values, long[] minutes, Limits.Span span) {
        long best = 0, sum = 0;
        Deque<Integer> window = new ArrayDeque<>();
        for (int i = 0; i < values.length; i++) {
            window.addLast(i);
            sum += values[i];
            while (minutes[i] - minutes[window.peekFirst()] >= span.millis()) sum -= values[window.pollFirst()];
            best = Math.max(best, sum);
        }
        return best;
    }
}
