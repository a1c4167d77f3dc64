package io.keycycle.redis;

import io.keycycle.core.pool.PoolStateStore;

/**
 * A cooldown and a day-park kept in Redis (a bucket's, in its windows' value, or a scope's, in
 * its own hash) and cached here. Admission reads the cache (volatile, no round trip); the script
 * checks the Redis copy atomically at reservation, so a hold set by another instance is honoured
 * even before its message arrives. Never shortened except by {@link #clear()}.
 */
final class SharedHold implements PoolStateStore.Hold {

    /** Writes a hold to Redis (and tells the fleet); false when Redis already had a longer one. */
    interface Writer {
        void write(String field, long until, String why);
    }

    private final Writer writer;
    private volatile long coolingUntil;
    private volatile String coolingReason;
    private volatile long parkedUntil;
    private volatile String parkedReason;

    SharedHold(Writer writer) { this.writer = writer; }

    @Override
    public boolean cool(long until, String why) {
        if (!cached(true, until, why)) return false;
        writer.write("cu", until, why);
        return true;
    }

    @Override
    public boolean park(long until, String why) {
        if (!cached(false, until, why)) return false;
        writer.write("pu", until, why);
        return true;
    }

    /** Applies a hold learned from Redis or the fleet's channel; true when it extended the cache. */
    synchronized boolean cached(boolean cooling, long until, String why) {
        if (cooling) {
            if (until <= coolingUntil) return false;
            coolingReason = why;
            coolingUntil = until;
        } else {
            if (until <= parkedUntil) return false;
            parkedReason = why;
            parkedUntil = until;
        }
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
        writer.write("clear", 0, null);
    }

    /** Clears the cache only (another instance cleared it). */
    synchronized void clearCached() {
        coolingUntil = 0;
        parkedUntil = 0;
    }
}
