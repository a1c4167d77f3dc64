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

    /**
     * Rings for models the provider's table does not list, at most: with {@code allow-unknown-models}
     * a gateway's client names the model, and each ring holds a bucket per key for as long as the
     * pool lives (about 1 KiB each: 256 models of 110 keys is some 28 MB).
     */
    static final int MAX_UNLISTED_MODELS = 256;

    private final PoolContext ctx;
    private final ConcurrentHashMap<String, ModelRing> rings = new ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicInteger unlisted = new java.util.concurrent.atomic.AtomicInteger();

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
        boolean listed = ctx.spec.models().containsKey(model);
        if (!listed && unlisted.incrementAndGet() > MAX_UNLISTED_MODELS) {
            unlisted.decrementAndGet();
            throw new ConfigurationException("model '" + model + "' refused: " + ctx.provider() + " already counts "
                    + MAX_UNLISTED_MODELS + " models its table does not list (allow-unknown-models), the most one pool keeps;"
                    + " list the models in use under providers." + ctx.provider() + ".models");
        }
        try {
            return buildRing(model);
        } catch (RuntimeException e) {
            if (!listed) unlisted.decrementAndGet();
            throw e;
        }
    }

    private ModelRing buildRing(String model) {
        KeyEntry[] ks = ctx.keys.clone();
        PoolStateStore.Bucket[] bs = new PoolStateStore.Bucket[ks.length];
        String bucketModel = bucketModel(model);
        // a model of a budget only some models share (OpenRouter's :free) has caps of its own too
        boolean own = ctx.spec.sharedBudgetSuffix() != null && ALL_MODELS.equals(bucketModel) && !ALL_MODELS.equals(model);
        PoolStateStore.Bucket[] os = own ? new PoolStateStore.Bucket[ks.length] : null;
        for (int i = 0; i < ks.length; i++) {
            ApiKey k = ks[i].key;
            Limits limits = ctx.resolver.resolve(k, model).limits();
            bs[i] = ctx.store.bucket(new PoolStateStore.BucketId(ctx.provider(), k.scope(), bucketModel), limits, ctx.spec.dailyReset(), ctx.time,
                    ctx.profile.reservedCompletion().isPresent());
            if (own) {
                // only its hold is used: the table has no per-model numbers, the shared budget's windows count the calls
                os[i] = ctx.store.bucket(new PoolStateStore.BucketId(ctx.provider(), k.scope(), model), Limits.UNLIMITED,
                        ctx.spec.dailyReset(), ctx.time, false);
            }
        }
        if (ks.length == 0) ctx.resolver.resolve(null, model); // validates the model even without keys
        return new ModelRing(model, ks, bs, os, ctx.store.model(ctx.provider(), model));
    }

    /**
     * The model part of a bucket's identity: "*" for a model that shares the scope's budget (every
     * model of a GLOBAL provider, or only OpenRouter's {@code :free} ones), the model whose quota it
     * uses for one the provider routes to another ({@link io.keycycle.core.ProviderSpec#quotaModel}),
     * else the model.
     */
    String bucketModel(String model) {
        return ctx.spec.sharesBudget(model) ? ALL_MODELS : ctx.spec.quotaModel(model);
    }

    /**
     * The bucket of ({@code scope}, {@code model}) as a ring uses it, creating the ring first; null
     * when unknown. For a model with a hold of its own besides a shared budget ({@link ModelRing#own}),
     * that bucket: a state stored under the model's name is its own hold, one under {@code "*"} the budget's.
     */
    PoolStateStore.Bucket bucketFor(String scope, String model) {
        ModelRing r = ctx.spec.strategy() == Strategy.GLOBAL && (model == null || ALL_MODELS.equals(model))
                ? (ctx.spec.defaultModel() == null ? anyRing() : ringOrNull(ctx.spec.defaultModel()))
                : ringOrNull(model);
        if (r == null) return null;
        boolean own = r.own != null && model != null && !ALL_MODELS.equals(model);
        for (int i = 0; i < r.keys.length; i++) if (r.keys[i].key.scope().equals(scope)) return own ? r.own[i] : r.buckets[i];
        return null;
    }

    private ModelRing anyRing() {
        for (ModelRing r : rings.values()) return r;
        return null;
    }

    void wake(ModelRing ring) {
        Waiter w = ring.waiters.peekFirst();
        if (w != null) w.wake(ctx.clock);
    }

    void wakeAll() {
        for (ModelRing r : rings.values()) wake(r);
    }
}
