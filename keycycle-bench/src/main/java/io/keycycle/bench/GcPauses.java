package io.keycycle.bench;

import com.sun.management.GarbageCollectionNotificationInfo;

import javax.management.ListenerNotFoundException;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts the collections of the JVM's collectors between {@link #start()} and {@link #stop()} and
 * keeps the longest one, so a worst-case latency can be set against the GC pauses of the same run.
 * Durations are those the JVM reports per collection (for G1's young and mixed pauses, the pause).
 */
final class GcPauses implements NotificationListener {

    /** Collections seen, their total and their longest duration, in ms. */
    record Stats(long count, long totalMillis, long maxMillis) {
        @Override public String toString() { return count + " collections, " + totalMillis + " ms in total, longest " + maxMillis + " ms"; }
    }

    private final List<NotificationEmitter> emitters = new ArrayList<>();
    private final AtomicLong count = new AtomicLong();
    private final AtomicLong total = new AtomicLong();
    private final AtomicLong max = new AtomicLong();

    static GcPauses start() {
        GcPauses p = new GcPauses();
        for (GarbageCollectorMXBean b : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (b instanceof NotificationEmitter e) {
                e.addNotificationListener(p, null, null);
                p.emitters.add(e);
            }
        }
        return p;
    }

    @Override
    public void handleNotification(Notification n, Object handback) {
        if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType())) return;
        GarbageCollectionNotificationInfo info = GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData());
        if (info.getGcCause().equals("No GC")) return; // G1's concurrent cycle bookkeeping, not a pause
        long d = info.getGcInfo().getDuration();
        count.incrementAndGet();
        total.addAndGet(d);
        max.accumulateAndGet(d, Math::max);
    }

    Stats stop() {
        for (NotificationEmitter e : emitters) {
            try {
                e.removeNotificationListener(this);
            } catch (ListenerNotFoundException ignored) {
                // already gone
            }
        }
        return new Stats(count.get(), total.get(), max.get());
    }
}
