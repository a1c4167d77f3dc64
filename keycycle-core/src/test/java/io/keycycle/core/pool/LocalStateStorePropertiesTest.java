package io.keycycle.core.pool;

/** The window-oracle properties against the in-process store (the default). */
class LocalStateStorePropertiesTest extends PoolStateStoreProperties {

    @Override
    protected PoolStateStore newStore() { return PoolStateStore.local(); }
}
