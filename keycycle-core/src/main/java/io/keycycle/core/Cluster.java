package io.keycycle.core;

/**
 * This process's membership of a fleet sharing one pool (opened by a {@link ClusterProvider}):
 * its status, and the shared state the pools admit against. Closed with the {@code Keycycle}.
 */
public interface Cluster extends ClusterStatus, AutoCloseable {

    /** Where the pools of this process keep their windows and states: shared with the fleet. */
    io.keycycle.core.pool.PoolStateStore stateStore();

    /** Leaves the fleet: stops the heartbeat, releases this instance's open reservations, closes the connection. */
    @Override
    void close();
}
