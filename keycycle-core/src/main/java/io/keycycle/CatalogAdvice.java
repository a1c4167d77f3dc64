package io.keycycle;

import io.keycycle.core.ConfigurationException;
import io.keycycle.core.EngineClock;
import io.keycycle.core.KeycycleEvent;
import io.keycycle.core.KeycycleException;
import io.keycycle.core.KeycycleListener;
import io.keycycle.core.Limits;
import io.keycycle.core.OutcomeKind;
import io.keycycle.core.RateLimitException;
import io.keycycle.core.client.TokenEstimator;
import io.keycycle.core.config.Catalog;
import io.keycycle.core.config.ModelRef;
import io.keycycle.core.pool.KeyPool;

import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * What the fallback rules ({@link Fallback}) ask of the catalog and the pools: whether a candidate
 * can ever take a request, what to suggest instead of a model that is gone, and the event that a
 * later candidate served.
 */
final class CatalogAdvice implements Fallback.Advice {

    private final Catalog catalog;
    private final Map<String, KeyPool> pools;
    private final EngineClock clock;
    private final KeycycleListener events;

    CatalogAdvice(Catalog catalog, Map<String, KeyPool> pools, EngineClock clock, KeycycleListener events) {
        this.catalog = catalog;
        this.pools = pools;
        this.clock = clock;
        this.events = events;
    }

    /**
     * Why a request can never be admitted by candidate {@code c}, or null (see {@link TokenEstimator#neverFits}):
     * against the largest tokens-per-minute limit any key of the pool has for the model (a paid key
     * tier's, one the provider reported), not only the table's. Until 2026-12-06 the table's alone
     * was used, and a request that a paid tier's key could take was refused unsent.
     */
    @Override
    public String neverFits(ModelRef c, long prompt, OptionalLong max) {
        if (TokenEstimator.reservedCompletion(c.provider()).isEmpty()) return null;
        KeyPool pool = pools.get(c.provider());
        long tpm;
        try {
            tpm = pool != null ? pool.largestLimit(c.model(), Limits.Metric.TPM)
                    : catalog.describe(c.provider(), c.model()).limits().limits().tpm();
        } catch (ConfigurationException unknown) {
            return null;
        }
        return TokenEstimator.neverFits(c.provider(), c.model(), prompt, max, tpm);
    }

    /**
     * A model the provider says is gone: the same failure, its message naming what the catalog
     * suggests instead ({@link Catalog#suggestInstead}). Anything else unchanged.
     */
    @Override
    public KeycycleException explain(KeycycleException e) {
        if (!(e instanceof RateLimitException r) || r.lastOutcome() == null
                || r.lastOutcome().kind() != OutcomeKind.MODEL_UNAVAILABLE) {
            return e;
        }
        List<String> instead = catalog.suggestInstead(r.provider(), r.model(), 3);
        if (instead.isEmpty()) return e;
        String why = r.lastOutcome().reason() + "; the catalog suggests instead: "
                + String.join(", ", instead.stream().map(m -> r.provider() + "/" + m).toList());
        return new RateLimitException(r.provider(), r.model(), r.attempts(), why, r);
    }

    /** Publishes that {@code served} carried a call its first candidate could not. */
    @Override
    public void fellBack(String target, List<ModelRef> candidates, ModelRef served, int skipped) {
        ModelRef first = candidates.get(0);
        events.onEvent(new KeycycleEvent.FellBack(clock.now(), served.provider(), served.model(), target,
                first.provider(), first.model(), skipped));
    }
}
