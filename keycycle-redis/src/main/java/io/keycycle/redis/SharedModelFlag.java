package io.keycycle.redis;

import io.keycycle.core.pool.PoolStateStore;

/**
 * A model's availability and overload backoff for one provider: computed by a local flag (the
 * engine's own rules: re-check doubling, backoff with jitter) and written to Redis after each
 * change, so that every instance skips an unavailable model and backs off with the others.
 */
final class SharedModelFlag implements PoolStateStore.ModelFlag {

    /** Writes the model's state (re-check instant or 0, backoff end or 0, reason) and tells the fleet. */
    interface Writer {
        void write(long recheckAt, long backoffUntil, String why);
    }

    private final PoolStateStore.ModelFlag local;
    private final Writer writer;

    SharedModelFlag(PoolStateStore.ModelFlag local, Writer writer) {
        this.local = local;
        this.writer = writer;
    }

    @Override public boolean unavailableAt(long now) { return local.unavailableAt(now); }

    @Override public String unavailableReason() { return local.unavailableReason(); }

    @Override public long recheckAt() { return local.recheckAt(); }

    @Override
    public long markUnavailable(long now, String why, long baseMillis, long maxMillis) {
        long at = local.markUnavailable(now, why, baseMillis, maxMillis);
        writer.write(at, local.backoffUntil(), why);
        return at;
    }

    @Override public void restoreUnavailable(long until, String why) { local.restoreUnavailable(until, why); }

    @Override
    public boolean clearUnavailable() {
        boolean was = local.clearUnavailable();
        if (was) writer.write(0, local.backoffUntil(), null);
        return was;
    }

    @Override public long backoffUntil() { return local.backoffUntil(); }

    @Override
    public long overloaded(long now, long baseMillis, long maxMillis, double jitter) {
        long until = local.overloaded(now, baseMillis, maxMillis, jitter);
        writer.write(local.recheckAt(), until, local.unavailableReason());
        return until;
    }

    @Override
    public void backOffUntil(long until) {
        long before = local.backoffUntil();
        local.backOffUntil(until);
        if (local.backoffUntil() > before) writer.write(local.recheckAt(), local.backoffUntil(), local.unavailableReason());
    }

    @Override
    public boolean succeeded() {
        boolean back = local.succeeded();
        if (back) writer.write(0, local.backoffUntil(), null);
        return back;
    }

    /** Applies what another instance wrote. */
    void apply(long recheckAt, long backoffUntil, String why) {
        if (recheckAt > 0) local.restoreUnavailable(recheckAt, why);
        else local.clearUnavailable();
        if (backoffUntil > 0) local.backOffUntil(backoffUntil);
    }
}
