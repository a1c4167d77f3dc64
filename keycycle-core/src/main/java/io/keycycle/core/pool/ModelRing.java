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
    final PoolStateStore.ModelFlag state;
    final AtomicInteger cursor = new AtomicInteger();
    final ConcurrentLinkedDeque<Thread> waiters = new ConcurrentLinkedDeque<>();

    ModelRing(String model, KeyEntry[] keys, PoolStateStore.Bucket[] buckets, PoolStateStore.ModelFlag state) {
        this.model = model;
        this.keys = keys;
        this.buckets = buckets;
        this.state = state;
    }
}
