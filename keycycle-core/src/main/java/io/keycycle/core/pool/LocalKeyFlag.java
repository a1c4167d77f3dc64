package io.keycycle.core.pool;

/** The in-process {@link PoolStateStore.KeyFlag}: a volatile flag read on every admission. */
final class LocalKeyFlag implements PoolStateStore.KeyFlag {
    private volatile boolean disabled;
    private volatile String reason;
    private volatile long at;

    @Override public boolean disabled() { return disabled; }

    @Override public String disabledReason() { return reason; }

    @Override public long disabledAt() { return at; }

    @Override
    public synchronized boolean disable(String why, long when) {
        if (disabled) return false;
        reason = why;
        at = when;
        disabled = true;
        return true;
    }

    @Override
    public synchronized boolean enable() {
        if (!disabled) return false;
        disabled = false;
        reason = null;
        return true;
    }
}
