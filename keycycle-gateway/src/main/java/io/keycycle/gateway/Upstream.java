package io.keycycle.gateway;

import io.keycycle.Keycycle;
import io.keycycle.core.ConfigurationException;
import io.keycycle.core.ProviderResponse;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;

/**
 * Plain chat completions to the providers with Vert.x's own HTTP client: HTTP/1.1 keep-alive
 * connections shared by all requests, every callback on the event loop of the request being
 * served, so a call costs no thread hand-off. Each call has the {@link Keycycle#requestTimeout()}
 * as its overall deadline (connection, headers and body); the answer is buffered whole.
 *
 * <p>One transport-level resend, not a retry: servers close idle keep-alive connections, and a
 * request written to a pooled connection whose close is already on the way fails with
 * {@link HttpClosedException} before any answer. Such a request never reached the provider, so it
 * is sent again on another connection (at most {@value #STALE_RESENDS} times, within the same
 * lease and deadline), as OkHttp does. A failure on a fresh connection, or after any answer byte,
 * is left to the engine (classified, then rotated or not). Idle connections are also closed after
 * {@value #KEEP_ALIVE_SECONDS} s, before common server idle timeouts.
 */
final class Upstream {

    private static final Logger log = LoggerFactory.getLogger(Upstream.class);
    private static final String USER_AGENT = "keycycle-java";
    /** Idle connections are closed before common server idle timeouts (30 s and up) so a call rarely meets a closed one. */
    private static final int KEEP_ALIVE_SECONDS = 20;
    /** How often one call is sent again after meeting a kept-alive connection the server had closed. */
    private static final int STALE_RESENDS = 3;

    private final Vertx vertx;
    private final Keycycle keycycle;
    private final HttpClientAgent http;
    private final long timeoutMillis;
    private final Map<String, Endpoint> endpoints = new ConcurrentHashMap<>();
    /** Open connections that have carried an answer: a request on one of them may meet a close the server already sent. */
    private final Set<HttpConnection> used = ConcurrentHashMap.newKeySet();

    /** Where a provider's chat completions are posted. */
    private record Endpoint(String host, int port, boolean ssl, String path) {
        static Endpoint of(String provider, URI base) {
            if (base == null) throw new ConfigurationException("provider " + provider + " has no base URL");
            String scheme = base.getScheme() == null ? "" : base.getScheme().toLowerCase(java.util.Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https") || base.getHost() == null) {
                throw new ConfigurationException("provider " + provider + ": base URL must be an absolute http(s) URL, was " + base);
            }
            boolean ssl = scheme.equals("https");
            String path = base.getRawPath() == null ? "" : base.getRawPath();
            while (path.endsWith("/")) path = path.substring(0, path.length() - 1);
            return new Endpoint(base.getHost(), base.getPort() > 0 ? base.getPort() : ssl ? 443 : 80, ssl, path + "/chat/completions");
        }
    }

    /**
     * One call in flight. It completes once: with the answer, with a failure (the request is then
     * reset), or with {@link UpstreamAnswer#CANCELLED} when the client went away ({@link UpstreamAnswer#NOT_SENT}
     * when that was before a request existed, so nothing was written).
     */
    static final class Attempt {
        final CompletableFuture<UpstreamAnswer> result = new CompletableFuture<>();
        private volatile HttpClientRequest request;

        void cancel() {
            if (result.complete(request == null ? UpstreamAnswer.NOT_SENT : UpstreamAnswer.CANCELLED)) reset();
        }

        void fail(Throwable t) {
            if (result.completeExceptionally(t)) reset();
        }

        private void attach(HttpClientRequest r) {
            request = r;
            if (result.isDone()) r.reset();
        }

        private void reset() {
            HttpClientRequest r = request;
            if (r != null) r.reset();
        }
    }

    Upstream(Vertx vertx, Keycycle keycycle, int maxConnections) {
        this.vertx = vertx;
        this.keycycle = keycycle;
        Duration timeout = keycycle.requestTimeout();
        this.timeoutMillis = Math.max(1, timeout.toMillis());
        this.http = vertx.httpClientBuilder()
                .with(new HttpClientOptions().setKeepAlive(true).setKeepAliveTimeout(KEEP_ALIVE_SECONDS).setTcpNoDelay(true)
                        .setConnectTimeout((int) Math.min(10_000, timeoutMillis)).setMaxRedirects(0).setDecompressionSupported(false))
                .with(new PoolOptions().setHttp1MaxSize(maxConnections))
                // an idle pooled connection the provider closed is simply dropped; a call on it fails and rotates
                .withConnectHandler(c -> {
                    c.exceptionHandler(e -> log.debug("upstream connection to {} failed: {}", c.remoteAddress(), e.toString()));
                    c.closeHandler(v -> used.remove(c));
                })
                .build();
    }

    /**
     * Posts {@code body} to {@code provider} with {@code secret} on {@code context}'s event loop and
     * completes {@code attempt} with the buffered answer (any status), or fails it with the I/O error
     * or a {@link TimeoutException}.
     */
    void chat(Context context, String provider, String secret, Buffer body, Attempt attempt) {
        if (Vertx.currentContext() != context) {
            context.runOnContext(v -> chat(context, provider, secret, body, attempt));
            return;
        }
        if (attempt.result.isDone()) return;
        Endpoint ep;
        try {
            ep = endpoints.computeIfAbsent(provider, p -> Endpoint.of(p, keycycle.catalog().provider(p).baseUrl()));
        } catch (RuntimeException e) {
            attempt.fail(e);
            return;
        }
        RequestOptions o = new RequestOptions().setMethod(HttpMethod.POST).setHost(ep.host).setPort(ep.port).setSsl(ep.ssl)
                .setURI(ep.path).setFollowRedirects(false)
                .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .putHeader(HttpHeaders.ACCEPT, "application/json")
                .putHeader(HttpHeaders.USER_AGENT, USER_AGENT)
                .putHeader(HttpHeaders.AUTHORIZATION, "Bearer " + secret.trim());
        long timer = vertx.setTimer(timeoutMillis, id -> attempt.fail(new TimeoutException(
                "no complete answer from " + provider + " within " + Duration.ofMillis(timeoutMillis))));
        send(o, body, attempt, timer, STALE_RESENDS);
    }

    /**
     * Sends once; a request that failed because a reused keep-alive connection turned out to be
     * closed by the server (no response byte came back) is sent again, up to {@code resends} times.
     */
    private void send(RequestOptions o, Buffer body, Attempt attempt, long timer, int resends) {
        boolean[] stale = {false};
        http.request(o)
                .compose(req -> {
                    attempt.attach(req);
                    HttpConnection conn = req.connection();
                    boolean reused = conn != null && used.contains(conn);
                    return req.send(body)
                            .onFailure(e -> stale[0] = reused && e instanceof HttpClosedException)
                            .compose(resp -> {
                                if (conn != null) used.add(conn);
                                return resp.body().map(b -> answer(resp, b));
                            });
                })
                .onComplete(ar -> {
                    if (ar.failed() && stale[0] && resends > 0 && !attempt.result.isDone()) {
                        log.debug("upstream closed a kept-alive connection before answering; sending again on another");
                        send(o, body, attempt, timer, resends - 1);
                        return;
                    }
                    vertx.cancelTimer(timer);
                    if (ar.succeeded()) attempt.result.complete(ar.result());
                    else attempt.fail(ar.cause());
                });
    }

    private static UpstreamAnswer answer(HttpClientResponse resp, Buffer body) {
        Map<String, List<String>> headers = new HashMap<>();
        resp.headers().forEach(e -> headers.computeIfAbsent(e.getKey(), k -> new ArrayList<>(1)).add(e.getValue()));
        return new UpstreamAnswer(new ProviderResponse(resp.statusCode(), headers, body.toString(java.nio.charset.StandardCharsets.UTF_8)), body, false);
    }

    void close() {
        http.close();
    }
}
