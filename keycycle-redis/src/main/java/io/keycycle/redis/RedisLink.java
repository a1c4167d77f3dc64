package io.keycycle.redis;

import io.keycycle.core.ConfigurationException;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandInterruptedException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The connection to Redis and the one server-side script: loaded once, called by its SHA, loaded
 * again when Redis answers {@code NOSCRIPT} (it restarted or its script cache was flushed).
 *
 * <p>One Lettuce connection is shared by every thread. Script operations are sent in the order
 * they are submitted: at once while fewer than two script calls are on the wire, otherwise queued
 * and sent together as one {@code batch} call when one comes back (natural batching: no timer, no
 * delay at low concurrency). Commands fail fast while disconnected and a caller never waits for an
 * answer longer than the command timeout, time in the queue included; the client reconnects in
 * the background.
 */
public final class RedisLink implements AutoCloseable {

    private static final String SCRIPT = loadScript();

    private final RedisSettings settings;
    private final RedisClient client;
    private final StatefulRedisConnection<String, String> connection;
    private volatile String sha;
    /** Operations waiting to be sent, and the script calls on the wire (guarded by the queue). */
    private final java.util.ArrayDeque<Op> queue = new java.util.ArrayDeque<>();
    private int inFlight;
    /** The event loop the connection's answers arrive on, as last seen (it changes on reconnect). */
    private volatile io.netty.util.concurrent.EventExecutor connectionLoop;
    private final int maxInFlight = Math.max(1, Integer.getInteger("keycycle.redis.inFlight", 2));
    private static final int MAX_BATCH = 64;
    private final java.util.concurrent.atomic.LongAdder calls = new java.util.concurrent.atomic.LongAdder();
    private final java.util.concurrent.atomic.LongAdder batches = new java.util.concurrent.atomic.LongAdder();
    private final java.util.concurrent.atomic.LongAdder batched = new java.util.concurrent.atomic.LongAdder();

    private final ClientResources resources;

    private RedisLink(RedisSettings settings, ClientResources resources, RedisClient client, StatefulRedisConnection<String, String> connection) {
        this.resources = resources;
        this.settings = settings;
        this.client = client;
        this.connection = connection;
    }

    /**
     * Connects and loads the script. A bad URL, a refused or unreachable host, a wrong password or
     * a database that does not exist is a {@link ConfigurationException} with one clear line (the
     * password never appears).
     */
    public static RedisLink open(RedisSettings settings) {
        RedisURI uri;
        try {
            uri = RedisURI.create(settings.url());
        } catch (RuntimeException e) {
            throw new ConfigurationException("Redis URL '" + settings.redactedUrl() + "' is not valid ("
                    + firstLine(e) + "); expected redis://[:password@]host[:port][/database]");
        }
        uri.setTimeout(settings.commandTimeout().multipliedBy(4).compareTo(Duration.ofSeconds(2)) < 0
                ? Duration.ofSeconds(2) : settings.commandTimeout().multipliedBy(4));
        // small pools (the machine's other work needs the cores) and a reconnect delay capped at 1 s,
        // so shared mode resumes within about a second of Redis answering again
        ClientResources resources = DefaultClientResources.builder().ioThreadPoolSize(2).computationThreadPoolSize(2)
                .reconnectDelay(Delay.exponential(Duration.ofMillis(50), Duration.ofSeconds(1), 2, java.util.concurrent.TimeUnit.MILLISECONDS))
                .build();
        RedisClient client = RedisClient.create(resources, uri);
        client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .socketOptions(SocketOptions.builder().connectTimeout(Duration.ofSeconds(2)).build())
                .timeoutOptions(TimeoutOptions.enabled(settings.commandTimeout()))
                .build());
        StatefulRedisConnection<String, String> c;
        try {
            c = client.connect();
            c.setTimeout(Duration.ofSeconds(2));
            c.sync().ping();
        } catch (RuntimeException e) {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
            resources.shutdown(0, 1, java.util.concurrent.TimeUnit.SECONDS);
            String why = describe(e);
            if (!why.startsWith("authentication failed") && authRefused(uri, settings.url())) why = "authentication failed (wrong or missing password)";
            throw new ConfigurationException("cannot use Redis at " + settings.redactedUrl() + ": " + why);
        }
        RedisLink link = new RedisLink(settings, resources, client, c);
        try {
            link.sha = c.sync().scriptLoad(SCRIPT);
        } catch (RuntimeException e) {
            link.close();
            throw new ConfigurationException("cannot load Keycycle's script into Redis at " + settings.redactedUrl() + ": " + describe(e));
        }
        c.setTimeout(settings.commandTimeout());
        return link;
    }

    public RedisSettings settings() { return settings; }

    /** The prefix every key starts with: {@code {keyPrefix}}. */
    public String prefix() { return "{" + settings.keyPrefix() + "}"; }

    /** Runs an operation of the script; {@code args[0]} is the operation. */
    @SuppressWarnings("unchecked")
    public List<Object> call(String[] keys, String... args) {
        return (List<Object>) await(submit(keys, args, ScriptOutputType.MULTI));
    }

    /**
     * {@link #call} without waiting: operations of this process are sent in the order submitted,
     * so a later call from this process sees the effect of this one (but after a {@code NOSCRIPT}
     * retry, see {@link #dispatch}). Completes exceptionally on Redis trouble.
     */
    @SuppressWarnings("unchecked")
    public CompletableFuture<List<Object>> callAsync(String[] keys, String... args) {
        return submit(keys, args, ScriptOutputType.MULTI).thenApply(r -> (List<Object>) r);
    }

    /** Like {@link #call} for operations that answer one integer. */
    public long callInteger(String[] keys, String... args) {
        return (Long) await(submit(keys, args, ScriptOutputType.INTEGER));
    }

    /** Script calls sent, of which batches, and the operations those batches carried (for benchmarks). */
    public long[] batchStats() { return new long[]{calls.sum(), batches.sum(), batched.sum()}; }

    // ------------------------------------------------------------------ natural batching

    /** One operation of the script waiting to be sent. */
    private record Op(String[] keys, String[] args, ScriptOutputType type, CompletableFuture<Object> answer) { }

    /**
     * Queues an operation. With fewer than {@link #maxInFlight} script calls on the wire it is sent
     * at once, alone (no delay at low concurrency); otherwise it waits, and when a call comes back
     * what was queued meanwhile goes as one {@code batch} call, run in order inside the one script
     * (natural batching: under load one script call, one round trip and one pass of the script's
     * prelude carry what every thread asked for meanwhile). Sends happen under the queue's lock, in
     * queue order, and never wait: from Lettuce's event loop (when an answer comes back) the write
     * goes out directly, from any other thread through the loop's task queue.
     */
    private CompletableFuture<Object> submit(String[] keys, String[] args, ScriptOutputType type) {
        Op op = new Op(keys, args, type, new CompletableFuture<>());
        synchronized (queue) {
            queue.add(op);
            sendQueued();
        }
        return op.answer();
    }

    /** Sends what is queued while fewer than {@link #maxInFlight} calls are on the wire (holding the queue's lock). */
    private void sendQueued() {
        while (inFlight < maxInFlight && !queue.isEmpty()) {
            int n = Math.min(queue.size(), MAX_BATCH);
            Op[] ops = new Op[n];
            for (int i = 0; i < n; i++) ops[i] = queue.poll();
            inFlight++;
            calls.increment();
            if (n == 1) {
                send(ops[0].keys(), ops[0].args(), ops[0].type(), ops, false);
                continue;
            }
            int nk = 0, na = 3;
            for (Op op : ops) {
                nk += op.keys().length;
                na += 2 + op.args().length;
            }
            String[] keys = new String[nk];
            String[] args = new String[na];
            args[0] = "batch";
            args[1] = prefix();
            args[2] = Integer.toString(n);
            int ki = 0, ai = 3;
            for (Op op : ops) {
                System.arraycopy(op.keys(), 0, keys, ki, op.keys().length);
                ki += op.keys().length;
                args[ai++] = Integer.toString(op.keys().length);
                args[ai++] = Integer.toString(op.args().length);
                System.arraycopy(op.args(), 0, args, ai, op.args().length);
                ai += op.args().length;
            }
            batches.increment();
            batched.add(n);
            send(keys, args, ScriptOutputType.MULTI, ops, true);
        }
    }

    /**
     * Sends one call (holding the queue's lock). Lettuce writes a command at once when called on
     * the connection's event loop, but through that loop's task queue from any other thread; so a
     * call sent on the loop (when an answer comes back) would overtake calls that other threads
     * sent just before. On the connection's loop the write therefore goes through the same task
     * queue, behind them (it never blocks there: the loop runs it once the current answer is
     * handled). From any other thread, an event loop of another connection included, it is sent
     * directly (Lettuce queues it on the connection's loop in this order).
     */
    private void send(String[] keys, String[] args, ScriptOutputType type, Op[] ops, boolean batch) {
        Runnable write = () -> dispatch(keys, args, type, false).whenComplete((r, e) -> {
            if (e != null && noScript(e)) {
                dispatch(keys, args, type, true).whenComplete((r2, e2) -> done(ops, r2, e2, batch));
            } else {
                done(ops, r, e, batch);
            }
        });
        io.netty.util.concurrent.EventExecutor current = io.netty.util.internal.ThreadExecutorMap.currentExecutor();
        if (current != null && current == connectionLoop) {
            current.execute(write);
        } else {
            write.run();
        }
    }

    /**
     * One call by SHA, or with the script's text after {@code NOSCRIPT} (Redis restarted or its
     * script cache was flushed; {@code EVAL} caches it again). Never blocks, so it may run on
     * Lettuce's event loop. The retry may run after calls submitted later: such a call then sees
     * this call's reservation not yet made or its release not yet done (it may refuse early,
     * never admit more).
     */
    private CompletableFuture<Object> dispatch(String[] keys, String[] args, ScriptOutputType type, boolean withText) {
        try {
            var async = connection.async();
            return (withText ? async.<Object>eval(SCRIPT, type, keys, args) : async.<Object>evalsha(sha, type, keys, args))
                    .toCompletableFuture();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private static Throwable unwrap(Throwable e) {
        return e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
    }

    private static boolean noScript(Throwable e) {
        Throwable c = unwrap(e);
        return c instanceof RedisNoScriptException || c.getCause() instanceof RedisNoScriptException;
    }

    /** A call came back: the next batch goes out, then the callers learn their answers. */
    private void done(Op[] ops, Object r, Throwable e, boolean batch) {
        // answers are read on the connection's event loop (a timeout completes on another thread)
        io.netty.util.concurrent.EventExecutor current = io.netty.util.internal.ThreadExecutorMap.currentExecutor();
        if (current instanceof io.netty.channel.EventLoop) connectionLoop = current;
        synchronized (queue) {
            inFlight--;
            sendQueued();
        }
        Throwable failure = e == null ? null : unwrap(e);
        if (failure != null) {
            for (Op op : ops) op.answer().completeExceptionally(failure);
            return;
        }
        if (!batch) {
            ops[0].answer().complete(r);
            return;
        }
        List<?> answers = (List<?>) r;
        for (int i = 0; i < ops.length; i++) {
            Object a = i < answers.size() ? answers.get(i) : null;
            if (a instanceof String s && s.startsWith("ERR")) {
                ops[i].answer().completeExceptionally(new RedisCommandExecutionException(s));
            } else if (a == null) {
                ops[i].answer().completeExceptionally(new RedisCommandExecutionException("ERR keycycle.lua: no answer for operation " + (i + 1)));
            } else {
                ops[i].answer().complete(a);
            }
        }
    }

    /** Waits for an answer no longer than the command timeout (time in the queue included). */
    private Object await(CompletableFuture<Object> f) {
        Duration timeout = connection.getTimeout();
        try {
            return f.get(timeout.toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new RedisCommandTimeoutException("Command timed out after " + timeout.toMillis() + " ms (keycycle script)");
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable c = unwrap(e.getCause() == null ? e : e.getCause());
            if (c instanceof RuntimeException re) throw re;
            throw new RedisException(c);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RedisCommandInterruptedException(e);
        }
    }

    /** The shared connection, for plain commands (reads of instance info, INCR in benchmarks). */
    public StatefulRedisConnection<String, String> connection() { return connection; }

    /** A new publish/subscribe connection (the caller closes it). */
    public StatefulRedisPubSubConnection<String, String> connectPubSub() { return client.connectPubSub(); }

    @Override
    public void close() {
        try {
            connection.close();
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            resources.shutdown(0, 2, java.util.concurrent.TimeUnit.SECONDS);
        }
    }

    /**
     * Whether the server refuses this URL's credentials, asked over a plain socket. Lettuce sometimes
     * reports a refused handshake as "Connection closed prematurely" instead of the server's
     * {@code WRONGPASS}/{@code NOAUTH}; this one-command probe tells the two apart (not over TLS).
     */
    private static boolean authRefused(RedisURI uri, String url) {
        if (uri.isSsl() || uri.getSocket() != null) return false;
        try (java.net.Socket s = new java.net.Socket()) {
            s.connect(new java.net.InetSocketAddress(uri.getHost(), uri.getPort()), 1_000);
            s.setSoTimeout(1_000);
            String info = java.net.URI.create(url).getRawUserInfo();
            String user = null;
            String password = null;
            if (info != null) {
                int colon = info.indexOf(':');
                user = java.net.URLDecoder.decode(colon < 0 ? "" : info.substring(0, colon), StandardCharsets.UTF_8);
                password = java.net.URLDecoder.decode(colon < 0 ? info : info.substring(colon + 1), StandardCharsets.UTF_8);
            }
            List<String> parts = password == null || password.isEmpty() ? List.of("PING")
                    : user == null || user.isBlank() ? List.of("AUTH", password) : List.of("AUTH", user, password);
            StringBuilder resp = new StringBuilder("*").append(parts.size()).append("\r\n");
            for (String part : parts) {
                resp.append('$').append(part.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(part).append("\r\n");
            }
            s.getOutputStream().write(resp.toString().getBytes(StandardCharsets.UTF_8));
            String line = new java.io.BufferedReader(new java.io.InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8)).readLine();
            return line != null && (line.startsWith("-WRONGPASS") || line.startsWith("-NOAUTH") || line.contains("invalid password"));
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** One line saying what went wrong, without the URL's password. */
    static String describe(Throwable e) {
        StringBuilder sb = new StringBuilder();
        for (Throwable c = e; c != null && sb.length() < 300; c = c.getCause()) {
            String m = c.getMessage();
            if (m == null || m.isBlank()) continue;
            m = RedisSettings.redact(m.replace('\n', ' '));
            if (m.contains("WRONGPASS") || m.contains("NOAUTH") || m.contains("invalid password")) {
                return "authentication failed (wrong or missing password)";
            }
            if (sb.indexOf(m) < 0) sb.append(sb.length() == 0 ? "" : ": ").append(m);
        }
        return sb.length() == 0 ? e.getClass().getSimpleName() : sb.toString();
    }

    private static String firstLine(Throwable e) {
        String m = e.getMessage();
        return m == null ? e.getClass().getSimpleName() : RedisSettings.redact(m.lines().findFirst().orElse(m));
    }

    private static String loadScript() {
        try (InputStream in = RedisLink.class.getResourceAsStream("keycycle.lua")) {
            if (in == null) throw new IllegalStateException("keycycle.lua missing from the keycycle-redis jar");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read keycycle.lua", e);
        }
    }
}
