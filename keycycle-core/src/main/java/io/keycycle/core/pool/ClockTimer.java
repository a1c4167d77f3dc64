package io.keycycle.core.pool;

import io.keycycle.core.EngineTime;
import org.slf4j.LoggerFactory;

import java.util.PriorityQueue;

/**
 * Runs tasks at instants of an {@link EngineClock} on one daemon thread, so a non-blocking call
 * can wait for a key without holding a thread of its own. Instants are engine time; it waits with
 * {@link EngineTime#parkUntil}, so a test clock that is advanced runs the due tasks at once.
 * Tasks must be short: they share the one thread.
 */
final class ClockTimer {

    private record Task(long due, long seq, Runnable run, Runnable onClose) { }

    private final EngineTime time;
    private final PriorityQueue<Task> queue = new PriorityQueue<>((a, b) ->
            a.due != b.due ? Long.compare(a.due, b.due) : Long.compare(a.seq, b.seq));
    private final Thread thread;
    private long seq;
    /** Set by {@link #close()}; guarded by {@link #queue}. */
    private boolean closed;

    ClockTimer(EngineTime time, String name) {
        this.time = time;
        this.thread = new Thread(this::loop, name);
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Runs {@code task} once the clock reaches {@code dueMillis}, or {@code onClose} (may be null)
     * when the timer is closed first. False when the timer is closed already: nothing will run.
     */
    boolean schedule(long dueMillis, Runnable task, Runnable onClose) {
        boolean first;
        synchronized (queue) {
            if (closed) return false;
            Task t = new Task(dueMillis, seq++, task, onClose);
            queue.add(t);
            first = queue.peek() == t;
        }
        if (first) time.clock().wake(thread);
        return true;
    }

    /**
     * Stops the thread; the tasks not yet run get their {@code onClose} instead, on the calling
     * thread. Idempotent.
     */
    void close() {
        java.util.List<Task> left;
        synchronized (queue) {
            if (closed) return;
            closed = true;
            left = new java.util.ArrayList<>(queue);
            queue.clear();
        }
        time.clock().wake(thread);
        thread.interrupt();
        for (Task t : left) {
            if (t.onClose == null) continue;
            try {
                t.onClose.run();
            } catch (RuntimeException e) {
                LoggerFactory.getLogger(ClockTimer.class).warn("closing a scheduled retry failed: {}", e.toString());
            }
        }
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
                if (closed) return;
                Task head = queue.peek();
                until = head == null ? Long.MAX_VALUE : head.due;
                if (head != null && head.due <= time.now()) due = queue.poll();
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
                time.parkUntil(until);
            } catch (InterruptedException e) {
                return;
            }
        }
    }
}
