package io.keycycle.core.pool;

import io.keycycle.core.ApiKey;
import io.keycycle.core.ConfigurationException;
import io.keycycle.core.Limits;
import io.keycycle.core.Strategy;

import java.util.Collection;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The rings of one pool, one per model used so far, built on first use: each key's bucket for the
 * model (the scope's "*" bucket for a GLOBAL provider) and the model's flag, fetched once from the
 * {@link PoolStateStore}. Also wakes the waiters of a ring when capacity comes back.
 */
final class ModelRings {
    static final String ALL_MODELS = "*";

    private final PoolContext ctx;
    private final ConcurrentHashMap<String, ModelRing> rings = new ConcurrentHashMap<>();

    ModelRings(PoolContext ctx) {
        this.ctx = ctx;
    }

    /**
     * The ring of {@code model} (the provider's default when blank).
     *
     * @throws ConfigurationException no model and no default, or a model unknown to the catalog
     */
    ModelRing ring(String model) {
        String m = model == null || model.isBlank() ? ctx.spec.defaultModel() : model;
        if (m == null) throw new ConfigurationException("no model given and provider " + ctx.provider() + " has no default model");
        ModelRing r = rings.get(m);
        return r != null ? r : rings.computeIfAbsent(m, this::newRing);
    }

    /** The ring of {@code model}, or null when the catalog does not know it. */
    ModelRing ringOrNull(String model) {
        try {
            return ring(model);
        } catch (ConfigurationException unknownModel) {
            return null;
        }
    }

    Collection<ModelRing> all() { return rings.values(); }

    private ModelRing newRing(String model) {
        KeyEntry[] ks = ctx.keys.clone();
        PoolStateStore.Bucket[] bs = new PoolStateStore.Bucket[ks.length];
        String bucketModel = bucketModel(model);
        for (int i = 0; i < ks.length; i++) {
            ApiKey k = ks[i].key;
            Limits limits = ctx.resolver.resolve(k, model).limits();
            bs[i] = ctx.store.bucket(new PoolStateStore.BucketId(ctx.provider(), k.scope(), bucketModel), limits, ctx.spec.dailyReset(), ctx.time);
        }
        if (ks.length == 0) ctx.resolver.resolve(null, model); // validates the model even without keys
        return new ModelRing(model, ks, bs, ctx.store.model(ctx.provider(), model));
    }

    /** The model part of a bucket's identity: the model, or "*" for a GLOBAL provider. */
    String bucketModel(String model) {
        return ctx.spec.strategy() == Strategy.GLOBAL ? ALL_MODELS : model;
    }

    /** The bucket of ({@code scope}, {@code model}) as a ring uses it, creating the ring first; null when unknown. */
    PoolStateStore.Bucket bucketFor(String scope, String model) {
        ModelRing r = ctx.spec.strategy() == Strategy.GLOBAL && (model == null || ALL_MODELS.equals(model))
                ? (ctx.spec.defaultModel() == null ? anyRing() : ringOrNull(ctx.spec.defaultModel()))
                : ringOrNull(model);
        if (r == null) return null;
        for (int i = 0; i < r.keys.length; i++) if (r.keys[i].key.scope().equals(scope)) return r.buckets[i];
        return null;
    }

    private ModelRing anyRing() {
        for (ModelRing r : rings.values()) return r;
        return null;
    }

    void wake(ModelRing ring) {
        Thread t = ring.waiters.peekFirst();
        if (t != null) ctx.clock.wake(t);
    }

    void wakeAll() {
        for (ModelRing r : rings.values()) wake(r);
    }
}
