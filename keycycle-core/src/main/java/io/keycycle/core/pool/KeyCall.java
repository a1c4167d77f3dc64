package io.keycycle.core.pool;

import io.keycycle.core.ApiKey;

/**
 * A caller-supplied call made with one key. It may return anything: a
 * {@link io.keycycle.core.ProviderResponse} (classified by the provider profile), a value
 * implementing {@link UsageReport} (usage recorded), or any other value (the reservation is kept
 * as the usage). Exceptions are classified by the provider profile.
 */
@FunctionalInterface
public interface KeyCall<T> {
    T call(ApiKey key) throws Exception;
}
