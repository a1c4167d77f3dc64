package io.keycycle;

import io.keycycle.core.ConfigurationException;
import io.keycycle.core.pool.CallOptions;

import java.time.Duration;

/**
 * How one call through {@link Keycycle} behaves — the seed's
 * {@code get_model(estimated_tokens, wait, timeout, max_retries, id)} plus affinity and escalation.
 * Immutable; each {@code with…} method validates at once.
 *
 * @param estimatedTokens tokens reserved before the call (prompt estimate + completion budget)
 * @param waitForKey      wait for a key (up to {@code timeout}) instead of failing fast
 * @param timeout         overall deadline, waits included
 * @param maxRetries      rotations after the first attempt, per candidate provider/model
 * @param pinnedKey       a 1-based key index or fingerprint; only that key is used (no fallback)
 * @param sessionId       keep a conversation on one key while it has room
 * @param escalateTo      a tier to try after every candidate of the target failed
 * @param promptTokens    the request's estimated prompt, or -1 when unknown: with it each candidate
 *                        reserves what its provider counts (Cerebras: prompt + the completion limit,
 *                        16,384 when the request sets none), as for a chat request's JSON body
 * @param maxOutputTokens the request's completion limit, or -1 when it sets none (only read with
 *                        {@code promptTokens})
 */
public record CallSpec(long estimatedTokens, boolean waitForKey, Duration timeout, int maxRetries, String pinnedKey,
                       String sessionId, String escalateTo, long promptTokens, long maxOutputTokens) {

    public static final CallSpec DEFAULT = new CallSpec(CallOptions.DEFAULT_ESTIMATED_TOKENS, false,
            CallOptions.DEFAULT_TIMEOUT, CallOptions.DEFAULT_MAX_RETRIES, null, null, null);

    /** A spec that says nothing of the request's shape (no prompt estimate, no completion limit). */
    public CallSpec(long estimatedTokens, boolean waitForKey, Duration timeout, int maxRetries, String pinnedKey,
                    String sessionId, String escalateTo) {
        this(estimatedTokens, waitForKey, timeout, maxRetries, pinnedKey, sessionId, escalateTo, -1, -1);
    }

    public CallSpec {
        if (estimatedTokens < 0) throw new ConfigurationException("estimatedTokens must be >= 0, was " + estimatedTokens);
        promptTokens = Math.max(-1, promptTokens);
        maxOutputTokens = Math.max(-1, maxOutputTokens);
        if (maxRetries < 0) throw new ConfigurationException("maxRetries must be >= 0, was " + maxRetries);
        timeout = timeout == null ? CallOptions.DEFAULT_TIMEOUT : timeout;
        if (timeout.isNegative() || timeout.isZero()) throw new ConfigurationException("timeout must be > 0, was " + timeout);
    }

    public static CallSpec defaults() { return DEFAULT; }

    public CallSpec withEstimatedTokens(long n) { return new CallSpec(n, waitForKey, timeout, maxRetries, pinnedKey, sessionId, escalateTo, promptTokens, maxOutputTokens); }
    public CallSpec withWait(boolean w) { return new CallSpec(estimatedTokens, w, timeout, maxRetries, pinnedKey, sessionId, escalateTo, promptTokens, maxOutputTokens); }
    public CallSpec withTimeout(Duration t) { return new CallSpec(estimatedTokens, waitForKey, t, maxRetries, pinnedKey, sessionId, escalateTo, promptTokens, maxOutputTokens); }
    public CallSpec withMaxRetries(int n) { return new CallSpec(estimatedTokens, waitForKey, timeout, n, pinnedKey, sessionId, escalateTo, promptTokens, maxOutputTokens); }
    public CallSpec withPinnedKey(String id) { return new CallSpec(estimatedTokens, waitForKey, timeout, maxRetries, id, sessionId, escalateTo, promptTokens, maxOutputTokens); }
    public CallSpec withSession(String id) { return new CallSpec(estimatedTokens, waitForKey, timeout, maxRetries, pinnedKey, id, escalateTo, promptTokens, maxOutputTokens); }
    public CallSpec withEscalation(String tier) { return new CallSpec(estimatedTokens, waitForKey, timeout, maxRetries, pinnedKey, sessionId, tier, promptTokens, maxOutputTokens); }

    /**
     * The request's shape: its estimated prompt and its completion limit (empty: none set). This
     * spec's {@link #estimatedTokens} is taken as the completion budget of a request that sets no
     * limit: the result reserves the prompt plus the limit, or plus that budget, where the provider
     * counts as usual, and each candidate reserves what its own provider counts (Cerebras: 16,384
     * when no limit is set).
     */
    public CallSpec withRequest(long promptTokens, java.util.OptionalLong maxOutputTokens) {
        if (promptTokens < 0) throw new ConfigurationException("promptTokens must be >= 0, was " + promptTokens);
        return new CallSpec(promptTokens + maxOutputTokens.orElse(estimatedTokens), waitForKey, timeout, maxRetries, pinnedKey,
                sessionId, escalateTo, promptTokens, maxOutputTokens.orElse(-1));
    }

    /** The completion limit, empty when the request sets none or its shape is unknown. */
    java.util.OptionalLong maxOutput() {
        return maxOutputTokens >= 0 ? java.util.OptionalLong.of(maxOutputTokens) : java.util.OptionalLong.empty();
    }

    CallOptions toOptions(String model, Duration remaining) {
        return new CallOptions(model, estimatedTokens, maxRetries, waitForKey, remaining, pinnedKey, sessionId);
    }
}
