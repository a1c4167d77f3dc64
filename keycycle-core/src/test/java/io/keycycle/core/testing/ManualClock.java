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
 */
public final class ManualClock implements EngineClock {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final Map<Thread, Long> parked = new HashMap<>();
    private final Map<Thread, Boolean> permits = new HashMap<>();
    private volatile long now;

    public ManualClock(Instant start) { this.now = start.toEpochMilli(); }

    public static ManualClock at(String isoInstant) { return new ManualClock(Instant.parse(isoInstant)); }

    @Override public long millis() { return now; }

    public void advance(Duration d) { set(now + d.toMillis()); }

    public void set(long millis) {
        lock.lock();
        try {
            if (millis < now) throw new IllegalArgumentException("time only moves forward");
            now = millis;
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
            try {
                while (now < deadline && permits.remove(me) == null) {
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
