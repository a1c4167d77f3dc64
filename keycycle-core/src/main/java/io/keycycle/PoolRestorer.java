package io.keycycle;

import io.keycycle.core.EngineRestorer;
import io.keycycle.core.KeycycleEvent;
import io.keycycle.core.pool.KeyPool;

import java.time.Instant;
import java.util.Map;

/** Hands what the store kept back to the pool of each provider; a provider with no pool now is skipped. */
final class PoolRestorer implements EngineRestorer {

    private final Map<String, KeyPool> pools;

    PoolRestorer(Map<String, KeyPool> pools) { this.pools = pools; }

    @Override
    public void restoreUsage(String provider, String fp, String model, Instant at, long requests, long tokens) {
        KeyPool p = pools.get(provider);
        if (p != null) p.restoreUsage(provider, fp, model, at, requests, tokens);
    }

    @Override
    public void restoreState(KeycycleEvent.StateChanged s) {
        KeyPool p = pools.get(s.provider());
        if (p != null) p.restoreState(s);
    }

    @Override
    public void restoreLearnedLimit(KeycycleEvent.LimitLearned l) {
        KeyPool p = pools.get(l.provider());
        if (p != null) p.restoreLearnedLimit(l);
    }
}
