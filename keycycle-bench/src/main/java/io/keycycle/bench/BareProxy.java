package io.keycycle.bench;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;

import java.net.URI;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * The floor of the gateway's stack, for the race: a Vert.x HTTP proxy with nothing of Keycycle in it.
 * Same layout as the gateway (one HTTP server and one upstream connection pool per event loop, Java
 * NIO, keep-alive, TCP_NODELAY): it reads the client's body, posts it to the upstream with an
 * {@code Authorization} header, reads the whole answer and writes it back with its status and
 * content type. No admission, no store, no metrics, no JSON.
 *
 * <p>Takes the race's gateway arguments ({@code --upstream URL}; {@code --event-loops N}; others are
 * ignored), {@code --router} (requests pass the gateway's vertx-web routes, with handlers that do
 * nothing, before they are forwarded) and {@code --pipe} (the answer is relayed as it arrives, chunked,
 * with Vert.x's {@code pipeTo} and its back-pressure, over a pool of up to 4,096 upstream connections
 * per event loop: the floor of a streaming relay, for {@code streams.sh}), prints {@code GATEWAY <url>} and serves until stdin closes; run it in {@code race.sh} with
 * {@code GATEWAY_MAIN=io.keycycle.bench.BareProxy}.
 */
public final class BareProxy {

    public static void main(String[] args) throws Exception {
        String upstream = null;
        int loops = 2;
        boolean router = false, pipe = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--upstream" -> upstream = args[++i];
                case "--event-loops" -> loops = Integer.parseInt(args[++i]);
                case "--router" -> router = true;
                case "--pipe" -> pipe = true;
                case "--db", "--keys", "--memory-every", "--redis" -> i++;
                default -> { }
            }
        }
        if (upstream == null) throw new IllegalArgumentException("--upstream URL is required (the static upstream's /v1)");
        URI up = URI.create(upstream);
        String path = up.getPath() + "/chat/completions";
        boolean withRouter = router, piped = pipe;
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(loops));
        LongAdder served = new LongAdder();
        AtomicInteger port = new AtomicInteger(-1);
        vertx.deployVerticle(() -> context -> {
            HttpClientAgent client = vertx.httpClientBuilder()
                    .with(new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true).setDecompressionSupported(false))
                    .with(new PoolOptions().setHttp1MaxSize(piped ? 4096 : 64))
                    .build();
            RequestOptions o = new RequestOptions().setMethod(HttpMethod.POST).setHost(up.getHost()).setPort(up.getPort())
                    .setURI(path).putHeader("Authorization", "Bearer bare-proxy-fake-key")
                    .putHeader("Content-Type", "application/json");
            java.util.function.BiConsumer<io.vertx.core.http.HttpServerRequest, Buffer> proxy = (req, body) -> {
                var answer = client.request(o).compose(r -> r.send(body));
                if (piped) {
                    answer.compose(resp -> {
                        req.response().setStatusCode(resp.statusCode()).setChunked(true)
                                .putHeader("Content-Type", resp.getHeader("Content-Type"));
                        return resp.pipeTo(req.response());
                    }).onSuccess(v -> served.increment())
                            .onFailure(e -> { if (!req.response().headWritten()) req.response().setStatusCode(502).end(e.toString()); });
                } else {
                    answer.compose(resp -> resp.body().map(b -> {
                        served.increment();
                        req.response().setStatusCode(resp.statusCode())
                                .putHeader("Content-Type", resp.getHeader("Content-Type")).end(b);
                        return b;
                    })).onFailure(e -> req.response().setStatusCode(502).end(e.toString()));
                }
            };
            io.vertx.core.Handler<io.vertx.core.http.HttpServerRequest> handler;
            if (withRouter) {
                // the gateway's routing layout with handlers that do nothing: what vertx-web costs a request
                io.vertx.ext.web.Router r = io.vertx.ext.web.Router.router(vertx);
                r.route().handler(io.vertx.ext.web.RoutingContext::next);
                r.get("/healthz").handler(ctx -> ctx.response().end());
                r.get("/readyz").handler(ctx -> ctx.response().end());
                r.route().handler(io.vertx.ext.web.RoutingContext::next);
                r.get("/").handler(ctx -> ctx.response().end());
                r.route("/v1/*").handler(io.vertx.ext.web.RoutingContext::next);
                r.route("/api/*").handler(io.vertx.ext.web.RoutingContext::next);
                r.route("/admin/*").handler(io.vertx.ext.web.RoutingContext::next);
                r.route("/metrics").handler(io.vertx.ext.web.RoutingContext::next);
                r.post("/v1/chat/completions").handler(io.vertx.ext.web.RoutingContext::next);
                r.post("/v1/chat/completions").handler(io.vertx.ext.web.handler.BodyHandler.create(false).setBodyLimit(1 << 20))
                        .handler(ctx -> ctx.next()).handler(ctx -> proxy.accept(ctx.request(), ctx.body().buffer()));
                handler = r;
            } else {
                handler = req -> req.body().onSuccess(body -> proxy.accept(req, body));
            }
            HttpServer s = vertx.createHttpServer(new HttpServerOptions().setCompressionSupported(false)).requestHandler(handler);
            return s.listen(-1, "127.0.0.1").onSuccess(h -> port.set(h.actualPort()));
        }, new io.vertx.core.DeploymentOptions().setInstances(loops)).await();
        System.out.println("transport: Java NIO (bare Vert.x proxy, " + loops + " event loops" + (withRouter ? ", vertx-web router" : "") + (piped ? ", answers piped" : "") + ")");
        System.out.println("GATEWAY http://127.0.0.1:" + port.get());
        System.out.flush();
        while (System.in.read() >= 0) {
            // serve until the script closes our stdin
        }
        System.out.printf(Locale.ROOT, "requests served: %d%n", served.sum());
        vertx.close().await();
        System.exit(0);
    }

    private BareProxy() { }
}
