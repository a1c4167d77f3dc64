package io.keycycle.core.testing;

import io.keycycle.core.EngineClock;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A clock that only moves when told to. Threads parked on it wake when {@link #advance} reaches
 * their deadline or when woken, so tests run days of traffic in milliseconds and can assert that a
 * waiter woke no later than the instant the engine computed.
 *
 * <p>It drives both readings: {@link #advance} and {@link #set} move the wall clock and the monotonic
 * clock together (time passing); {@link #stepWall} moves only the wall clock, either way, as an
 * operator or NTP stepping the system clock would. A parked thread waits for monotonic time, as on
 * the system clock: its wall deadline is turned into a monotonic one when it parks.
 */
public final class ManualClock implements EngineClock {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final Map<Thread, Long> parked = new HashMap<>();
    private final Map<Thread, Boolean> permits = new HashMap<>();
    /**
     * Both readings, published together: a reader never sees the monotonic clock moved and the wall
     * clock not yet (or the reverse), which a real clock never shows either. Monotonic time is in
     * milliseconds (reported in nanoseconds) from an arbitrary origin.
     */
    private record Reading(long wall, long mono) { }

    private volatile Reading reading;

    public ManualClock(Instant start) { this.reading = new Reading(start.toEpochMilli(), 1_000_000L); }

    public static ManualClock at(String isoInstant) { return new ManualClock(Instant.parse(isoInstant)); }

    @Override public long millis() { return reading.wall(); }

    @Override public long nanos() { return reading.mono() * 1_000_000L; }

    /** Time passes: both clocks move forward by {@code d}. */
    public void advance(Duration d) {
        lock.lock();
        try {
            set(reading.wall() + d.toMillis());
        } finally {
            lock.unlock();
        }
    }

    /** Time passes until the wall clock reads {@code millis}: both clocks move forward by the same amount. */
    public void set(long millis) {
        lock.lock();
        try {
            Reading r = reading;
            if (millis < r.wall()) throw new IllegalArgumentException("time only moves forward");
            reading = new Reading(millis, r.mono() + millis - r.wall());
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** The wall clock is stepped by {@code d} (negative: backwards); no time passes on the monotonic clock. */
    public void stepWall(Duration d) {
        lock.lock();
        try {
            Reading r = reading;
            reading = new Reading(r.wall() + d.toMillis(), r.mono());
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Deadlines of the threads parked now (for tests that assert wake-up instants). */
    public Map<Thread, Long> parkedDeadlines() {
        lock.lock();
        try {
            return Map.copyOf(parked);
        } finally {
            lock.unlock();
        }
    }

    /** Number of threads parked right now. */
    public int parkedCount() {
        lock.lock();
        try {
            return parked.size();
        } finally {
            lock.unlock();
        }
    }

    /** The earliest deadline among parked threads, or null. */
    public Long earliestDeadline() {
        lock.lock();
        try {
            return parked.values().stream().min(Long::compare).orElse(null);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void parkUntil(long deadline) throws InterruptedException {
        Thread me = Thread.currentThread();
        lock.lock();
        try {
            if (permits.remove(me) != null) return;
            parked.put(me, deadline);
            Reading r = reading;
            long monoDeadline = deadline == Long.MAX_VALUE ? Long.MAX_VALUE : r.mono() + Math.max(0, deadline - r.wall());
            try {
                while (reading.mono() < monoDeadline && permits.remove(me) == null) {
                    changed.await();
                }
            } finally {
                parked.remove(me);
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void wake(Thread thread) {
        lock.lock();
        try {
            permits.put(thread, Boolean.TRUE);
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }
}
