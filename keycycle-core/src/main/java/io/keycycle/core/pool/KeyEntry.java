package io.keycycle.core.pool;

import io.keycycle.core.ApiKey;

/** A key of the pool and its key-level state (disabled or not). */
final class KeyEntry {
    final ApiKey key;
    final int position;
    volatile boolean disabled;
    volatile String disabledReason;
    volatile long disabledAt;

    KeyEntry(ApiKey key, int position) {
        this.key = key;
        this.position = position;
    }
}
