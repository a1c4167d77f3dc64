package io.keycycle.core.config;

import io.keycycle.core.ConfigurationException;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The gateway's settings. Defaults: host {@code 127.0.0.1}, port {@code 8787}, no tokens,
 * 10 MiB request bodies. Blank tokens (e.g. {@code ${TOKEN:-}} with TOKEN unset) are dropped, so
 * the gateway then runs without client auth, which it only allows on loopback.
 *
 * @param port 0 asks for any free port (tests)
 * @param edge admin tokens, allowed hosts, query tokens and connection limits
 * @param limits stream timeouts, upstream size caps and load limits
 * @param waitForKey how long a chat request that finds no admissible key may wait for one
 *                   ({@code gateway.wait-for-key}); {@link Duration#ZERO}, the default, fails fast
 *                   with 429 and {@code Retry-After}
 */
public record GatewayConfig(String host, int port, List<String> tokens, long maxBodyBytes, GatewayEdge edge, GatewayLimits limits,
                            Duration waitForKey) {

    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final int DEFAULT_PORT = 8787;
    public static final long DEFAULT_MAX_BODY_BYTES = 10L * 1024 * 1024;
    public static final GatewayConfig DEFAULT = new GatewayConfig(DEFAULT_HOST, DEFAULT_PORT, List.of(), DEFAULT_MAX_BODY_BYTES,
            GatewayEdge.DEFAULT, GatewayLimits.DEFAULT, Duration.ZERO);

    public GatewayConfig {
        Objects.requireNonNull(host, "host");
        tokens = List.copyOf(tokens);
        edge = edge == null ? GatewayEdge.DEFAULT : edge;
        limits = limits == null ? GatewayLimits.DEFAULT : limits;
        waitForKey = waitForKey == null ? Duration.ZERO : waitForKey;
        if (waitForKey.isNegative()) throw new ConfigurationException("gateway.wait-for-key must be >= 0, was " + waitForKey);
    }

    /** Fails fast (no {@code wait-for-key}). */
    public GatewayConfig(String host, int port, List<String> tokens, long maxBodyBytes, GatewayEdge edge, GatewayLimits limits) {
        this(host, port, tokens, maxBodyBytes, edge, limits, Duration.ZERO);
    }

    public GatewayConfig(String host, int port, List<String> tokens, long maxBodyBytes, GatewayEdge edge) {
        this(host, port, tokens, maxBodyBytes, edge, GatewayLimits.DEFAULT);
    }

    public GatewayConfig(String host, int port, List<String> tokens, long maxBodyBytes) {
        this(host, port, tokens, maxBodyBytes, GatewayEdge.DEFAULT, GatewayLimits.DEFAULT);
    }

    /** Never prints the tokens themselves. */
    @Override public String toString() {
        return "GatewayConfig[host=" + host + ", port=" + port + ", tokens=" + tokens.size() + ", maxBodyBytes=" + maxBodyBytes + ", " + edge + ", " + limits
                + ", waitForKey=" + waitForKey + "]";
    }
}
