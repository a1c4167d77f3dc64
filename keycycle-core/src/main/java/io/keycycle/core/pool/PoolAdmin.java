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
        effects.disable(ctx.find(keyId), "disabled by operator: " + (reason == null || reason.isBlank() ? "no reason given" : reason),
                ctx.time.now());
    }

    void enable(String keyId) {
        KeyEntry e = ctx.find(keyId);
        if (!e.flag.enable()) return;
        effects.emitState(KeycycleEvent.Level.KEY, e.key.scope(), e.key.fingerprint(), ALL_MODELS, KeyState.READY, 0,
                "enabled by operator", ctx.time.now());
        rings.wakeAll();
    }

    boolean clearModel(String model) {
        ModelRing ring = rings.ring(model);
        if (!ring.state.clearUnavailable()) return false;
        effects.emitState(KeycycleEvent.Level.MODEL, null, null, ring.model, KeyState.READY, 0, "cleared by operator", ctx.time.now());
        rings.wake(ring);
        return true;
    }
}
