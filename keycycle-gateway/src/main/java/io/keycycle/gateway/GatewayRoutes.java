package io.keycycle.gateway;

import io.keycycle.CallSpec;
import io.keycycle.Keycycle;
import io.keycycle.core.config.GatewayEdge;
import io.keycycle.store.KeycycleStore;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * Builds the {@link Router} a {@link KeycycleGateway} serves: every route with its auth, guards,
 * body limits and handlers, and the router's error handlers, which answer every failure in
 * OpenAI's error shape ({@link ApiError}) and never with a stack trace. The gateway keeps the
 * lifecycle (event loops, servers, listeners, close); this class only wires requests to the
 * endpoints ({@link ChatEndpoint}, {@link ModelsEndpoint}, {@link AdminEndpoint}, {@link Health},
 * {@link Dashboard}) that the gateway created or hands it.
 *
 * <p>Vert.x tries routes in the order they are added, so the order below is part of the behaviour:
 * <ul>
 *   <li>the request timer and {@link #unreadableRequest} come first, on every route;</li>
 *   <li>the probes ({@code /healthz}, {@code /readyz}) and their 405 routes come before the
 *       {@link HostCheck} catch-all: probes are answered whatever the {@code Host}, and another
 *       method on them fails with 405 before the catch-all matches (a route that matches clears
 *       the router's method mismatch, and the answer would be a 404);</li>
 *   <li>the dashboard page follows the host check, and the bearer-token checks
 *       ({@link ClientAuth}) follow it, ahead of the routes they guard;</li>
 *   <li>the chat completion route comes before the admin POST routes, so a chat request is never
 *       matched against their path-parameter patterns.</li>
 * </ul>
 *
 * <p>The {@code Allow} header of a 405 is read from this router's own routes ({@link AllowedMethods}).
 * A 413 closes an HTTP/1 connection after lingering up to {@link #LINGER_MILLIS}; a 500 is logged
 * with its cause and answered with a generic message.
 */
final class GatewayRoutes {

    /**
     * The gateway's logger, not one of this class: the errors logged here keep the logger name
     * they have always had, which log configurations and patterns may rely on.
     */
    private static final Logger log = LoggerFactory.getLogger(KeycycleGateway.class);

    /** Routing-context key under which each route records its name for the request timer. */
    static final String ROUTE_TAG = "keycycle.route";
    /** How long a connection answered 413 stays open, discarding the rest of the body, before it is closed. */
    static final long LINGER_MILLIS = 1_000;

    private final Keycycle keycycle;
    private final KeycycleStore store;
    private final String host;
    private final List<String> tokens;
    private final GatewayEdge edge;
    private final long maxBodyBytes;
    private final CallSpec callSpec;
    private final java.time.Duration waitForKey;
    private final GatewayMetrics metrics;
    private final Dashboard dashboard;
    private final Upstream upstream;

    /**
     * @param host          the address the gateway binds, accepted as a {@code Host} by {@link HostCheck}
     * @param tokens        client bearer tokens (empty: no client auth)
     * @param edge          admin tokens, allowed hosts and whether a query token is accepted
     * @param maxBodyBytes  the largest chat completion body; a larger one is a 413
     * @param waitForKey    the longest a chat request may wait for a key (zero: fail fast)
     */
    GatewayRoutes(Keycycle keycycle, KeycycleStore store, String host, List<String> tokens, GatewayEdge edge,
                  long maxBodyBytes, CallSpec callSpec, java.time.Duration waitForKey, GatewayMetrics metrics, Dashboard dashboard,
                  Upstream upstream) {
        this.keycycle = keycycle;
        this.store = store;
        this.host = host;
        this.tokens = tokens;
        this.edge = edge;
        this.maxBodyBytes = maxBodyBytes;
        this.callSpec = callSpec;
        this.waitForKey = waitForKey;
        this.metrics = metrics;
        this.dashboard = dashboard;
        this.upstream = upstream;
    }

    /** A new router on {@code vertx} with every route and error handler; call once per gateway start. */
    Router router(Vertx vertx) {
        Router r = Router.router(vertx);
        ClientAuth auth = new ClientAuth(tokens, edge.adminTokens(), edge.queryToken());
        ChatEndpoint chat = new ChatEndpoint(keycycle, upstream, callSpec, waitForKey, metrics, store);
        AdminEndpoint admin = new AdminEndpoint(keycycle);
        Health health = new Health(keycycle, store, auth);
        r.route().handler(metrics::timeRequest);
        r.route().failureHandler(GatewayRoutes::unreadableRequest);

        // HEAD too: uptime monitors often probe with it (Vert.x sends the head without the body)
        r.get("/healthz").handler(tag("/healthz")).handler(health::live);
        r.head("/healthz").handler(tag("/healthz")).handler(health::live);
        r.get("/readyz").handler(tag("/readyz")).blockingHandler(health::ready, false);
        r.head("/readyz").handler(tag("/readyz")).blockingHandler(health::ready, false);
        // another method on them is a 405 with Allow: left to the router, the HostCheck route below,
        // which matches every request, cleared the method mismatch and the answer was a 404
        r.route("/healthz").handler(ctx -> ctx.fail(405));
        r.route("/readyz").handler(ctx -> ctx.fail(405));
        // everything below acts or reveals: no foreign Host (DNS rebinding), no cross-site request
        r.route().handler(new HostCheck(host, edge.allowedHosts()));
        r.get("/").handler(tag("/")).handler(dashboard::page);

        r.route("/v1/*").handler(auth.client());
        r.route("/api/*").handler(auth.client());
        r.route("/admin/*").handler(auth.admin());
        r.route("/metrics").handler(auth.client());
        // POST bodies are JSON or nothing: a cross-site form or no-cors fetch cannot send that type.
        // The chat route comes before the admin POST routes: a chat request ends in its own handler,
        // so it is never matched against their path-parameter patterns (a regex match per request).
        r.post("/v1/chat/completions").handler(RequestGuard::jsonOnly);
        r.post("/v1/chat/completions").handler(BodyHandler.create(false).setBodyLimit(maxBodyBytes))
                .handler(tag("/v1/chat/completions")).handler(chat);
        for (String path : List.of("/admin/keys/:provider/:keyId/disable", "/admin/keys/:provider/:keyId/enable",
                "/admin/keys/:provider/:keyId/release", "/admin/models/:provider/clear")) {
            r.post(path).handler(RequestGuard::jsonOnly);
        }

        ModelsEndpoint models = new ModelsEndpoint(keycycle);
        r.get("/v1/models").handler(tag("/v1/models")).handler(models);
        r.head("/v1/models").handler(tag("/v1/models")).handler(models);
        r.get("/api/state").handler(tag("/api/state")).blockingHandler(dashboard::state, false);
        r.get("/api/events").handler(tag("/api/events")).handler(dashboard::subscribe);
        r.get("/api/history").handler(tag("/api/history")).blockingHandler(dashboard::history, false);
        r.get("/api/plan").handler(tag("/api/plan")).blockingHandler(dashboard::plan, false);
        r.get("/assets/:name").handler(tag("/assets")).handler(dashboard::asset);
        r.get("/metrics").handler(tag("/metrics")).blockingHandler(ctx -> {
            var snapshots = keycycle.snapshots();
            metrics.refresh(snapshots);
            metrics.refreshForecasts(dashboard.forecasts(snapshots, keycycle.clock().now()), keycycle.clock().now());
            ctx.response().putHeader("content-type", "text/plain; version=0.0.4; charset=utf-8").end(metrics.scrape());
        }, false);
        r.get("/admin/keys").handler(tag("/admin/keys")).blockingHandler(admin::list, false);
        r.get("/admin/learned-limits").handler(tag("/admin/learned-limits")).blockingHandler(admin::learned, false);
        r.post("/admin/keys/:provider/:keyId/disable").handler(BodyHandler.create(false).setBodyLimit(64 * 1024))
                .handler(tag("/admin/keys/disable")).blockingHandler(admin::disable, false);
        r.post("/admin/keys/:provider/:keyId/enable").handler(tag("/admin/keys/enable")).blockingHandler(admin::enable, false);
        r.post("/admin/keys/:provider/:keyId/release").handler(tag("/admin/keys/release")).blockingHandler(admin::release, false);
        r.post("/admin/models/:provider/clear").handler(BodyHandler.create(false).setBodyLimit(64 * 1024))
                .handler(tag("/admin/models/clear")).blockingHandler(admin::clearModel, false);

        errorHandlers(r);
        return r;
    }

    /**
     * The router's answers to a failed request, each in OpenAI's error shape: 413 (and the
     * connection closed after it), 404 naming the routes served, 405 with {@code Allow}, and 500,
     * logged with its cause but answered without it.
     */
    private void errorHandlers(Router r) {
        r.errorHandler(413, ctx -> {
            // An HTTP/1 connection is closed after the 413: kept open, the rest of a body that may be
            // gigabytes long would be read and thrown away for as long as the client sends it. Not at
            // once: closed with the client's bytes still unread, the connection is reset, and a reset
            // can destroy the 413 before the client reads it. It lingers, reading and discarding, for
            // up to LINGER_MILLIS (a client that has its answer closes first).
            io.vertx.core.http.HttpServerResponse response = ctx.response();
            boolean http1 = ctx.request().version() != io.vertx.core.http.HttpVersion.HTTP_2;
            if (http1 && !response.headWritten()) response.putHeader("connection", "close");
            ApiError.tooLarge(maxBodyBytes).send(response);
            if (http1) {
                io.vertx.core.http.HttpConnection connection = ctx.request().connection();
                Vertx owner = ctx.vertx();
                if (response.ended()) owner.setTimer(LINGER_MILLIS, t -> connection.close());
                else response.endHandler(v -> owner.setTimer(LINGER_MILLIS, t -> connection.close()));
            }
        });
        r.errorHandler(404, ctx -> ApiError.notFound("no route " + ctx.request().method() + " " + ctx.request().path()
                + "; the gateway serves POST /v1/chat/completions, GET /v1/models, /, /metrics, /healthz, /readyz, /admin/keys")
                .send(ctx.response()));
        r.errorHandler(405, ctx -> {
            String allow = AllowedMethods.of(r, ctx.request().path());
            if (!allow.isEmpty() && !ctx.response().headWritten()) ctx.response().putHeader("allow", allow);
            ApiError.of(405, ApiError.INVALID_REQUEST, "method_not_allowed", ctx.request().method() + " is not allowed on "
                    + ctx.request().path() + (allow.isEmpty() ? "" : "; it takes " + allow)).send(ctx.response());
        });
        r.errorHandler(500, ctx -> {
            if (ctx.failure() != null) log.error("gateway error on {} {}", ctx.request().method(), ctx.request().path(), ctx.failure());
            ApiError.internal("internal gateway error; see the gateway log").send(ctx.response());
        });
    }

    /**
     * First failure handler of every route: what a client breaks while its request is read is the
     * client's, not an error of the gateway. Vert.x's body handler fails the route with status 200
     * and the connection's exception when the client hangs up mid-body (nothing to answer), 400 with
     * the decoder's exception for a body it cannot decode (a chunk size that is not hexadecimal),
     * 417 for an {@code Expect} other than {@code 100-continue}; none has an error handler, so Vert.x
     * logged each at ERROR (the decoder's with a stack trace) and answered 417 in plain text. Every
     * other failure goes on to the error handlers (413, and 500, which logs a real fault).
     */
    private static void unreadableRequest(RoutingContext ctx) {
        int status = ctx.statusCode();
        Throwable t = ctx.failure();
        boolean gone = t instanceof io.vertx.core.http.HttpClosedException || ctx.response().closed();
        if (gone && (status == -1 || status < 500)) {
            log.debug("client connection closed while its request was read: {}", t == null ? "closed" : t.toString());
            return; // nobody to answer; the request timer counts it as 499
        }
        if (status == 417) {
            ApiError.of(417, ApiError.INVALID_REQUEST, "expectation_failed",
                    "the gateway supports only 'Expect: 100-continue'").send(ctx.response());
        } else if (status != -1 && status < 400 || status == 400) {
            log.debug("unreadable request body on {}: {}", ctx.request().path(), t == null ? "" : t.toString());
            ctx.response().putHeader("connection", "close"); // the rest of the stream cannot be framed
            ApiError.invalidRequest("the request body could not be read (malformed HTTP body encoding"
                    + (t instanceof NumberFormatException ? ": " + t.getMessage() : "") + ")").send(ctx.response());
        } else {
            ctx.next();
        }
    }

    /** A handler that names the route for the request timer ({@link #ROUTE_TAG}) and passes the request on. */
    private static Handler<RoutingContext> tag(String route) {
        return ctx -> {
            ctx.put(ROUTE_TAG, route);
            ctx.next();
        };
    }
}
