package io.keycycle.core.pool;

import io.keycycle.core.ConfigurationException;

import java.time.Duration;
import java.util.Objects;

/**
 * What a caller asks of {@link KeyPool#acquire(AcquireOptions)}.
 *
 * @param model           the model (a GLOBAL provider still resolves limits per model name)
 * @param estimatedTokens tokens to reserve (prompt estimate + max completion); ≥ 0
 * @param waitTimeout     how long to wait for a key; {@link Duration#ZERO} fails fast
 * @param sessionId       optional affinity: keep this conversation on one key while it has room
 * @param pinnedKey       optional: a 1-based index or fingerprint; only that key is used
 * @param timeout         optional: the most the whole acquire may take, including the round trips of a
 *                        state store that waits for the network (Redis); null: {@code waitTimeout} when
 *                        waiting, otherwise only the store's own command timeout bounds a round trip.
 *                        When it passes first the acquire fails with {@link io.keycycle.core.NoAvailableKeyException}
 *                        and whatever the store reserves after all is given back.
 * @param tried           fingerprints of the keys this call has already tried: another key is taken when
 *                        one can take the call, one of these only when none other can
 */
public record AcquireOptions(String model, long estimatedTokens, Duration waitTimeout, String sessionId, String pinnedKey,
                             Duration timeout, java.util.Set<String> tried) {
    public AcquireOptions {
        tried = tried == null ? java.util.Set.of() : tried;
        Objects.requireNonNull(model, "model");
        if (estimatedTokens < 0) throw new ConfigurationException("estimatedTokens must be >= 0, was " + estimatedTokens);
        waitTimeout = waitTimeout == null ? Duration.ZERO : waitTimeout;
        if (waitTimeout.isNegative()) throw new ConfigurationException("waitTimeout must be >= 0, was " + waitTimeout);
        if (timeout != null && timeout.isNegative()) throw new ConfigurationException("timeout must be >= 0, was " + timeout);
    }

    /** Without an overall timeout (see {@code timeout}). */
    public AcquireOptions(String model, long estimatedTokens, Duration waitTimeout, String sessionId, String pinnedKey) {
        this(model, estimatedTokens, waitTimeout, sessionId, pinnedKey, null, null);
    }

    /** No key tried yet. */
    public AcquireOptions(String model, long estimatedTokens, Duration waitTimeout, String sessionId, String pinnedKey,
                          Duration timeout) {
        this(model, estimatedTokens, waitTimeout, sessionId, pinnedKey, timeout, null);
    }

    public static AcquireOptions of(String model, long estimatedTokens) {
        return new AcquireOptions(model, estimatedTokens, Duration.ZERO, null, null);
    }

    public AcquireOptions waiting(Duration wait) { return new AcquireOptions(model, estimatedTokens, wait, sessionId, pinnedKey, timeout, tried); }
    public AcquireOptions session(String id) { return new AcquireOptions(model, estimatedTokens, waitTimeout, id, pinnedKey, timeout, tried); }
    public AcquireOptions pinned(String key) { return new AcquireOptions(model, estimatedTokens, waitTimeout, sessionId, key, timeout, tried); }
}
