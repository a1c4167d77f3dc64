package io.keycycle.core.pool;

/** Provider-wide state of one model: unavailable (gone, no quota) or backing off after overload. */
final class ModelState {
    volatile boolean unavailable;
    volatile String unavailableReason;
    volatile long backoffUntil;
    int consecutiveOverloads;

    synchronized long overloaded(long now, long baseMillis, long maxMillis, double jitter) {
        consecutiveOverloads = Math.min(consecutiveOverloads + 1, 20);
        long d = Math.min(maxMillis, baseMillis << Math.min(consecutiveOverloads - 1, 16));
        long j = (long) (d * jitter * java.util.concurrent.ThreadLocalRandom.current().nextDouble());
        long until = now + d + j;
        if (until > backoffUntil) backoffUntil = until;
        return backoffUntil;
    }

    void succeeded() {
        if (consecutiveOverloads != 0) {
            synchronized (this) { consecutiveOverloads = 0; }
        }
    }
}
