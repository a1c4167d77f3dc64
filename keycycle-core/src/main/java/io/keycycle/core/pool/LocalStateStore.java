package io.keycycle.core.pool;

import io.keycycle.core.DailyReset;
import io.keycycle.core.EngineTime;
import io.keycycle.core.Limits;

import java.util.concurrent.ConcurrentHashMap;

/**
 * The in-process {@link PoolStateStore}: sub-bucketed rings ({@link QuotaBucket}) and plain
 * volatile holders, created on first use. Nothing is shared with other processes, so it has no
 * listeners to call. One {@link Limits} instance per distinct value: thousands of buckets usually
 * share a handful.
 */
final class LocalStateStore implements PoolStateStore {

    private final ConcurrentHashMap<BucketId, QuotaBucket> buckets = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Limits, Limits> limitValues = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Name, LocalHold> scopes = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Name, LocalKeyFlag> keys = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Name, ModelState> models = new ConcurrentHashMap<>();

    /** A provider and a scope, fingerprint or model: holds existing strings (no concatenation per key). */
    private record Name(String provider, String name) { }

    @Override
    public Bucket bucket(BucketId id, Limits limits, DailyReset dailyReset, EngineTime time, boolean keepsReservation) {
        Limits shared = limitValues.computeIfAbsent(limits, x -> x);
        QuotaBucket b = buckets.computeIfAbsent(id, x -> new QuotaBucket(id, shared, dailyReset, time));
        b.tighten(shared, l -> limitValues.computeIfAbsent(l, x -> x));
        return b;
    }

    @Override
    public Hold scope(String provider, String scope) {
        return scopes.computeIfAbsent(new Name(provider, scope), x -> new LocalHold());
    }

    @Override
    public KeyFlag key(String provider, String fingerprint) {
        return keys.computeIfAbsent(new Name(provider, fingerprint), x -> new LocalKeyFlag());
    }

    @Override
    public ModelFlag model(String provider, String model) {
        return models.computeIfAbsent(new Name(provider, model), x -> new ModelState());
    }

    @Override public void addListener(Listener l) { }

    @Override public void removeListener(Listener l) { }

    @Override public String toString() { return "LocalStateStore[" + buckets.size() + " buckets]"; }
}
