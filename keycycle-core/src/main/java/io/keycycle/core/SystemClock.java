package io.keycycle.core;

import java.util.concurrent.locks.LockSupport;

/** {@link EngineClock} on the system clock. */
enum SystemClock implements EngineClock {
    INSTANCE;

    @Override public long millis() { return System.currentTimeMillis(); }

    @Override
    public void parkUntil(long deadlineMillis) throws InterruptedException {
        LockSupport.parkUntil(deadlineMillis);
        if (Thread.interrupted()) throw new InterruptedException();
    }

    @Override public void wake(Thread thread) { LockSupport.unpark(thread); }
}
