package io.keycycle.gateway;

import io.keycycle.Keycycle;
import io.keycycle.core.ConfigurationException;
import io.keycycle.core.ProviderResponse;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ConnectionPoolTooBusyException;
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
import io.vertx.core.internal.ContextInternal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The gateway's one upstream transport: chat completions to the providers with Vert.x's own HTTP
 * client, plain and streaming alike. HTTP/1.1 keep-alive connections are shared by all requests
 * and every callback runs on the event loop of the request being served, so a call costs no thread
 * hand-off and no thread waits on a provider. A plain call has the {@link Keycycle#requestTimeout()}
 * as its overall deadline and its answer is buffered up to {@link UpstreamLimits#maxBodyBytes()};
 * a stream is read chunk by chunk by its {@link StreamAttempt}. Plain calls and streams use two
 * connection pools of the same client settings, so long streams never hold up plain calls: the
 * plain pool has {@code maxConnections} connections, the stream pool one per stream allowed. Each
 * pool is per event loop (a loop's calls use its own connections, see {@link Agents}): the plain
 * connections are split between the loops, while each loop may open a connection for every stream
 * allowed (streams are admitted in all, not per loop, and hold their connection throughout). The
 * wait queues are bounded; a call that finds its queue full was never sent and becomes a 503.
 *
 * <p>One transport-level resend, not a retry: servers close idle keep-alive connections, and a
 * request sent on a pooled connection whose close is already on the way fails with
 * {@link HttpClosedException} before any answer. When the request's bytes had not been written
 * (the write failed or never finished), it never reached the provider, so it is sent again on
 * another connection (at most {@value #STALE_RESENDS} times, within the same lease and deadline).
 * Once they were written, a close before the answer is ambiguous: the provider may have read the
 * request (a provider that crashes or restarts does exactly that), so the call is failed as
 * counted ({@link UpstreamCutException}) and the engine decides on a retry, which takes an
 * admission of its own. Until 2026-12-03 such requests were resent under the one lease: the
 * provider could see up to four requests where the pool counted one. A failure on a fresh
 * connection, or after any answer byte, is left to the engine (classified, then rotated or not).
 * Idle connections are also closed after {@value #KEEP_ALIVE_SECONDS} s, before common server idle
 * timeouts, so the ambiguous case is rare.
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
    private final UpstreamLimits limits;
    private final Agents plain;
    private final Agents streams;
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

    /** One exchange with a provider, as {@link #send} drives it: request attached, answer or failure. */
    interface Exchange {
        /** The request exists (it may be reset from now on). */
        void attach(HttpClientRequest request);

        /** True once the exchange is over (answered, failed or cancelled): a resend is pointless. */
        boolean isDone();

        /** The provider answered with a status and headers; the body is the exchange's to read. */
        void onResponse(HttpClientResponse response);

        /** No answer: the request could not be sent, or failed before the status line. */
        void onFailure(Throwable failure, boolean sent);
    }

    /**
     * One plain call in flight. It completes once: with the answer, with a failure (the request is
     * then reset), or with {@link UpstreamAnswer#CANCELLED} when the client went away
     * ({@link UpstreamAnswer#NOT_SENT} when nothing had been written yet, {@link UpstreamAnswer#BUSY}
     * when no connection could be had).
     */
    /** The largest first buffer of a plain answer; a larger one grows as it arrives. */
    static final int INITIAL_BODY_BYTES = 64 * 1024;

    static final class Attempt implements Exchange {
        final CompletableFuture<PlainAnswer> result = new CompletableFuture<>();
        private volatile HttpClientRequest request;
        private long maxBody = Long.MAX_VALUE;
        /** The call's deadline, a task on its event loop (see {@link #chat}). */
        private ScheduledFuture<?> timer;

        void cancel() {
            if (result.complete(request == null ? UpstreamAnswer.NOT_SENT : UpstreamAnswer.CANCELLED)) {
                stopTimer(); // else the deadline task holds the attempt on its event loop until the deadline
                reset();
            }
        }

        void fail(Throwable t) {
            if (result.completeExceptionally(t)) reset();
        }

        @Override public void attach(HttpClientRequest r) {
            request = r;
            if (result.isDone()) r.reset();
        }

        @Override public boolean isDone() { return result.isDone(); }

        @Override public void onResponse(HttpClientResponse resp) {
            String length = resp.getHeader(HttpHeaders.CONTENT_LENGTH);
            long declared = parseLength(length);
            if (declared > maxBody) {
                stopTimer();
                fail(new UpstreamBodyTooLargeException(maxBody));
                return;
            }
            // The declared length only sizes the first buffer, up to INITIAL_BODY_BYTES: a provider's
            // Content-Length is not trusted with memory (a false one would reserve up to maxBody per
            // call, or fail the cast past 2 GiB), the buffer grows as bytes really arrive.
            Buffer body = Buffer.buffer(declared > 0 ? (int) Math.min(declared, INITIAL_BODY_BYTES) : 1024);
            resp.handler(b -> {
                if (body.length() + (long) b.length() > maxBody) {
                    stopTimer();
                    fail(new UpstreamBodyTooLargeException(maxBody));
                    return;
                }
                if (!result.isDone()) body.appendBuffer(b);
            });
            resp.exceptionHandler(e -> {
                stopTimer();
                fail(UpstreamCutException.afterSend(e));
            });
            resp.endHandler(v -> {
                stopTimer();
                if (!result.isDone()) result.complete(UpstreamAnswer.of(resp, body));
            });
        }

        @Override public void onFailure(Throwable failure, boolean sent) {
            stopTimer();
            if (failure instanceof ConnectionPoolTooBusyException) result.complete(UpstreamAnswer.BUSY);
            else fail(failure);
        }

        private void stopTimer() {
            ScheduledFuture<?> t = timer;
            if (t != null) t.cancel(false);
        }

        private void reset() {
            HttpClientRequest r = request;
            if (r != null) r.reset();
        }
    }

    Upstream(Vertx vertx, Keycycle keycycle, int maxConnections, UpstreamLimits limits, int eventLoops) {
        this.vertx = vertx;
        this.keycycle = keycycle;
        this.limits = limits;
        Duration timeout = keycycle.requestTimeout();
        this.timeoutMillis = Math.max(1, timeout.toMillis());
        int loops = Math.max(1, eventLoops);
        this.plain = new Agents(perLoop(maxConnections, loops), limits.maxPlainInFlight());
        // Streams are admitted up to maxStreams in all, whatever loop their client landed on (client
        // connections go to the loops in turn, not by load), and each holds its connection for its
        // whole life: every loop may open up to maxStreams of them. A share per loop made a stream on
        // a busy loop wait for a connection with its idle timer running (or 503) while the limit
        // still had room; the admission count bounds the connections in use across loops anyway.
        this.streams = new Agents(limits.maxStreams(), limits.maxStreams());
    }

    /** A pool's share of {@code total} connections on each of {@code loops} event loops (rounded up, at least 1). */
    static int perLoop(int total, int loops) { return Math.max(1, (total + loops - 1) / loops); }

    /**
     * One client (and so one connection pool) per event loop. Vert.x's shared pool hands a call the
     * most recently used free connection whatever its event loop; with two loops about every other
     * call then wrote its request and read its answer on the other loop's thread and came back
     * through that loop's task queue (two thread hand-offs per call). A call uses the pool of the
     * loop serving it, whose connections live on that loop: no hand-off.
     */
    private final class Agents {
        private final int connections;
        private final int waitQueue;
        private final Map<EventLoop, HttpClientAgent> byLoop = new ConcurrentHashMap<>();

        Agents(int connections, int waitQueue) {
            this.connections = connections;
            this.waitQueue = waitQueue;
        }

        HttpClientAgent on(Context context) {
            EventLoop loop = ((ContextInternal) context).nettyEventLoop();
            HttpClientAgent a = byLoop.get(loop);
            return a != null ? a : byLoop.computeIfAbsent(loop, l -> agent(connections, waitQueue));
        }

        void close() { byLoop.values().forEach(HttpClientAgent::close); }
    }

    private HttpClientAgent agent(int connections, int waitQueue) {
        return vertx.httpClientBuilder()
                .with(new HttpClientOptions().setKeepAlive(true).setKeepAliveTimeout(KEEP_ALIVE_SECONDS).setTcpNoDelay(true)
                        .setConnectTimeout((int) Math.min(10_000, timeoutMillis)).setMaxRedirects(0).setDecompressionSupported(false))
                .with(new PoolOptions().setHttp1MaxSize(connections).setMaxWaitQueueSize(waitQueue))
                // an idle pooled connection the provider closed is simply dropped; a call on it fails and rotates
                .withConnectHandler(c -> {
                    c.exceptionHandler(e -> log.debug("upstream connection to {} failed: {}", c.remoteAddress(), e.toString()));
                    c.closeHandler(v -> used.remove(c));
                })
                .build();
    }

    UpstreamLimits limits() { return limits; }

    /**
     * Posts {@code body} to {@code provider} with {@code secret} on {@code context}'s event loop and
     * completes {@code attempt} with the buffered answer (any status), or fails it with the I/O error,
     * an {@link UpstreamBodyTooLargeException} or a {@link TimeoutException}.
     */
    void chat(Context context, String provider, String secret, Buffer body, Attempt attempt) {
        if (Vertx.currentContext() != context) {
            context.runOnContext(v -> chat(context, provider, secret, body, attempt));
            return;
        }
        if (attempt.result.isDone()) return;
        RequestOptions o;
        try {
            o = options(provider, secret, "application/json");
        } catch (RuntimeException e) {
            attempt.fail(e);
            return;
        }
        attempt.maxBody = limits.maxBodyBytes();
        // The deadline is scheduled on the call's event loop itself, not as a Vert.x timer: a Vert.x
        // timer also takes an id and an entry in a map shared by all threads, put and removed for
        // every call (~0.5 us per call in the profile); a deadline that fires goes back to the context.
        attempt.timer = ((ContextInternal) context).nettyEventLoop().schedule(
                () -> context.runOnContext(v -> attempt.fail(new TimeoutException(
                        "no complete answer from " + provider + " within " + Duration.ofMillis(timeoutMillis)))),
                timeoutMillis, TimeUnit.MILLISECONDS);
        send(plain.on(context), o, body, attempt, STALE_RESENDS);
    }

    /** Posts a streaming request on {@code context}'s event loop; {@code attempt} reads and relays the answer. */
    void stream(Context context, String provider, String secret, Buffer body, StreamAttempt attempt) {
        if (Vertx.currentContext() != context) {
            context.runOnContext(v -> stream(context, provider, secret, body, attempt));
            return;
        }
        if (attempt.isDone()) return;
        RequestOptions o;
        try {
            o = options(provider, secret, "text/event-stream");
        } catch (RuntimeException e) {
            attempt.onFailure(e, false);
            return;
        }
        attempt.begin(vertx, limits);
        send(streams.on(context), o, body, attempt, STALE_RESENDS);
    }

    /**
     * The request options of {@code provider}'s chat completions with {@code secret}, built once per
     * key and kind (plain or stream) and shared: the client only reads them (it copies the headers
     * into each request), so a call costs no options object and no header map of its own.
     */
    private RequestOptions options(String provider, String secret, String accept) {
        boolean stream = accept.equals("text/event-stream");
        Map<String, RequestOptions[]> byKey = requestOptions.get(provider);
        if (byKey == null) byKey = requestOptions.computeIfAbsent(provider, p -> new ConcurrentHashMap<>());
        RequestOptions[] both = byKey.get(secret);
        if (both == null) {
            both = byKey.computeIfAbsent(secret, k -> new RequestOptions[] {
                    buildOptions(provider, k, "application/json"), buildOptions(provider, k, "text/event-stream")});
        }
        return both[stream ? 1 : 0];
    }

    /** Per provider, per key: the options of a plain call and of a stream (one entry per configured key). */
    private final Map<String, Map<String, RequestOptions[]>> requestOptions = new ConcurrentHashMap<>();

    private RequestOptions buildOptions(String provider, String secret, String accept) {
        Endpoint ep = endpoints.computeIfAbsent(provider, p -> Endpoint.of(p, keycycle.catalog().provider(p).baseUrl()));
        return new RequestOptions().setMethod(HttpMethod.POST).setHost(ep.host).setPort(ep.port).setSsl(ep.ssl)
                .setURI(ep.path).setFollowRedirects(false)
                .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .putHeader(HttpHeaders.ACCEPT, accept)
                .putHeader(HttpHeaders.USER_AGENT, USER_AGENT)
                .putHeader(HttpHeaders.AUTHORIZATION, bearer(provider, secret));
    }

    /** {@code Bearer <secret>}, refusing characters a header cannot carry without naming the secret. */
    private static String bearer(String provider, String secret) {
        String s = secret.trim();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c <= ' ' || c >= 127) {
                throw new ConfigurationException("a key of provider " + provider + " contains a character an HTTP header cannot carry");
            }
        }
        return "Bearer " + s;
    }

    /**
     * Sends once; a request that failed because a reused keep-alive connection turned out to be
     * closed by the server (no response byte came back) is sent again, up to {@code resends} times.
     */
    private void send(HttpClientAgent agent, RequestOptions o, Buffer body, Exchange x, int resends) {
        agent.request(o).onComplete(ar -> {
            if (ar.failed()) {
                x.onFailure(ar.cause(), false);
                return;
            }
            HttpClientRequest req = ar.result();
            x.attach(req);
            HttpConnection conn = req.connection();
            boolean reused = conn != null && used.contains(conn);
            Future<Void> written = req.end(body);
            req.response().onComplete(sent -> {
                if (sent.succeeded()) {
                    if (conn != null) used.add(conn);
                    if (!x.isDone()) x.onResponse(sent.result());
                    return;
                }
                // Resent only when its bytes never left: once written, the provider may have read it.
                boolean stale = reused && sent.cause() instanceof HttpClosedException && !written.succeeded();
                if (stale && resends > 0 && !x.isDone()) {
                    log.debug("upstream closed a kept-alive connection before answering; sending again on another");
                    send(agent, o, body, x, resends - 1);
                    return;
                }
                x.onFailure(UpstreamCutException.afterSend(sent.cause()), true);
            });
        });
    }

    static long parseLength(String value) {
        if (value == null) return -1;
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    void close() {
        plain.close();
        streams.close();
    }
}
