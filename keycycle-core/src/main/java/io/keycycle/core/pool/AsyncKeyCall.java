package io.keycycle.core.pool;

import io.keycycle.core.ApiKey;

import java.util.concurrent.CompletionStage;

/**
 * A non-blocking call made with one key, for {@link KeyPool#callAsync}. The stage's value is
 * classified like a {@link KeyCall}'s result (a {@link ProviderAnswer}, a
 * {@link io.keycycle.core.ProviderResponse}, a {@link UsageReport}...), its failure like a thrown
 * exception. Must not block: it runs on the thread that started the call, on the thread that
 * completed the previous attempt, or on the pool's timer thread after a wait for a key.
 */
@FunctionalInterface
public interface AsyncKeyCall<T> {
    CompletionStage<T> call(ApiKey key);
}
