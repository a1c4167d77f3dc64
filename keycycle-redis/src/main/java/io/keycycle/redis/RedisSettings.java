package io.keycycle.redis;

import io.keycycle.core.ConfigurationException;

import java.net.InetAddress;
import java.time.Duration;
import java.util.Objects;

/**
 * Where the shared pool lives and how this process appears in it.
 *
 * @param url               {@code redis://[:password@]host[:port][/database]} (or {@code rediss://})
 * @param instanceId        this process's name in the fleet (default: host name + pid); never a secret
 * @param keyPrefix         every key starts with {@code {prefix}:} (one hash slot, so the scripts may
 *                          touch any of them even on a Redis Cluster)
 * @param commandTimeout    a Redis call slower than this counts as Redis trouble (degraded mode)
 * @param heartbeatInterval how often this instance says it is alive
 * @param instanceTtl       an instance silent for this long is dead: its reservations are released
 * @param blockSize         most requests a block of capacity holds (see {@code RedisBucket}); 1: blocks off
 * @param blockTime         how long a block admits calls before what it did not use goes back
 */
public record RedisSettings(String url, String instanceId, String keyPrefix, Duration commandTimeout,
                            Duration heartbeatInterval, Duration instanceTtl, int blockSize, Duration blockTime) {

    public static final String DEFAULT_PREFIX = "keycycle";
    public static final Duration DEFAULT_COMMAND_TIMEOUT = io.keycycle.core.config.ClusterConfig.DEFAULT_COMMAND_TIMEOUT;
    public static final Duration DEFAULT_HEARTBEAT = io.keycycle.core.config.ClusterConfig.DEFAULT_HEARTBEAT;
    public static final Duration DEFAULT_INSTANCE_TTL = io.keycycle.core.config.ClusterConfig.DEFAULT_INSTANCE_TTL;
    /** 64, or the system property {@code keycycle.redis.maxBlock} (for every instance of this JVM that does not set its own). */
    public static final int DEFAULT_BLOCK_SIZE = Integer.getInteger("keycycle.redis.maxBlock", 64);
    /** 100 ms, or the system property {@code keycycle.redis.blockMillis}. */
    public static final Duration DEFAULT_BLOCK_TIME = Duration.ofMillis(Long.getLong("keycycle.redis.blockMillis", 100));

    public RedisSettings {
        if (url == null || url.isBlank()) throw new ConfigurationException("cluster.redis-url is empty");
        url = url.trim();
        instanceId = instanceId == null || instanceId.isBlank() ? defaultInstanceId() : clean(instanceId.trim(), "cluster.instance-id");
        keyPrefix = keyPrefix == null || keyPrefix.isBlank() ? DEFAULT_PREFIX : clean(keyPrefix.trim(), "cluster.key-prefix");
        Objects.requireNonNull(commandTimeout, "commandTimeout");
        Objects.requireNonNull(heartbeatInterval, "heartbeatInterval");
        Objects.requireNonNull(instanceTtl, "instanceTtl");
        String timing = io.keycycle.core.config.ClusterConfig.timingProblem(heartbeatInterval, instanceTtl);
        if (timing != null) throw new ConfigurationException(timing);
        Objects.requireNonNull(blockTime, "blockTime");
        String blocks = io.keycycle.core.config.ClusterConfig.blockProblem(blockSize, blockTime);
        if (blocks != null) throw new ConfigurationException(blocks);
    }

    public static RedisSettings of(String url) {
        return new RedisSettings(url, null, null, DEFAULT_COMMAND_TIMEOUT, DEFAULT_HEARTBEAT, DEFAULT_INSTANCE_TTL,
                DEFAULT_BLOCK_SIZE, DEFAULT_BLOCK_TIME);
    }

    public RedisSettings withInstanceId(String id) {
        return new RedisSettings(url, id, keyPrefix, commandTimeout, heartbeatInterval, instanceTtl, blockSize, blockTime);
    }

    public RedisSettings withKeyPrefix(String prefix) {
        return new RedisSettings(url, instanceId, prefix, commandTimeout, heartbeatInterval, instanceTtl, blockSize, blockTime);
    }

    public RedisSettings withTimings(Duration command, Duration heartbeat, Duration ttl) {
        return new RedisSettings(url, instanceId, keyPrefix, command, heartbeat, ttl, blockSize, blockTime);
    }

    /** Blocks of at most {@code size} requests (1: off), admitting for {@code time}. */
    public RedisSettings withBlocks(int size, Duration time) {
        return new RedisSettings(url, instanceId, keyPrefix, commandTimeout, heartbeatInterval, instanceTtl, size, time);
    }

    /** The URL with any password replaced by {@code ***}, for messages and logs. */
    public String redactedUrl() { return redact(url); }

    public static String redact(String url) { return io.keycycle.core.config.ClusterConfig.redactUrl(url); }

    /** Host name + pid: unique per process on a host, readable on a dashboard. */
    static String defaultInstanceId() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            host = "host";
        }
        return clean(host, "host name") + "-" + ProcessHandle.current().pid();
    }

    private static String clean(String s, String what) {
        if (!s.matches("[A-Za-z0-9._:@-]{1,100}")) {
            String safe = s.replaceAll("[^A-Za-z0-9._:@-]", "_");
            if (what.equals("host name")) return safe.length() > 100 ? safe.substring(0, 100) : safe;
            throw new ConfigurationException(what + " '" + s + "' may hold only letters, digits and . _ : @ - (at most 100)");
        }
        return s;
    }

    @Override public String toString() {
        return "RedisSettings[url=" + redactedUrl() + ", instanceId=" + instanceId + ", keyPrefix=" + keyPrefix + "]";
    }
}
