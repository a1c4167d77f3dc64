package io.keycycle.core.pool;

import io.keycycle.core.KeyState;
import io.keycycle.core.KeycycleEvent;

import static io.keycycle.core.pool.ModelRings.ALL_MODELS;

/** What an operator changes by hand: disabling and re-enabling keys, clearing a model reported gone. */
final class PoolAdmin {
    private final PoolContext ctx;
    private final ModelRings rings;
    private final OutcomeEffects effects;

    PoolAdmin(PoolContext ctx, ModelRings rings, OutcomeEffects effects) {
        this.ctx = ctx;
        this.rings = rings;
        this.effects = effects;
    }

    void disable(String keyId, String reason) {
        effects.disable(ctx.find(keyId), HoldReasons.OPERATOR + ": " + (reason == null || reason.isBlank() ? "no reason given" : reason),
                ctx.time.now());
    }

    void enable(String keyId) {
        enable(keyId, "enabled by operator");
    }

    /** Re-enables a disabled key, saying why (an operator, a probe that found it healthy); false if it was not disabled. */
    boolean enable(String keyId, String why) {
        KeyEntry e = ctx.find(keyId);
        if (!e.flag.enable()) return false;
        effects.emitState(KeycycleEvent.Level.KEY, e.key.scope(), e.key.fingerprint(), ALL_MODELS, KeyState.READY, 0,
                why, ctx.time.now());
        rings.wakeAll();
        return true;
    }

    /**
     * Ends every cooldown and day-park of the key's scope now, the scope-wide hold and each model's
     * (of the models this pool has served), and drops the limits learned from the provider for the
     * scope, so every key of the scope is admissible again under the table's limits. For an operator
     * who knows the quota is back before the provider's reset (credits bought, a higher tier): a
     * learned limit (OpenRouter's 50 free requests a day without credits) would otherwise still
     * refuse the call that could teach the new one. Each change is an event (a READY state, a
     * dropped limit), so the store's copy does not bring it back at the next start. A disabled key
     * stays disabled ({@link #enable}).
     */
    Released release(String keyId, String why) {
        KeyEntry e = ctx.find(keyId);
        long now = ctx.time.now();
        String scope = e.key.scope();
        java.util.List<String> holds = new java.util.ArrayList<>();
        java.util.List<io.keycycle.core.learn.LearnedLimit> forgotten = new java.util.ArrayList<>();
        PoolStateStore.Hold scopeHold = ctx.store.scope(ctx.provider(), scope);
        if (scopeHold.blockedUntil() > now) {
            scopeHold.clear();
            effects.emitState(KeycycleEvent.Level.SCOPE, scope, e.key.fingerprint(), ALL_MODELS, KeyState.READY, 0, why, now);
            holds.add(ALL_MODELS);
        }
        java.util.Set<PoolStateStore.Bucket> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (ModelRing r : rings.all()) {
            for (PoolStateStore.Bucket b : r.holdsAt(e.position)) {
                if (!seen.add(b) || b.hold().blockedUntil() <= now) continue;
                b.hold().clear();
                b.hintBlockedUntil(0);
                effects.emitState(KeycycleEvent.Level.SCOPE, scope, e.key.fingerprint(), b.id().model(), KeyState.READY, 0, why, now);
                holds.add(b.id().model());
            }
        }
        java.time.Instant at = ctx.time.instant(now);
        for (io.keycycle.core.learn.LearnedLimit l : learned()) {
            if (!l.scope().equals(scope)) continue;
            PoolStateStore.Bucket b = rings.bucketFor(scope, l.model());
            if (b == null) continue;
            effects.dropLearned(b, l.metric(), l.tableValue(), why, at);
            b.hintBlockedUntil(0); // a refusal under the learned limit hinted "nothing before the window frees"
            forgotten.add(l);
        }
        if (!holds.isEmpty() || !forgotten.isEmpty()) rings.wakeAll();
        java.util.Collections.sort(holds);
        return new Released(holds, forgotten);
    }

    /** Applies a limit an earlier process learned (hydration); value -1 puts the table's back. */
    void restoreLearned(KeycycleEvent.LimitLearned l) {
        if (!ctx.provider().equals(l.provider())) return;
        PoolStateStore.Bucket b = rings.bucketFor(l.scope(), l.model());
        if (b == null) return;
        // -1: dropped (the table again); 0: never learned since, see OutcomeEffects#adopt (an older version kept it)
        long value = l.value() > 0 ? l.value() : l.tableValue();
        b.learn(new PoolStateStore.LearnedLimit(l.metric(), value, l.source(), l.at()));
    }

    /** Every learned limit in force that differs from the table, by scope, model and metric. */
    java.util.List<io.keycycle.core.learn.LearnedLimit> learned() {
        java.util.Map<PoolStateStore.BucketId, KeyEntry> keyOf = new java.util.LinkedHashMap<>();
        java.util.Map<PoolStateStore.BucketId, PoolStateStore.Bucket> buckets = new java.util.LinkedHashMap<>();
        for (ModelRing r : rings.all()) {
            for (int i = 0; i < r.buckets.length; i++) {
                keyOf.putIfAbsent(r.buckets[i].id(), r.keys[i]);
                buckets.putIfAbsent(r.buckets[i].id(), r.buckets[i]);
            }
        }
        java.util.List<io.keycycle.core.learn.LearnedLimit> out = new java.util.ArrayList<>();
        for (java.util.Map.Entry<PoolStateStore.BucketId, KeyEntry> e : keyOf.entrySet()) {
            PoolStateStore.Bucket b = buckets.get(e.getKey());
            for (PoolStateStore.LearnedLimit x : b.learned().values()) {
                long table = ctx.resolver.resolve(e.getValue().key, e.getKey().model()).limits().get(x.metric());
                if (x.value() == table) continue;
                out.add(new io.keycycle.core.learn.LearnedLimit(ctx.provider(), e.getKey().scope(), e.getKey().model(), x.metric(),
                        table, x.value(), x.source(), x.at()));
            }
        }
        out.sort(java.util.Comparator.comparing(io.keycycle.core.learn.LearnedLimit::scope)
                .thenComparing(io.keycycle.core.learn.LearnedLimit::model).thenComparing(io.keycycle.core.learn.LearnedLimit::metric));
        return out;
    }

    boolean clearModel(String model) {
        ModelRing ring = rings.ring(model);
        if (!ring.state.clearUnavailable()) return false;
        effects.emitState(KeycycleEvent.Level.MODEL, null, null, ring.model, KeyState.READY, 0, "cleared by operator", ctx.time.now());
        rings.wake(ring);
        return true;
    }
}
