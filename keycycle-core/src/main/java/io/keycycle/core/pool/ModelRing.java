package io.keycycle.core.pool;

import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The candidates for one model of a provider: every key, each pointing at its scope's bucket for
 * this model (keys of one scope share a bucket), the model's provider-wide flag, a rotation cursor
 * and the FIFO queue of waiters.
 */
final class ModelRing {
    final String model;
    final KeyEntry[] keys;
    final PoolStateStore.Bucket[] buckets;
    /**
     * For a model that shares its scope's budget with others (OpenRouter's {@code :free}), each
     * key's bucket of the model itself, by key position: its hold carries what the provider limits
     * per model on top of the shared budget (a per-model daily or minute cap), so that hitting one
     * model's cap holds that model only, not every model of the budget. Null for other models.
     */
    final PoolStateStore.Bucket[] own;
    final PoolStateStore.ModelFlag state;
    final AtomicInteger cursor = new AtomicInteger();
    /**
     * This process's transient failures of the model in the current failure window, and the
     * successes since that window's first failure (see {@link PoolPolicy#transientTrip()}). A window
     * starts with a failure and lasts {@link OutcomeEffects#FAILURE_WINDOW_MS}; successes are only
     * counted while a window holds failures, so a working provider pays one read per success.
     */
    final AtomicInteger windowFailures = new AtomicInteger();
    final AtomicInteger windowSuccesses = new AtomicInteger();
    volatile long windowStart;
    /** Calls waiting for a key of this model, first come first served: blocking and non-blocking alike. */
    final ConcurrentLinkedDeque<Waiter> waiters = new ConcurrentLinkedDeque<>();

    ModelRing(String model, KeyEntry[] keys, PoolStateStore.Bucket[] buckets, PoolStateStore.Bucket[] own,
              PoolStateStore.ModelFlag state) {
        this.model = model;
        this.keys = keys;
        this.buckets = buckets;
        this.own = own;
        this.state = state;
    }

    /** True while the model's own hold (see {@link #own}) keeps key position {@code i} from it. */
    boolean ownHeld(int i, long now) {
        return own != null && now < own[i].hold().blockedUntil();
    }

    /** The buckets whose holds may keep key position {@code i} from the model: its bucket and, if any, its {@link #own} one. */
    PoolStateStore.Bucket[] holdsAt(int i) {
        return own == null ? new PoolStateStore.Bucket[]{buckets[i]} : new PoolStateStore.Bucket[]{buckets[i], own[i]};
    }
}
