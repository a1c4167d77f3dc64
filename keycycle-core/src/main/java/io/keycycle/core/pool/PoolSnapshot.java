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

    /** One key: its own state (DISABLED) or its scope's scope-wide state. See {@link #status} for the effective one. */
    public record KeyView(int index, String fingerprint, String scope, KeyState state, Instant until, String reason) { }

    /**
     * The effective state of key {@code k} for {@code model} (null: any model) — the one place where
     * it is derived: the key's own or scope-wide state first, else the worst hold of its scope's
     * bucket for that model (any bucket of the scope when {@code model} is null; a GLOBAL
     * provider's "*" bucket counts for every model). Parked wins over cooling.
     */
    public KeyStatus status(KeyView k, String model) {
        if (k.state() != KeyState.READY) return new KeyStatus(k.state(), k.until(), k.reason());
        KeyStatus worst = KeyStatus.READY;
        for (BucketView b : buckets) {
            if (!b.scope().equals(k.scope()) || b.state() == KeyState.READY) continue;
            if (model != null && !b.model().equals(model) && !b.model().equals("*")) continue;
            if (worst.state() == KeyState.READY || b.state() == KeyState.PARKED && worst.state() == KeyState.COOLING) {
                worst = new KeyStatus(b.state(), b.until(), b.reason());
            }
        }
        return worst;
    }

    /** The effective state of key {@code k} for any model: see {@link #status(KeyView, String)}. */
    public KeyStatus status(KeyView k) { return status(k, null); }

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
