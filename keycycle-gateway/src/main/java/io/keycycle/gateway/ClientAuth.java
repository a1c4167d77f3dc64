package io.keycycle.gateway;

import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;

/**
 * Bearer-token check for clients. With no tokens configured every request passes (the gateway
 * only starts like that on loopback). Tokens are compared in constant time
 * ({@link MessageDigest#isEqual}) against every configured token, so timing tells nothing about
 * which one nearly matched. {@code access_token} in the query is accepted as well, for the
 * dashboard's {@code EventSource}, which cannot send headers.
 */
final class ClientAuth implements Handler<RoutingContext> {

    private final List<byte[]> tokens;

    ClientAuth(List<String> tokens) {
        this.tokens = tokens.stream().map(t -> t.getBytes(StandardCharsets.UTF_8)).toList();
    }

    boolean enabled() { return !tokens.isEmpty(); }

    @Override
    public void handle(RoutingContext ctx) {
        if (!enabled()) {
            ctx.next();
            return;
        }
        String header = ctx.request().getHeader("authorization");
        String presented = null;
        if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)) presented = header.substring(7).trim();
        else if (header == null) presented = ctx.request().getParam("access_token");
        if (presented == null || presented.isEmpty()) {
            ApiError.unauthorized("missing bearer token: send 'Authorization: Bearer <token>' with one of the gateway's tokens "
                    + "(gateway.tokens in keycycle.yaml)").send(ctx.response());
            return;
        }
        if (!matches(presented)) {
            ApiError.unauthorized("the bearer token is not one of the gateway's tokens").send(ctx.response());
            return;
        }
        ctx.next();
    }

    boolean matches(String presented) {
        byte[] p = presented.getBytes(StandardCharsets.UTF_8);
        boolean ok = false;
        for (byte[] t : tokens) ok |= MessageDigest.isEqual(t, p);
        return ok;
    }
}
