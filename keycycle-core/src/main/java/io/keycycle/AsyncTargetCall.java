package io.keycycle;

import io.keycycle.core.ApiKey;
import io.keycycle.core.config.ModelRef;

import java.util.concurrent.CompletionStage;

/**
 * A non-blocking call made by {@link Keycycle#callAsync} for one candidate with one key. See
 * {@link io.keycycle.core.pool.AsyncKeyCall} for how its value or failure is classified; it must
 * not block.
 */
@FunctionalInterface
public interface AsyncTargetCall<T> {
    CompletionStage<T> call(ModelRef candidate, ApiKey key);
}
