package io.keycycle.core.config;

/**
 * {@code cluster:} of the file: one pool shared by several processes through Redis (the
 * {@code keycycle-redis} module). All null when the file does not set them; then
 * {@code KEYCYCLE_REDIS_URL} (or {@code --redis}, {@code Keycycle.builder().redis(url)}) decides,
 * and without any of them the pool is this process's alone.
 *
 * @param redisUrl   {@code redis://[:password@]host[:port][/database]}
 * @param instanceId this process's name in the fleet (default: host name + pid)
 * @param keyPrefix  prefix of every Redis key (default {@code keycycle})
 */
public record ClusterConfig(String redisUrl, String instanceId, String keyPrefix) {

    public static final ClusterConfig DEFAULT = new ClusterConfig(null, null, null);

    /** Hides a password in the URL. */
    @Override public String toString() {
        String u = redisUrl == null ? null : redisUrl.replaceAll("(//)([^@/]*)@", "$1***@");
        return "ClusterConfig[redisUrl=" + u + ", instanceId=" + instanceId + ", keyPrefix=" + keyPrefix + "]";
    }
}
