package io.keycycle.redis;

/**
 * How this instance admits right now. {@link #SHARED}: every admission is checked and reserved in
 * Redis, so the fleet as a whole never passes a limit. {@link #DEGRADED}: Redis is unreachable or
 * too slow; the instance admits locally against its share of each limit (limit ÷ live instances).
 */
public enum ClusterMode {
    SHARED, DEGRADED;

    public String label() { return name().toLowerCase(java.util.Locale.ROOT); }
}
