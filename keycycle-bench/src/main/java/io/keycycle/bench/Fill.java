package io.keycycle.bench;

import io.keycycle.core.Limits;
import io.keycycle.core.pool.KeyPool;
import io.keycycle.core.pool.PoolSnapshot;

/** How full a pool's windows are, read from its public snapshot (used to check a benchmark's premise). */
record Fill(double min, double max, int buckets) {

    /** Smallest and largest used/limit fraction over every limited metric of every bucket. */
    static Fill of(KeyPool pool) {
        double min = Double.MAX_VALUE, max = 0;
        int n = 0;
        for (PoolSnapshot.BucketView b : pool.snapshot().buckets()) {
            n++;
            for (PoolSnapshot.MetricUsage u : b.usage()) {
                if (u.limit() <= 0) continue; // unlimited (or zero-quota, not used here)
                double f = u.used() / (double) u.limit();
                min = Math.min(min, f);
                max = Math.max(max, f);
            }
        }
        return new Fill(n == 0 ? 0 : min, max, n);
    }

    /** Fill of one metric summed over every bucket. */
    static double of(KeyPool pool, Limits.Metric metric) {
        long used = 0, limit = 0;
        for (PoolSnapshot.BucketView b : pool.snapshot().buckets()) {
            for (PoolSnapshot.MetricUsage u : b.usage()) {
                if (u.metric() == metric && u.limit() > 0) {
                    used += u.used();
                    limit += u.limit();
                }
            }
        }
        return limit == 0 ? 0 : used / (double) limit;
    }

    @Override public String toString() {
        return String.format("%d buckets, fill %.1f%%..%.1f%%", buckets, min * 100, max * 100);
    }
}
