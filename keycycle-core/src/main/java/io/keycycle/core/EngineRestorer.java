package io.keycycle.core;

import java.time.Instant;

/**
 * What the store calls on start to put the engine back where the previous process stopped.
 * Implemented by the key pool; records for unknown keys are ignored (a key removed from the
 * configuration).
 */
public interface EngineRestorer {

    /**
     * Replays one usage record at the instant it was counted. Must be called in time order per
     * provider; records older than the longest window are ignored.
     *
     * @param requests      1 if the provider counted the request, else 0
     * @param chargedTokens tokens charged against token limits
     */
    void restoreUsage(String provider, String fingerprint, String model, Instant admittedAt, long requests, long chargedTokens);

    /** Re-applies a persisted state (cooldown, day parking, disabled key, unavailable model). */
    void restoreState(KeycycleEvent.StateChanged state);

    /**
     * Re-applies a limit an earlier process learned from the provider ({@link KeycycleEvent.LimitLearned}
     * with its value). Ignored by default.
     */
    default void restoreLearnedLimit(KeycycleEvent.LimitLearned learned) { }
}
