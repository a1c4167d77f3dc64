package io.keycycle.core.pool;

import io.keycycle.core.EngineClock;
import org.slf4j.LoggerFactory;

import java.util.PriorityQueue;

/**
 * Runs tasks at instants of an {@link EngineClock} on one daemon thread, so a non-blocking call
 * can wait for a key without holding a thread of its own. It waits with the clock's
 * {@link EngineClock#parkUntil}, so a test clock that is advanced runs the due tasks at once.
 * Tasks must be short: they share the one thread.
 */
final class ClockTimer {

    private record Task(long due, long seq, Runnable run) { }

    private final EngineClock clock;
    private final PriorityQueue<Task> queue = new PriorityQueue<>((a, b) ->
            a.due != b.due ? Long.compare(a.due, b.due) : Long.compare(a.seq, b.seq));
    private final Thread thread;
    private long seq;

    ClockTimer(EngineClock clock, String name) {
        this.clock = clock;
        this.thread = new Thread(this::loop, name);
        thread.setDaemon(true);
        thread.start();
    }

    /** Runs {@code task} once the clock reaches {@code dueMillis}. */
    void schedule(long dueMillis, Runnable task) {
        boolean first;
        synchronized (queue) {
            Task t = new Task(dueMillis, seq++, task);
            queue.add(t);
            first = queue.peek() == t;
        }
        if (first) clock.wake(thread);
    }

    /** Tasks not yet run. */
    int pending() {
        synchronized (queue) {
            return queue.size();
        }
    }

    private void loop() {
        while (true) {
            Task due = null;
            long until;
            synchronized (queue) {
                Task head = queue.peek();
                until = head == null ? Long.MAX_VALUE : head.due;
                if (head != null && head.due <= clock.millis()) due = queue.poll();
            }
            if (due != null) {
                try {
                    due.run.run();
                } catch (Throwable e) {
                    LoggerFactory.getLogger(ClockTimer.class).warn("scheduled retry failed: {}", e.toString());
                }
                continue;
            }
            try {
                clock.parkUntil(until);
            } catch (InterruptedException e) {
                return;
            }
        }
    }
}
