package io.keycycle.core;

import java.time.Instant;
import java.util.List;

/**
 * How this process shares its pool with others (see {@code docs/cluster.md}): the mode it admits
 * in and the instances of the fleet. Read by {@code /readyz}, {@code /metrics}, the dashboard and
 * {@code keycycle status}.
 */
public interface ClusterStatus {

    /** {@code shared} (every admission checked in Redis) or {@code degraded} (local, with a share of each limit). */
    String mode();

    /** This process's instance id. */
    String instanceId();

    /** Where the shared state lives, password hidden. */
    String location();

    /** Why the instance is degraded; null when shared. */
    String trouble();

    /**
     * A condition of the fleet that the operator has to fix and that admission cannot work around
     * (another live process beating under this instance id), or null. Shown by the dashboard,
     * {@code /readyz} with an admin token and {@code keycycle status}; it does not degrade the instance.
     */
    default String warning() { return null; }

    /** Live instances as of the last heartbeat (at least 1). */
    int liveInstances();

    /**
     * Live instances silent for longer than the heartbeat allows at the last heartbeat (they may be
     * admitting locally with their share): this instance admits in the shared windows against the
     * rest of each limit only.
     */
    default int silentInstances() { return 0; }

    /** The instances Redis knows, this one included; empty when Redis does not answer. */
    List<Instance> instances();

    /**
     * One process of the fleet.
     *
     * @param lastHeartbeat when it last said it was alive
     * @param inFlight      calls it has admitted and not yet settled
     * @param mode          the mode it reported
     * @param alive         heard from within the instance TTL
     */
    record Instance(String id, Instant lastHeartbeat, long inFlight, String mode, boolean alive) { }
}
