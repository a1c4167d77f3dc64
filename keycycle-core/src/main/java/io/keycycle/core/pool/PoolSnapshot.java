package io.keycycle.core.pool;

import io.keycycle.core.KeyState;
import io.keycycle.core.Limits;

import java.time.Instant;
import java.util.List;

/**
 * A point-in-time view of one provider's pool for dashboards, {@code keycycle status} and the
 * admin API. Fingerprints only.
 */
public record PoolSnapshot(String provider, Instant at, List<KeyView> keys, List<BucketView> buckets, List<ModelView> models) {

    /** One key: its own state (DISABLED) or its scope's scope-wide state. */
    public record KeyView(int index, String fingerprint, String scope, KeyState state, Instant until, String reason) { }

    /** The counters of one scope(+model) against their limits. */
    public record BucketView(String scope, String model, KeyState state, Instant until, String reason, List<MetricUsage> usage) { }

    /** Used amount of one metric in its window and its limit ({@link Limits#NONE} = unlimited). */
    public record MetricUsage(Limits.Metric metric, long used, long limit) { }

    /**
     * Provider-wide state of a model that has been used: unavailable (the provider said it is gone)
     * until {@code recheckAt}, when it is tried again; or backing off after overload.
     */
    public record ModelView(String model, boolean unavailable, String reason, Instant backoffUntil, Instant recheckAt) {
        public ModelView(String model, boolean unavailable, String reason, Instant backoffUntil) {
            this(model, unavailable, reason, backoffUntil, null);
        }
    }
}
