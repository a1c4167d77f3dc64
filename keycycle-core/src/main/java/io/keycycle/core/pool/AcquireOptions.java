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
 */
public record AcquireOptions(String model, long estimatedTokens, Duration waitTimeout, String sessionId, String pinnedKey) {
    public AcquireOptions {
        Objects.requireNonNull(model, "model");
        if (estimatedTokens < 0) throw new ConfigurationException("estimatedTokens must be >= 0, was " + estimatedTokens);
        waitTimeout = waitTimeout == null ? Duration.ZERO : waitTimeout;
        if (waitTimeout.isNegative()) throw new ConfigurationException("waitTimeout must be >= 0, was " + waitTimeout);
    }

    public static AcquireOptions of(String model, long estimatedTokens) {
        return new AcquireOptions(model, estimatedTokens, Duration.ZERO, null, null);
    }

    public AcquireOptions waiting(Duration timeout) { return new AcquireOptions(model, estimatedTokens, timeout, sessionId, pinnedKey); }
    public AcquireOptions session(String id) { return new AcquireOptions(model, estimatedTokens, waitTimeout, id, pinnedKey); }
    public AcquireOptions pinned(String key) { return new AcquireOptions(model, estimatedTokens, waitTimeout, sessionId, key); }
}
