package io.keycycle.core.pool;

import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The candidates for one model of a provider: every key, each pointing at its scope's bucket for
 * this model (keys of one scope share a bucket), a rotation cursor and the FIFO queue of waiters.
 */
final class ModelRing {
    final String model;
    final KeyEntry[] keys;
    final QuotaBucket[] buckets;
    final ModelState state = new ModelState();
    final AtomicInteger cursor = new AtomicInteger();
    final ConcurrentLinkedDeque<Thread> waiters = new ConcurrentLinkedDeque<>();

    ModelRing(String model, KeyEntry[] keys, QuotaBucket[] buckets) {
        this.model = model;
        this.keys = keys;
        this.buckets = buckets;
    }
}
