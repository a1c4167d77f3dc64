package io.keycycle.redis;

import io.keycycle.core.Cluster;
import io.keycycle.core.ClusterProvider;
import io.keycycle.core.EngineClock;
import io.keycycle.core.config.ClusterConfig;

/** Lets {@code Keycycle.fromEnv()} and {@code Keycycle.builder().redis(url)} find this module on the class path. */
public final class RedisClusterProvider implements ClusterProvider {

    @Override
    public Cluster join(ClusterConfig settings, EngineClock clock) { return RedisCluster.join(settings, clock); }
}
