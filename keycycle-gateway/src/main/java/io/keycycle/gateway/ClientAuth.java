package io.keycycle.gateway;

import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;

/**
 * Bearer-token checks, with two roles: client tokens open {@code /v1}, the dashboard's data and the
 * metrics; admin tokens open all of that and the admin API. A client token on {@code /admin} gets
 * 403. With no tokens of either kind every request passes (the gateway only starts like that on
 * loopback, behind {@link HostCheck}); with client tokens but no admin token the admin API is
 * closed. Tokens are compared in constant time ({@link MessageDigest#isEqual}) against every
 * configured token, so timing tells nothing about which one nearly matched. {@code access_token}
 * in the query is accepted only when configured ({@code gateway.query-token}): the dashboard's
 * {@code EventSource} cannot send headers, but a URL ends up in logs and browser history.
 */
final class ClientAuth {

    private final List<byte[]> clientTokens;
    private final List<byte[]> adminTokens;
    private final boolean queryToken;

    ClientAuth(List<String> clientTokens, List<String> adminTokens, boolean queryToken) {
        this.clientTokens = bytes(clientTokens);
        this.adminTokens = bytes(adminTokens);
        this.queryToken = queryToken;
    }

    boolean enabled() { return !clientTokens.isEmpty() || !adminTokens.isEmpty(); }

    /** For {@code /v1}, {@code /api}, {@code /metrics}: a client or an admin token. */
    Handler<RoutingContext> client() {
        return ctx -> {
            if (!enabled()) {
                ctx.next();
                return;
            }
            String presented = presented(ctx);
            if (presented == null) {
                missing(ctx);
                return;
            }
            if (!matches(clientTokens, presented) && !matches(adminTokens, presented)) {
                ApiError.unauthorized("the bearer token is not one of the gateway's tokens").send(ctx.response());
                return;
            }
            ctx.next();
        };
    }

    /** For {@code /admin}: an admin token; a client token is refused with 403. */
    Handler<RoutingContext> admin() {
        return ctx -> {
            if (!enabled()) {
                ctx.next();
                return;
            }
            String presented = presented(ctx);
            if (presented == null) {
                missing(ctx);
                return;
            }
            if (matches(adminTokens, presented)) {
                ctx.next();
                return;
            }
            if (matches(clientTokens, presented)) {
                ApiError.of(403, ApiError.INVALID_REQUEST, "admin_token_required", adminTokens.isEmpty()
                        ? "the admin API is closed: no admin token is configured (gateway.admin-tokens in keycycle.yaml)"
                        : "a client token cannot use the admin API; send one of gateway.admin-tokens").send(ctx.response());
                return;
            }
            ApiError.unauthorized("the bearer token is not one of the gateway's tokens").send(ctx.response());
        };
    }

    /** True when the request carries an admin token (never true when no tokens are configured). */
    boolean isAdmin(RoutingContext ctx) {
        String presented = presented(ctx);
        return presented != null && matches(adminTokens, presented);
    }

    private String presented(RoutingContext ctx) {
        String header = ctx.request().getHeader("authorization");
        String presented = null;
        if (header != null) {
            if (header.regionMatches(true, 0, "Bearer ", 0, 7)) presented = header.substring(7).trim();
        } else if (queryToken) {
            presented = ctx.request().getParam("access_token");
        }
        return presented == null || presented.isEmpty() ? null : presented;
    }

    private void missing(RoutingContext ctx) {
        ApiError.unauthorized("missing bearer token: send 'Authorization: Bearer <token>' with one of the gateway's tokens "
                + "(gateway.tokens in keycycle.yaml)").send(ctx.response());
    }

    private static boolean matches(List<byte[]> tokens, String presented) {
        byte[] p = presented.getBytes(StandardCharsets.UTF_8);
        boolean ok = false;
        for (byte[] t : tokens) ok |= MessageDigest.isEqual(t, p);
        return ok;
    }

    private static List<byte[]> bytes(List<String> tokens) {
        return tokens.stream().map(t -> t.getBytes(StandardCharsets.UTF_8)).toList();
    }
}
