package io.keycycle.core.pool;

/**
 * The one cooldown/day-park holder: a bucket's own hold and a scope's (every model) hold are both
 * this class in the in-process store, and the shared store caches what Redis holds in one. Reads
 * are volatile (admission reads them without a lock); changes are made under the monitor and never
 * shorten a hold, except {@link #clear()}.
 */
public final class LocalHold implements PoolStateStore.Hold {
    private volatile long coolingUntil;
    private volatile String coolingReason;
    private volatile long parkedUntil;
    private volatile String parkedReason;

    @Override
    public synchronized boolean cool(long until, String why) {
        if (until <= coolingUntil) return false;
        coolingReason = why;
        coolingUntil = until;
        return true;
    }

    @Override
    public synchronized boolean park(long until, String why) {
        if (until <= parkedUntil) return false;
        parkedReason = why;
        parkedUntil = until;
        return true;
    }

    @Override public long coolingUntil() { return coolingUntil; }

    @Override public String coolingReason() { return coolingReason; }

    @Override public long parkedUntil() { return parkedUntil; }

    @Override public String parkedReason() { return parkedReason; }

    @Override
    public synchronized void clear() {
        coolingUntil = 0;
        parkedUntil = 0;
    }
}
