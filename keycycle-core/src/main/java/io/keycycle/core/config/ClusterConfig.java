package io.keycycle.core.config;

import java.time.Duration;

/**
 * {@code cluster:} of the file: one pool shared by several processes through Redis (the
 * {@code keycycle-redis} module). All null when the file does not set them; then
 * {@code KEYCYCLE_REDIS_URL} (or {@code --redis}, {@code Keycycle.builder().redis(url)}) decides,
 * and without any of them the pool is this process's alone.
 *
 * @param redisUrl       {@code redis://[:password@]host[:port][/database]}
 * @param instanceId     this process's name in the fleet (default: host name + pid)
 * @param keyPrefix      prefix of every Redis key (default {@code keycycle})
 * @param heartbeat      how often an instance says it is alive (default {@link #DEFAULT_HEARTBEAT})
 * @param commandTimeout a Redis call slower than this is Redis trouble: the instance admits locally
 *                       with its share (default {@link #DEFAULT_COMMAND_TIMEOUT})
 * @param instanceTtl    an instance silent for this long is dead: its reservations are released and
 *                       its share goes back to the others (default {@link #DEFAULT_INSTANCE_TTL}; at
 *                       least two heartbeats)
 * @param blockSize      most requests one block of capacity holds (calls in quick succession are
 *                       admitted from blocks reserved in one Redis call); 1 turns blocks off
 *                       (default: the {@code keycycle-redis} module's, 64)
 * @param blockTime      how long a block admits calls before what it did not use goes back
 *                       (default: the module's, 100 ms)
 */
public record ClusterConfig(String redisUrl, String instanceId, String keyPrefix,
                            Duration heartbeat, Duration commandTimeout, Duration instanceTtl,
                            Integer blockSize, Duration blockTime) {

    public static final Duration DEFAULT_HEARTBEAT = Duration.ofSeconds(1);
    public static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofSeconds(1);
    public static final Duration DEFAULT_INSTANCE_TTL = Duration.ofSeconds(10);

    public static final ClusterConfig DEFAULT = new ClusterConfig(null, null, null);

    /** Without timings: the defaults. */
    public ClusterConfig(String redisUrl, String instanceId, String keyPrefix) {
        this(redisUrl, instanceId, keyPrefix, null, null, null);
    }

    /** With timings, default blocks. */
    public ClusterConfig(String redisUrl, String instanceId, String keyPrefix, Duration heartbeat, Duration commandTimeout, Duration instanceTtl) {
        this(redisUrl, instanceId, keyPrefix, heartbeat, commandTimeout, instanceTtl, null, null);
    }

    /** Smallest and largest {@code block-time}: shorter blocks barely save a round trip, longer ones hold room back from the others. */
    public static final Duration MIN_BLOCK_TIME = Duration.ofMillis(10);
    public static final Duration MAX_BLOCK_TIME = Duration.ofSeconds(1);
    /** Largest {@code block-size}. */
    public static final int MAX_BLOCK_SIZE = 1_000;

    /** What is wrong with these block settings (null: unset), or null. The one rule for the file and for Java settings. */
    public static String blockProblem(Integer blockSize, Duration blockTime) {
        if (blockSize != null && (blockSize < 1 || blockSize > MAX_BLOCK_SIZE)) {
            return "cluster.block-size must be between 1 (blocks off) and " + MAX_BLOCK_SIZE + ", was " + blockSize;
        }
        if (blockTime != null && (blockTime.compareTo(MIN_BLOCK_TIME) < 0 || blockTime.compareTo(MAX_BLOCK_TIME) > 0)) {
            return "cluster.block-time must be between " + Quantities.format(MIN_BLOCK_TIME) + " and " + Quantities.format(MAX_BLOCK_TIME)
                    + ", was " + Quantities.format(blockTime);
        }
        return null;
    }

    /** The same settings with another Redis URL. */
    public ClusterConfig withRedisUrl(String url) {
        return new ClusterConfig(url, instanceId, keyPrefix, heartbeat, commandTimeout, instanceTtl, blockSize, blockTime);
    }

    /** The heartbeat in force: the one set, else the default. */
    public Duration heartbeatOrDefault() { return heartbeat != null ? heartbeat : DEFAULT_HEARTBEAT; }

    /** The command timeout in force. */
    public Duration commandTimeoutOrDefault() { return commandTimeout != null ? commandTimeout : DEFAULT_COMMAND_TIMEOUT; }

    /** The instance TTL in force. */
    public Duration instanceTtlOrDefault() { return instanceTtl != null ? instanceTtl : DEFAULT_INSTANCE_TTL; }

    /**
     * What is wrong with these timings, or null: an instance TTL under two heartbeats would count an
     * instance that missed one beat as dead. The one rule for the file and for Java settings.
     */
    public static String timingProblem(Duration heartbeat, Duration instanceTtl) {
        if (instanceTtl.compareTo(heartbeat.multipliedBy(2)) >= 0) return null;
        return "cluster.instance-ttl (" + Quantities.format(instanceTtl) + ") must be at least two cluster.heartbeat ("
                + Quantities.format(heartbeat) + ")";
    }

    /** Hides a password in the URL. */
    @Override public String toString() {
        String u = redactUrl(redisUrl);
        return "ClusterConfig[redisUrl=" + u + ", instanceId=" + instanceId + ", keyPrefix=" + keyPrefix
                + (heartbeat == null ? "" : ", heartbeat=" + heartbeat) + (commandTimeout == null ? "" : ", commandTimeout=" + commandTimeout)
                + (instanceTtl == null ? "" : ", instanceTtl=" + instanceTtl)
                + (blockSize == null ? "" : ", blockSize=" + blockSize) + (blockTime == null ? "" : ", blockTime=" + blockTime) + "]";
    }

    /**
     * {@code scheme://***@host…}: everything between {@code //} and the last {@code @} before a query
     * or fragment is hidden, so a password holding {@code @} or {@code /} shows no part of itself
     * (the earlier pattern stopped at the first of them).
     */
    public static String redactUrl(String url) {
        return url == null ? null : url.replaceAll("^([A-Za-z][A-Za-z0-9+.-]*://)[^?#]*@", "$1***@");
    }
}
