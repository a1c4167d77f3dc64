package io.keycycle.core.pool;

import io.keycycle.core.ApiKey;

/** A key of the pool and its key-level state (disabled or not). */
final class KeyEntry {
    final ApiKey key;
    final int position;
    /** The key's scope state, shared with the other keys of the scope (no map lookup on the hot path). */
    final ScopeState scope;
    volatile boolean disabled;
    volatile String disabledReason;
    volatile long disabledAt;

    KeyEntry(ApiKey key, int position, ScopeState scope) {
        this.key = key;
        this.position = position;
        this.scope = scope;
    }
}
