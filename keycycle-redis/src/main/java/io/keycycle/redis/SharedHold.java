package io.keycycle.redis;

import io.keycycle.core.pool.LocalHold;
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
    /** The cache: the same never-shortening holder as the in-process store's. */
    private final LocalHold cache = new LocalHold();

    SharedHold(Writer writer) { this.writer = writer; }

    @Override
    public boolean cool(long until, String why) {
        if (!cache.cool(until, why)) return false;
        writer.write("cu", until, why);
        return true;
    }

    @Override
    public boolean park(long until, String why) {
        if (!cache.park(until, why)) return false;
        writer.write("pu", until, why);
        return true;
    }

    /** Applies a hold learned from Redis or the fleet's channel; true when it extended the cache. */
    boolean cached(boolean cooling, long until, String why) {
        return cooling ? cache.cool(until, why) : cache.park(until, why);
    }

    @Override public long coolingUntil() { return cache.coolingUntil(); }

    @Override public String coolingReason() { return cache.coolingReason(); }

    @Override public long parkedUntil() { return cache.parkedUntil(); }

    @Override public String parkedReason() { return cache.parkedReason(); }

    @Override
    public void clear() {
        cache.clear();
        writer.write("clear", 0, null);
    }

    /** Clears the cache only (another instance cleared it). */
    void clearCached() { cache.clear(); }
}
