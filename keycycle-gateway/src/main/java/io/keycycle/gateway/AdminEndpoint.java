package io.keycycle.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import io.keycycle.Keycycle;
import io.keycycle.core.ConfigurationException;
import io.keycycle.core.KeyNotFoundException;
import io.keycycle.core.pool.KeyPool;
import io.keycycle.core.pool.PoolSnapshot;
import io.vertx.ext.web.RoutingContext;

/**
 * The admin API, behind the client bearer auth: {@code GET /admin/keys} lists every key (fingerprints
 * only) with its state; {@code POST /admin/keys/{provider}/{keyId}/disable} (body
 * {@code {"reason": "…"}}, optional) and {@code …/enable} change one, where {@code keyId} is the
 * 1-based index or the fingerprint ({@code ...} may stand for the {@code …} in it). Both answer
 * with the key's new state; the change is persisted through the engine's events.
 * {@code POST /admin/keys/{provider}/{keyId}/release} ends the cooldowns and day-parks of the key's
 * scope now (every key of the scope) and drops the limits learned for it; it answers the key's
 * state with {@code released} (the models whose hold ended, {@code *}: the scope-wide hold) and
 * {@code forgotten} (the learned limits dropped, described).
 * {@code POST /admin/models/{provider}/clear} (body {@code {"model": "…"}}) makes a model the
 * provider reported gone admissible again at once, before its re-check instant.
 */
final class AdminEndpoint {

    private final Keycycle keycycle;

    AdminEndpoint(Keycycle keycycle) {
        this.keycycle = keycycle;
    }

    void list(RoutingContext ctx) {
        ctx.response().putHeader("content-type", "application/json").end(Jsons.write(PoolState.keys(keycycle.snapshots())));
    }

    /** The longest reason a disable takes: the store's {@code reason} column holds 512 characters. */
    static final int MAX_REASON = 512;

    void disable(RoutingContext ctx) {
        String reason;
        try {
            io.vertx.core.buffer.Buffer raw = ctx.body().buffer();
            JsonNode body = raw == null || raw.length() == 0 ? Jsons.object() : Jsons.parse(raw.getBytes());
            JsonNode r = body.path("reason");
            if (!r.isMissingNode() && !r.isNull() && !r.isTextual()) throw new Jsons.BadJson("'reason' must be a string, was " + r);
            reason = r.isTextual() ? r.asText() : null;
            if (reason != null && reason.length() > MAX_REASON) {
                throw new Jsons.BadJson("'reason' is " + reason.length() + " characters long; at most " + MAX_REASON
                        + " (what the store keeps)");
            }
        } catch (Jsons.BadJson e) {
            ApiError.invalidRequest(e.getMessage()).send(ctx.response());
            return;
        }
        change(ctx, Change.DISABLE, reason);
    }

    void enable(RoutingContext ctx) { change(ctx, Change.ENABLE, null); }

    void release(RoutingContext ctx) { change(ctx, Change.RELEASE, null); }

    private enum Change { DISABLE, ENABLE, RELEASE }

    /** {@code GET /admin/learned-limits}: the limits learned from the providers that are in force. */
    void learned(RoutingContext ctx) {
        ctx.response().putHeader("content-type", "application/json").end(Jsons.write(PoolState.learned(keycycle)));
    }

    void clearModel(RoutingContext ctx) {
        String model;
        KeyPool pool;
        try {
            io.vertx.core.buffer.Buffer raw = ctx.body().buffer();
            JsonNode body = raw == null || raw.length() == 0 ? Jsons.object() : Jsons.parse(raw.getBytes());
            JsonNode m = body.path("model");
            if (!m.isTextual() || m.asText().isBlank()) throw new Jsons.BadJson("'model' must be a non-empty string, was " + m);
            model = m.asText().trim();
        } catch (Jsons.BadJson e) {
            ApiError.invalidRequest(e.getMessage()).send(ctx.response());
            return;
        }
        boolean cleared;
        try {
            pool = keycycle.pool(ctx.pathParam("provider"));
            cleared = pool.clearModel(model);
        } catch (ConfigurationException e) {
            ApiError.notFound(e.getMessage()).send(ctx.response());
            return;
        }
        com.fasterxml.jackson.databind.node.ObjectNode o = Jsons.object();
        o.put("provider", pool.provider());
        o.put("model", model);
        o.put("cleared", cleared);
        o.put("unavailable", false);
        ctx.response().putHeader("content-type", "application/json").end(Jsons.write(o));
    }

    private void change(RoutingContext ctx, Change change, String reason) {
        String provider = ctx.pathParam("provider");
        String keyId = ctx.pathParam("keyId").replace("...", "…");
        KeyPool pool;
        try {
            pool = keycycle.pool(provider);
        } catch (ConfigurationException e) {
            ApiError.notFound(e.getMessage()).send(ctx.response());
            return;
        }
        String fingerprint;
        io.keycycle.core.pool.Released released = null;
        try {
            fingerprint = pool.key(keyId).fingerprint();
            switch (change) {
                case DISABLE -> pool.disable(keyId, reason);
                case ENABLE -> pool.enable(keyId);
                case RELEASE -> released = pool.release(keyId);
            }
        } catch (KeyNotFoundException e) {
            ApiError.notFound(e.getMessage()).send(ctx.response());
            return;
        }
        PoolSnapshot s = pool.snapshot();
        PoolSnapshot.KeyView view = s.keys().stream().filter(k -> k.fingerprint().equals(fingerprint)).findFirst().orElseThrow();
        com.fasterxml.jackson.databind.node.ObjectNode o = PoolState.key(s, view);
        if (released != null) {
            com.fasterxml.jackson.databind.node.ArrayNode holds = o.putArray("released");
            released.holds().forEach(holds::add);
            com.fasterxml.jackson.databind.node.ArrayNode forgotten = o.putArray("forgotten");
            released.forgotten().forEach(l -> forgotten.add(l.model() + ": " + l.describe()));
        }
        ctx.response().putHeader("content-type", "application/json").end(Jsons.write(o));
    }
}
