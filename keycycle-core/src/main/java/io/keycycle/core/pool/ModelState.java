package io.keycycle.core.pool;

/**
 * Provider-wide state of one model: unavailable (the provider says it is gone, or has no quota for
 * it) until a re-check instant, or backing off after overload. An unavailable model is tried again
 * once its re-check instant has passed; each new "gone" answer doubles the wait (up to the policy's
 * maximum), a success clears it.
 */
final class ModelState {
    volatile boolean unavailable;
    volatile String unavailableReason;
    /** When the model is tried again (an unavailable model is not admitted before). */
    volatile long recheckAt;
    int unavailableStreak;
    volatile long backoffUntil;
    int consecutiveOverloads;

    /** True while the model must not be admitted at {@code now} because the provider said it is gone. */
    boolean unavailableAt(long now) { return unavailable && now < recheckAt; }

    synchronized long overloaded(long now, long baseMillis, long maxMillis, double jitter) {
        consecutiveOverloads = Math.min(consecutiveOverloads + 1, 20);
        long d = Math.min(maxMillis, baseMillis << Math.min(consecutiveOverloads - 1, 16));
        long j = (long) (d * jitter * java.util.concurrent.ThreadLocalRandom.current().nextDouble());
        long until = now + d + j;
        if (until > backoffUntil) backoffUntil = until;
        return backoffUntil;
    }

    /** Marks the model gone; returns the re-check instant (base, doubling per repeat, at most max). */
    synchronized long markUnavailable(long now, String reason, long baseMillis, long maxMillis) {
        unavailableStreak = Math.min(unavailableStreak + 1, 30);
        long d = Math.min(maxMillis, baseMillis << Math.min(unavailableStreak - 1, 20));
        recheckAt = KeyPool.saturatedAdd(now, d);
        unavailableReason = reason;
        unavailable = true;
        return recheckAt;
    }

    /** Restores a persisted "gone until" (hydration): never extends the streak. */
    synchronized void restoreUnavailable(long until, String reason) {
        if (until <= recheckAt && unavailable) return;
        recheckAt = until;
        unavailableReason = reason;
        unavailableStreak = Math.max(unavailableStreak, 1);
        unavailable = true;
    }

    /** Clears the unavailable state; true if it was set. */
    synchronized boolean clearUnavailable() {
        boolean was = unavailable;
        unavailable = false;
        unavailableReason = null;
        recheckAt = 0;
        unavailableStreak = 0;
        return was;
    }

    /** A success: overloads are over; true if the model had been marked unavailable (it is back). */
    boolean succeeded() {
        boolean back = false;
        if (consecutiveOverloads != 0 || unavailable) {
            synchronized (this) {
                consecutiveOverloads = 0;
                if (unavailable) {
                    back = true;
                    unavailable = false;
                    unavailableReason = null;
                    recheckAt = 0;
                    unavailableStreak = 0;
                }
            }
        }
        return back;
    }
}
