package io.keycycle.gateway;

import io.vertx.core.Handler;
import io.vertx.core.net.HostAndPort;
import io.vertx.ext.web.RoutingContext;

import java.net.URI;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Keeps web pages from driving the gateway through a browser. A page on another site can make the
 * browser send requests to {@code 127.0.0.1:8787}: either directly (a cross-site request, which
 * the browser marks with {@code Origin} and {@code Sec-Fetch-Site}) or, by DNS rebinding, under
 * the page's own name pointing at loopback (the {@code Host} header then carries that name). So a
 * request is refused with 403 unless
 * <ul>
 *   <li>its {@code Host} is a loopback name or address, the address the gateway is bound to, or
 *       one of {@code gateway.allowed-hosts} ({@code "*"} accepts any), and</li>
 *   <li>its {@code Origin}, when present, names such a host (any port: a local web app may call a
 *       local gateway), and</li>
 *   <li>its {@code Sec-Fetch-Site} is not {@code cross-site}.</li>
 * </ul>
 * Health probes are not behind this check (orchestrators send the pod's address as {@code Host})
 * and reveal nothing. POST bodies must be JSON as well ({@link RequestGuard#jsonOnly}), which a
 * cross-site form or {@code no-cors} fetch cannot send.
 */
final class HostCheck implements Handler<RoutingContext> {

    private final Set<String> allowed = new HashSet<>();
    private final boolean any;
    /**
     * {@code Host} values as clients sent them that were found allowed, so the common case (every
     * request naming the same host) is one lookup instead of normalising and parsing per request.
     * Only allowed names go in, and at most {@value #KNOWN_MAX}: a client cannot grow it.
     */
    private final java.util.concurrent.ConcurrentHashMap<String, Boolean> knownAllowed = new java.util.concurrent.ConcurrentHashMap<>();
    private static final int KNOWN_MAX = 64;

    HostCheck(String boundHost, List<String> allowedHosts) {
        for (String h : allowedHosts) allowed.add(normalise(h));
        String bound = normalise(boundHost);
        if (!bound.equals("0.0.0.0") && !bound.equals("::")) allowed.add(bound);
        this.any = allowed.contains("*");
    }

    @Override
    public void handle(RoutingContext ctx) {
        HostAndPort authority = ctx.request().authority();
        String host = authority == null ? null : authority.host();
        if (host == null || host.isBlank()) {
            refuse(ctx, "host_not_allowed", "the request has no Host header");
            return;
        }
        if (!allowedHost(host)) {
            refuse(ctx, "host_not_allowed", "the gateway does not answer to Host '" + printable(host)
                    + "'; add it to gateway.allowed-hosts in keycycle.yaml if this name is really yours");
            return;
        }
        String origin = ctx.request().getHeader("origin");
        if (origin != null && !allowedOrigin(origin)) {
            refuse(ctx, "cross_site_request", "cross-site request refused: Origin '" + printable(origin)
                    + "' is not loopback or one of gateway.allowed-hosts");
            return;
        }
        String site = ctx.request().getHeader("sec-fetch-site");
        if (site != null && site.trim().equalsIgnoreCase("cross-site")) {
            refuse(ctx, "cross_site_request", "cross-site request refused (Sec-Fetch-Site: cross-site)");
            return;
        }
        ctx.next();
    }

    boolean allowedHost(String host) {
        if (knownAllowed.containsKey(host)) return true;
        String h = normalise(host);
        boolean ok = any || isLoopback(h) || allowed.contains(h);
        if (ok && knownAllowed.size() < KNOWN_MAX) knownAllowed.put(host, Boolean.TRUE);
        return ok;
    }

    private boolean allowedOrigin(String origin) {
        try {
            URI u = new URI(origin.trim());
            String scheme = u.getScheme();
            if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))) return false;
            return u.getHost() != null && allowedHost(u.getHost());
        } catch (java.net.URISyntaxException e) {
            return false; // includes "null", the origin of sandboxed frames and file: pages
        }
    }

    static boolean isLoopback(String h) {
        if (h.equals("localhost") || h.endsWith(".localhost")) return true;
        if (h.equals("::1") || h.equals("0:0:0:0:0:0:0:1")) return true;
        String[] parts = h.split("\\.", -1);
        if (parts.length != 4 || !parts[0].equals("127")) return false;
        for (String p : parts) {
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(Character::isDigit) || Integer.parseInt(p) > 255) return false;
        }
        return true;
    }

    private static String normalise(String host) {
        String h = host.trim().toLowerCase(Locale.ROOT);
        if (h.startsWith("[") && h.endsWith("]")) h = h.substring(1, h.length() - 1);
        if (h.endsWith(".") && h.length() > 1) h = h.substring(0, h.length() - 1);
        return h;
    }

    private static String printable(String s) {
        String cut = s.length() > 100 ? s.substring(0, 100) + "…" : s;
        return cut.replaceAll("[^\\x20-\\x7e]", "?");
    }

    private static void refuse(RoutingContext ctx, String code, String message) {
        ApiError.of(403, ApiError.INVALID_REQUEST, code, message).send(ctx.response());
    }
}
