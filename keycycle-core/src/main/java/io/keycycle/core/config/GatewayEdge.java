package io.keycycle.core.config;

import io.keycycle.core.ConfigurationException;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * What the gateway accepts at its edge, besides the client tokens of {@link GatewayConfig}: who may
 * use the admin API, which {@code Host} names it answers to, whether a token may travel in the
 * query string, and the server's connection limits.
 *
 * @param adminTokens        bearer tokens for {@code /admin/*} ({@code gateway.admin-tokens}); client
 *                           tokens get 403 there. Empty with client tokens configured: the admin API is
 *                           closed. Empty without any tokens (loopback only): open.
 * @param allowedHosts       {@code Host} names (without port) accepted besides loopback names and the
 *                           bound address ({@code gateway.allowed-hosts}); {@code "*"} accepts any
 * @param queryToken         accept {@code ?access_token=} (the dashboard's live stream cannot send headers);
 *                           off by default because URLs end up in logs and browser history
 * @param idleTimeoutSeconds a client connection idle this long is closed ({@code gateway.idle-timeout-seconds})
 * @param maxHeaderBytes     largest request head, all headers together ({@code gateway.max-header-bytes}); 431 beyond
 * @param maxConnections     client connections open at once ({@code gateway.max-connections}); more are
 *                           closed at once, counted in {@code keycycle_gateway_connections_refused_total}
 * @param shutdownGrace      how long closing the gateway (SIGTERM, Ctrl-C) lets requests under way finish
 *                           ({@code gateway.shutdown-grace}, default 10 s; 0 cuts them at once); a stream
 *                           still running then is cut and stays counted
 */
public record GatewayEdge(List<String> adminTokens, List<String> allowedHosts, boolean queryToken,
                          int idleTimeoutSeconds, int maxHeaderBytes, int maxConnections, Duration shutdownGrace) {

    public static final int DEFAULT_IDLE_TIMEOUT_SECONDS = 120;
    public static final int DEFAULT_MAX_HEADER_BYTES = 8 * 1024;
    public static final int DEFAULT_MAX_CONNECTIONS = 4_096;
    public static final Duration DEFAULT_SHUTDOWN_GRACE = Duration.ofSeconds(10);
    public static final GatewayEdge DEFAULT = new GatewayEdge(List.of(), List.of(), false, DEFAULT_IDLE_TIMEOUT_SECONDS,
            DEFAULT_MAX_HEADER_BYTES, DEFAULT_MAX_CONNECTIONS, DEFAULT_SHUTDOWN_GRACE);

    public GatewayEdge {
        adminTokens = List.copyOf(adminTokens);
        allowedHosts = allowedHosts.stream().map(h -> h.trim().toLowerCase(Locale.ROOT)).toList();
        if (idleTimeoutSeconds < 1) throw new ConfigurationException("gateway.idle-timeout-seconds must be >= 1, was " + idleTimeoutSeconds);
        if (maxHeaderBytes < 1_024) throw new ConfigurationException("gateway.max-header-bytes must be >= 1024, was " + maxHeaderBytes);
        if (maxConnections < 1) throw new ConfigurationException("gateway.max-connections must be >= 1, was " + maxConnections);
        if (shutdownGrace == null || shutdownGrace.isNegative()) {
            throw new ConfigurationException("gateway.shutdown-grace must be >= 0, was " + shutdownGrace);
        }
        for (String h : allowedHosts) {
            if (h.isEmpty() || h.contains("/") || h.contains(" ")) {
                throw new ConfigurationException("gateway.allowed-hosts: '" + h + "' is not a host name (no scheme, path or port)");
            }
        }
        Objects.requireNonNull(adminTokens);
    }

    /** Never prints the tokens themselves. */
    @Override public String toString() {
        return "GatewayEdge[adminTokens=" + adminTokens.size() + ", allowedHosts=" + allowedHosts + ", queryToken=" + queryToken
                + ", idleTimeoutSeconds=" + idleTimeoutSeconds + ", maxHeaderBytes=" + maxHeaderBytes
                + ", maxConnections=" + maxConnections + ", shutdownGrace=" + shutdownGrace + "]";
    }
}
