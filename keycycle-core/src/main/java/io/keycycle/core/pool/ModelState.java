package io.keycycle.core.pool;

/**
 * The in-process {@link PoolStateStore.ModelFlag}: a model unavailable (the provider says it is gone,
 * or has no quota for it) until a re-check instant, or backing off after overload. An unavailable
 * model is tried again once its re-check instant has passed; each new "gone" answer doubles the
 * wait (up to the policy's maximum), a success clears it.
 */
final class ModelState implements PoolStateStore.ModelFlag {
    private volatile boolean unavailable;
    private volatile String unavailableReason;
    private volatile long recheckAt;
    private int unavailableStreak;
    private volatile long backoffUntil;
    private int consecutiveOverloads;

    @Override public boolean unavailableAt(long now) { return unavailable && now < recheckAt; }

    @Override public String unavailableReason() { return unavailableReason; }

    @Override public long recheckAt() { return unavailable ? recheckAt : 0; }

    @Override public long backoffUntil() { return backoffUntil; }

    @Override
    public synchronized long overloaded(long now, long baseMillis, long maxMillis, double jitter) {
        consecutiveOverloads = Math.min(consecutiveOverloads + 1, 20);
        long d = Math.min(maxMillis, baseMillis << Math.min(consecutiveOverloads - 1, 16));
        long j = (long) (d * jitter * java.util.concurrent.ThreadLocalRandom.current().nextDouble());
        long until = now + d + j;
        if (until > backoffUntil) backoffUntil = until;
        return backoffUntil;
    }

    @Override
    public synchronized void backOffUntil(long until) {
        if (until > backoffUntil) backoffUntil = until;
    }

    @Override
    public synchronized long markUnavailable(long now, String reason, long baseMillis, long maxMillis) {
        unavailableStreak = Math.min(unavailableStreak + 1, 30);
        long d = Math.min(maxMillis, baseMillis << Math.min(unavailableStreak - 1, 20));
        recheckAt = Saturating.add(now, d);
        unavailableReason = reason;
        unavailable = true;
        return recheckAt;
    }

    @Override
    public synchronized void restoreUnavailable(long until, String reason) {
        if (unavailable && until <= recheckAt) return;
        recheckAt = until;
        unavailableReason = reason;
        unavailableStreak = Math.max(unavailableStreak, 1);
        unavailable = true;
    }

    @Override
    public synchronized boolean clearUnavailable() {
        boolean was = unavailable;
        unavailable = false;
        unavailableReason = null;
        recheckAt = 0;
        unavailableStreak = 0;
        return was;
    }

    @Override
    public boolean succeeded() {
        if (consecutiveOverloads == 0 && !unavailable) return false;
        synchronized (this) {
            consecutiveOverloads = 0;
            return clearUnavailable();
        }
    }
}
