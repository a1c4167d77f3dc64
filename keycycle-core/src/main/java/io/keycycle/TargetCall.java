package io.keycycle;

import io.keycycle.core.ApiKey;
import io.keycycle.core.config.ModelRef;

/**
 * A call made by {@link Keycycle#call} for one candidate (provider and model) with one key. See
 * {@link io.keycycle.core.pool.KeyCall} for how its result or exception is classified.
 */
@FunctionalInterface
public interface TargetCall<T> {
    T call(ModelRef candidate, ApiKey key) throws Exception;
}
