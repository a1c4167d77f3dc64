package io.keycycle.gateway;

import io.keycycle.core.EngineClock;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.locks.LockSupport;

/**
 * Real time sped up {@code factor} times from {@code start}, for the engine and (through
 * {@link #javaClock()}) the simulator alike: a minute window passes in a few seconds, and a thread
 * parked by the engine sleeps the scaled real time. Stands still at {@code start} until {@link #go()}.
 */
final class FastClock implements EngineClock {
    private final long startMillis;
    private final double factor;
    private volatile long startNanos = Long.MIN_VALUE;

    FastClock(Instant start, double factor) {
        this.startMillis = start.toEpochMilli();
        this.factor = factor;
    }

    void go() { startNanos = System.nanoTime(); }

    @Override
    public long millis() {
        long s = startNanos;
        return s == Long.MIN_VALUE ? startMillis : startMillis + (long) ((System.nanoTime() - s) / 1e6 * factor);
    }

    @Override
    public void parkUntil(long deadlineMillis) throws InterruptedException {
        long realNanos = (long) ((deadlineMillis - millis()) * 1e6 / factor);
        if (realNanos > 0) LockSupport.parkNanos(realNanos);
        if (Thread.interrupted()) throw new InterruptedException();
    }

    @Override
    public void wake(Thread thread) { LockSupport.unpark(thread); }

    /** The same time as a {@link Clock}, for the simulator. */
    Clock javaClock() {
        return new Clock() {
            @Override public ZoneId getZone() { return ZoneOffset.UTC; }
            @Override public Clock withZone(ZoneId zone) { return this; }
            @Override public Instant instant() { return Instant.ofEpochMilli(millis()); }
            @Override public long millis() { return FastClock.this.millis(); }
        };
    }
}
