package io.keycycle.redis;

import io.keycycle.core.pool.PoolStateStore;

/**
 * A key's disabled flag, kept in the provider's state hash in Redis ({@code d:<fingerprint>}) and
 * cached here for admission. A change made anywhere reaches every instance through the fleet's
 * channel within milliseconds.
 */
final class SharedKeyFlag implements PoolStateStore.KeyFlag {

    /** Writes the flag to Redis and tells the fleet ({@code why} null: enabled). */
    interface Writer {
        void write(String why, long at);
    }

    private final Writer writer;
    private volatile boolean disabled;
    private volatile String reason;
    private volatile long at;

    SharedKeyFlag(Writer writer) { this.writer = writer; }

    @Override public boolean disabled() { return disabled; }

    @Override public String disabledReason() { return reason; }

    @Override public long disabledAt() { return at; }

    @Override
    public boolean disable(String why, long when) {
        if (!cached(true, why, when)) return false;
        writer.write(why == null ? "disabled" : why, when);
        return true;
    }

    @Override
    public boolean enable() {
        if (!cached(false, null, 0)) return false;
        writer.write(null, 0);
        return true;
    }

    /** Applies the flag as Redis or the channel has it; true when it changed. */
    synchronized boolean cached(boolean off, String why, long when) {
        if (off == disabled) return false;
        if (off) {
            reason = why;
            at = when;
        } else {
            reason = null;
        }
        disabled = off;
        return true;
    }
}
