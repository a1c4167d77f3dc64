package io.keycycle.core;

import java.time.Instant;

/**
 * The engine's only source of time, and its only way to wait. Two readings: the wall clock
 * ({@link #millis()}, which an operator or NTP may step) and a monotonic one ({@link #nanos()}, which
 * never steps). The engine measures every elapsed time — windows, cooldowns, timeouts, lease expiry
 * — on the monotonic reading and uses the wall clock only for instants that are calendar facts (a
 * provider's midnight reset, an absolute reset time a provider sends, timestamps shown or stored);
 * {@link EngineTime} converts between the two.
 *
 * <p>The system clock parks threads with {@link java.util.concurrent.locks.LockSupport}; a test
 * clock wakes waiters when advanced, so tests run days of traffic in milliseconds.
 */
public interface EngineClock {

    /** Wall-clock time in epoch milliseconds (may step backwards or forwards). */
    long millis();

    /**
     * Monotonic nanoseconds from an arbitrary origin: never steps. The default suits a clock whose
     * {@link #millis()} never steps (it is derived from it).
     */
    default long nanos() { return Math.multiplyExact(millis(), 1_000_000L); }

    default Instant now() { return Instant.ofEpochMilli(millis()); }

    /**
     * Blocks the calling thread until {@code deadlineMillis} (wall-clock time, converted into a
     * monotonic wait when parking starts, so a step of the wall clock while parked does not change
     * the wait) or until {@link #wake(Thread)} is called for it, whichever is first. May return early
     * spuriously; callers re-check their condition.
     */
    void parkUntil(long deadlineMillis) throws InterruptedException;

    /** Wakes a thread parked in {@link #parkUntil(long)}. */
    void wake(Thread thread);

    /** The system clocks: {@link System#currentTimeMillis()} and {@link System#nanoTime()}. */
    static EngineClock system() { return SystemClock.INSTANCE; }
}
