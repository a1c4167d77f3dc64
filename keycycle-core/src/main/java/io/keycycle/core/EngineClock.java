package io.keycycle.core;

import java.time.Instant;

/**
 * The engine's only source of time, and its only way to wait. The system clock parks threads
 * with {@link java.util.concurrent.locks.LockSupport}; a test clock wakes waiters when advanced,
 * so tests run days of traffic in milliseconds.
 */
public interface EngineClock {

    /** Current time in epoch milliseconds. */
    long millis();

    default Instant now() { return Instant.ofEpochMilli(millis()); }

    /**
     * Blocks the calling thread until {@code deadlineMillis} (clock time) or until
     * {@link #wake(Thread)} is called for it, whichever is first. May return early spuriously;
     * callers re-check their condition.
     */
    void parkUntil(long deadlineMillis) throws InterruptedException;

    /** Wakes a thread parked in {@link #parkUntil(long)}. */
    void wake(Thread thread);

    /** The wall clock. */
    static EngineClock system() { return SystemClock.INSTANCE; }
}
