package io.keycycle.core;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/** {@link EngineClock} on the system clocks. */
enum SystemClock implements EngineClock {
    INSTANCE;

    @Override public long millis() { return System.currentTimeMillis(); }

    @Override public long nanos() { return System.nanoTime(); }

    @Override
    public void parkUntil(long deadlineMillis) throws InterruptedException {
        long wait = deadlineMillis - System.currentTimeMillis();
        // a relative wait: parkNanos runs on the monotonic clock, so a wall-clock step while parked changes nothing
        if (wait > 0) LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(wait));
        if (Thread.interrupted()) throw new InterruptedException();
    }

    @Override public void wake(Thread thread) { LockSupport.unpark(thread); }
}
