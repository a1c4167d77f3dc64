package io.keycycle.redis;

import io.keycycle.core.DailyReset;
import io.keycycle.core.EngineTime;
import io.keycycle.core.Limits;

/**
 * One quota bucket as Redis knows it: the hash holding its windows ({@code {prefix}:w4:provider:scope:model}),
 * the hash of its scope's holds, its limits and how its day resets. Names hold provider, scope and
 * model only: fingerprints at most, never a secret.
 */
public record BucketRef(String key, String scopeKey, String provider, String scope, String model, Limits limits, DailyReset reset,
                        EngineTime time) {

    /**
     * The layout of a bucket's value (see keycycle.lua and docs/cluster.md), part of its key name
     * ({@code :w4:}), so that instances of another layout never read or overwrite each other's buckets.
     */
    public static final int LAYOUT = 4;

    public static BucketRef of(String prefix, String provider, String scope, String model, Limits limits, DailyReset reset) {
        return of(prefix, provider, scope, model, limits, reset, null);
    }

    /** With {@code time}, the engine time its instants are on (calendar days are wall-clock facts); null: wall-clock instants. */
    public static BucketRef of(String prefix, String provider, String scope, String model, Limits limits, DailyReset reset, EngineTime time) {
        return new BucketRef(prefix + ":w" + LAYOUT + ":" + provider + ":" + scope + ":" + model, prefix + ":sc:" + provider + ":" + scope,
                provider, scope, model, limits, reset, time);
    }

    public BucketRef withLimits(Limits l) { return new BucketRef(key, scopeKey, provider, scope, model, l, reset, time); }
}
