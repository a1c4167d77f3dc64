package io.keycycle.core.pool;

import io.keycycle.core.EngineClock;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A place in a model's first-come, first-served queue of calls waiting for a key
 * ({@link ModelRing#waiters}): a blocking call's parked thread, or a non-blocking call's next try.
 * Only the first in line tries; it is woken when the one before it leaves or capacity comes back.
 */
abstract class Waiter {

    private final AtomicBoolean queued = new AtomicBoolean();
    /** Engine time the waiter joined the queue (for the {@code Waited} event). */
    volatile long since;

    /** The first in line may try now: wake it without running anything on the caller's thread. */
    abstract void wake(EngineClock clock);

    /** Marks the waiter queued; false when it was already. */
    final boolean enter() { return queued.compareAndSet(false, true); }

    /** Marks it out of the queue; false when it was not in it (left already, or never joined). */
    final boolean leave() { return queued.compareAndSet(true, false); }

    final boolean isQueued() { return queued.get(); }

    /** A blocking call's thread, parked on the engine clock. */
    static final class OfThread extends Waiter {
        private final Thread thread;

        OfThread(Thread thread) { this.thread = thread; }

        @Override void wake(EngineClock clock) { clock.wake(thread); }
    }
}
