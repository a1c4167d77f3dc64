package io.keycycle.core.pool;

import io.keycycle.core.ApiKey;

/**
 * A key of the pool with its handles into the {@link PoolStateStore}: its own disabled flag and its
 * scope's hold (shared with the other keys of the scope; no map lookup on the hot path).
 */
final class KeyEntry {
    final ApiKey key;
    final int position;
    final PoolStateStore.KeyFlag flag;
    final PoolStateStore.Hold scope;
    /** The provider's account this key is in, as an answer named it (Groq's organisation), or null: see {@link ReportedOrganisations}. */
    volatile String reportedOrganisation;

    KeyEntry(ApiKey key, int position, PoolStateStore.KeyFlag flag, PoolStateStore.Hold scope) {
        this.key = key;
        this.position = position;
        this.flag = flag;
        this.scope = scope;
    }
}
