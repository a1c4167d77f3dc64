package io.keycycle.bench;

import io.keycycle.core.Limits;
import io.keycycle.core.pool.KeyPool;
import io.keycycle.core.pool.PoolSnapshot;

import java.util.EnumMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * How full a pool's windows are, read from its public snapshot (used to check a benchmark's
 * premise): the smallest and largest used/limit fraction over every limited metric of every
 * bucket, the largest per metric, and how many buckets per metric could not take one more call of
 * the benchmarks' size (they would refuse it and the pool would move on to another key).
 */
record Fill(double min, double max, int buckets, Map<Limits.Metric, Double> maxByMetric, Map<Limits.Metric, Integer> refusing) {

    static Fill of(KeyPool pool) {
        double min = Double.MAX_VALUE, max = 0;
        int n = 0;
        Map<Limits.Metric, Double> maxByMetric = new EnumMap<>(Limits.Metric.class);
        Map<Limits.Metric, Integer> refusing = new EnumMap<>(Limits.Metric.class);
        for (PoolSnapshot.BucketView b : pool.snapshot().buckets()) {
            n++;
            for (PoolSnapshot.MetricUsage u : b.usage()) {
                if (u.limit() <= 0) continue; // unlimited (or zero-quota, not used here)
                double f = u.used() / (double) u.limit();
                min = Math.min(min, f);
                max = Math.max(max, f);
                maxByMetric.merge(u.metric(), f, Math::max);
                long next = u.metric().tokens() ? AdmissionBenchmark.ESTIMATE : 1;
                if (u.used() + next > u.limit()) refusing.merge(u.metric(), 1, Integer::sum);
            }
        }
        return new Fill(n == 0 ? 0 : min, max, n, maxByMetric, refusing);
    }

    @Override public String toString() {
        String per = maxByMetric.entrySet().stream()
                .map(e -> e.getKey().key() + String.format(" %.1f%%", e.getValue() * 100))
                .collect(Collectors.joining(", "));
        return String.format("%d buckets, fill %.1f%%..%.1f%% (max %s), buckets refusing the next call: %s",
                buckets, min * 100, max * 100, per, refusing.isEmpty() ? "none" : refusing);
    }
}
