package io.keycycle.core.pool;

import io.keycycle.core.ConfigurationException;

import java.time.Duration;
import java.util.Objects;

/**
 * Options of {@link KeyPool#call(CallOptions, KeyCall)} — the Python library's
 * {@code get_model(estimated_tokens, wait, timeout, max_retries, id)} as one immutable value.
 *
 * @param maxRetries  further attempts after the first (rotations); 0 = one attempt only
 * @param waitForKey  whether to wait for a key when none is admissible
 * @param timeout     overall deadline of the call including waits; also bounds each wait
 * @param pinnedKey   a 1-based index or fingerprint: use only that key
 * @param sessionId   affinity: keep a conversation on one key while it has room
 */
public record CallOptions(String model, long estimatedTokens, int maxRetries, boolean waitForKey, Duration timeout,
                          String pinnedKey, String sessionId) {

    public static final int DEFAULT_MAX_RETRIES = 5;
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(120);
    public static final long DEFAULT_ESTIMATED_TOKENS = 1000;

    public CallOptions {
        Objects.requireNonNull(model, "model");
        if (estimatedTokens < 0) throw new ConfigurationException("estimatedTokens must be >= 0, was " + estimatedTokens);
        if (maxRetries < 0) throw new ConfigurationException("maxRetries must be >= 0, was " + maxRetries);
        timeout = timeout == null ? DEFAULT_TIMEOUT : timeout;
        if (timeout.isNegative() || timeout.isZero()) throw new ConfigurationException("timeout must be > 0, was " + timeout);
    }

    public static CallOptions of(String model, long estimatedTokens) {
        return new CallOptions(model, estimatedTokens, DEFAULT_MAX_RETRIES, false, DEFAULT_TIMEOUT, null, null);
    }

    public CallOptions maxRetries(int n) { return new CallOptions(model, estimatedTokens, n, waitForKey, timeout, pinnedKey, sessionId); }
    public CallOptions waiting(boolean w) { return new CallOptions(model, estimatedTokens, maxRetries, w, timeout, pinnedKey, sessionId); }
    public CallOptions timeout(Duration t) { return new CallOptions(model, estimatedTokens, maxRetries, waitForKey, t, pinnedKey, sessionId); }
    public CallOptions pinned(String id) { return new CallOptions(model, estimatedTokens, maxRetries, waitForKey, timeout, id, sessionId); }
    public CallOptions session(String id) { return new CallOptions(model, estimatedTokens, maxRetries, waitForKey, timeout, pinnedKey, id); }
    public CallOptions model(String m) { return new CallOptions(m, estimatedTokens, maxRetries, waitForKey, timeout, pinnedKey, sessionId); }
}
