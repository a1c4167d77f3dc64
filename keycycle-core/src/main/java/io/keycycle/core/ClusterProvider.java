package io.keycycle.core;

import io.keycycle.core.config.ClusterConfig;

/**
 * Found with {@link java.util.ServiceLoader}: lets {@code Keycycle.fromEnv()} and
 * {@code Keycycle.builder().redis(url)} share the pool through Redis when {@code keycycle-redis}
 * is on the class path, without core depending on it.
 */
public interface ClusterProvider {

    /**
     * Joins the fleet described by {@code settings} ({@code redisUrl} is set).
     *
     * @param clock the engine's clock: with the system clock the fleet uses the Redis server's
     *              clock; with another (a test's manual clock) its readings are sent instead
     * @throws ClusterException the URL is bad, the password wrong, or the host does not answer
     */
    Cluster join(ClusterConfig settings, EngineClock clock);
}
