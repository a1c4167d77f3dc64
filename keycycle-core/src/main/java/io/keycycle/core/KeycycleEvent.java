package io.keycycle.core;

import java.time.Instant;

/**
 * Everything the engine decides is published as one of these events, synchronously on the
 * deciding thread, to every {@link KeycycleListener}. Listeners must be fast and must not throw
 * (the store enqueues, metrics increment counters). Events never carry a raw key.
 */
public sealed interface KeycycleEvent {

    Instant at();

    String provider();

    /** A lease was granted: one request and {@code estimatedTokens} reserved on the scope(+model). */
    record Admitted(Instant at, String provider, String scope, String fingerprint, String model,
                    long estimatedTokens, long leaseId) implements KeycycleEvent { }

    /**
     * A lease was settled: the usage record. {@code requests} is 1 when the provider counted the
     * request (success, 429, 400) and 0 when it did not (connection refused, 401); tokens are the
     * actual charged tokens. {@code admittedAt} is the instant the request was counted in the windows
     * (hydration replays it there).
     */
    record Settled(Instant at, Instant admittedAt, String provider, String scope, String fingerprint, String model,
                   OutcomeKind outcome, int status, long requests, long promptTokens, long completionTokens,
                   long chargedTokens, long leaseId) implements KeycycleEvent { }

    /**
     * A lease was never reported and expired: the request stays counted, since the provider probably
     * saw it. Its token reservation was released ({@code chargedTokens} 0), except with a provider
     * that keeps what it reserves at arrival (Cerebras: {@link ProviderProfile#reservedCompletion()}),
     * where it stays charged ({@code chargedTokens} = {@code estimatedTokens}).
     */
    record LeaseExpired(Instant at, Instant admittedAt, String provider, String scope, String fingerprint, String model,
                        long estimatedTokens, long leaseId, long chargedTokens) implements KeycycleEvent {

        /** An expiry that released the reservation (no tokens charged). */
        public LeaseExpired(Instant at, Instant admittedAt, String provider, String scope, String fingerprint, String model,
                            long estimatedTokens, long leaseId) {
            this(at, admittedAt, provider, scope, fingerprint, model, estimatedTokens, leaseId, 0);
        }
    }

    /**
     * A state change of a key, a scope(+model) or a model.
     *
     * @param level       what the state applies to
     * @param scope       the scope (for SCOPE level and for context)
     * @param fingerprint the key (for KEY level; the key that triggered it otherwise; may be null)
     * @param model       the model, or {@code "*"} when the state covers every model
     * @param until       end of a cooldown/parking, null for DISABLED/READY/MODEL_UNAVAILABLE
     */
    record StateChanged(Instant at, String provider, Level level, String scope, String fingerprint, String model,
                        KeyState state, Instant until, String reason) implements KeycycleEvent { }

    /**
     * The provider reported a limit that differs from the table and Keycycle now applies it to
     * (scope, model): "rpd 1000 → 50, learned from openrouter …". {@code value} -1 means the learned
     * limit was dropped (the provider consistently reports the table's value again).
     *
     * @param model  the model, or {@code "*"} for a budget all models of the scope share
     * @param source where the value was read ({@code openrouter X-RateLimit-Limit}, {@code gemini quotaValue}, …)
     */
    record LimitLearned(Instant at, String provider, String scope, String model, Limits.Metric metric, long tableValue,
                        long value, String source) implements KeycycleEvent { }

    /** Nothing could serve a request now; {@code retryAt} is the earliest instant (null: never). */
    record Rejected(Instant at, String provider, String model, Instant retryAt, String why) implements KeycycleEvent { }

    /** A caller waited for a key; {@code waitedMillis} of clock time, {@code served} if it got one. */
    record Waited(Instant at, String provider, String model, long waitedMillis, boolean served) implements KeycycleEvent { }

    /**
     * A call to {@code target} (a tier or a model) was served by {@code provider}/{@code model} after
     * {@code skipped} earlier candidates could not serve it; {@code fromProvider}/{@code fromModel} is
     * the first candidate, the one that overflowed.
     */
    record FellBack(Instant at, String provider, String model, String target, String fromProvider, String fromModel,
                    int skipped) implements KeycycleEvent { }

    /** What a {@link StateChanged} applies to. */
    enum Level { KEY, SCOPE, MODEL }
}
