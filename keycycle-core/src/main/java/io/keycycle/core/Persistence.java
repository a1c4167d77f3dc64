package io.keycycle.core;

import java.time.Instant;

/**
 * Where the engine's memory goes: receives every event (must never block the caller) and puts the
 * engine back where it was on start. Implemented by {@code keycycle-store}.
 */
public interface Persistence extends KeycycleListener, AutoCloseable {

    /** Replays the last day of usage and all live key states into {@code restorer}. */
    void restore(EngineRestorer restorer, Instant now);

    /** Drains pending writes (bounded by the implementation's timeout) and releases resources. */
    @Override
    void close();
}
