package io.keycycle.redis;

import io.keycycle.core.ConfigurationException;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
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

/**
 * The connection to Redis and Keycycle's server-side Lua ({@code keycycle.lua}): loaded once as a
 * function library and called with FCALL (or, where Redis refuses functions, as a script called by
 * its SHA), loaded again when Redis answers that it lost it (a restart, a flush).
 *
 * <p>One Lettuce connection is shared by every thread (Lettuce pipelines concurrent commands on
 * it); calls reach it in the order this process makes them, and a counted settlement nobody waits
 * for may travel with the next call in one {@code batch} ({@link #callAsyncLazy}). Commands fail fast while disconnected and time out after the configured command timeout,
 * so a caller never waits on Redis for longer than that; the client reconnects in the background.
 */
public final class RedisLink implements AutoCloseable {

    private static final String SCRIPT = loadScript();
    /** The script's entry point as a script (EVALSHA) and the function library (FCALL) around it. */
    private static final String EVAL_SOURCE = SCRIPT + "\nreturn call(KEYS, ARGV)\n";
    /** Library and function name: the script's digest, so that two Keycycle versions on one Redis keep their own. */
    static final String FUNCTION = "keycycle_" + sha1(SCRIPT).substring(0, 16);
    private static final String LIBRARY = "#!lua name=" + FUNCTION + "\n" + SCRIPT + "\nredis.register_function('" + FUNCTION + "', call)\n";
    /** Most operations one batch carries (a settlement queue longer than this goes in several, in order). */
    static final int MAX_BATCH = 64;

    private final RedisSettings settings;
    private final RedisClient client;
    private final StatefulRedisConnection<String, String> connection;
    private volatile String sha;
    /** Whether the server took the function library (Redis 7+): calls are FCALL, else EVALSHA. */
    private volatile boolean functions;
    /** False: the script only (system property {@code keycycle.redis.functions=false}). */
    private volatile boolean tryFunctions = true;
    private volatile boolean warnedNoFunctions;
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(RedisLink.class);

    /** Operations waiting to go with the next call (settlements nobody waits for), and the order lock every send holds. */
    private final Object sendLock = new Object();
    private java.util.ArrayList<Op> lazy = new java.util.ArrayList<>();
    private volatile boolean hasLazy;
    /** Calls sent and not yet answered. */
    private final java.util.concurrent.atomic.AtomicInteger inFlight = new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.concurrent.atomic.LongAdder sent = new java.util.concurrent.atomic.LongAdder();
    private final java.util.concurrent.atomic.LongAdder operations = new java.util.concurrent.atomic.LongAdder();
    /** Calls that carried only the fleet's upkeep (heartbeat, sweep), which runs on its own clock. */
    private final java.util.concurrent.atomic.LongAdder upkeep = new java.util.concurrent.atomic.LongAdder();

    /** One operation: its keys, its arguments (args[0] names it), and where its answer goes. */
    private record Op(String[] keys, String[] args, java.util.concurrent.CompletableFuture<Object> answer) { }

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
        return open(settings, !"false".equals(System.getProperty("keycycle.redis.functions")));
    }

    /** {@link #open(RedisSettings)}, trying the function library first or (false) going straight to the script. */
    static RedisLink open(RedisSettings settings, boolean tryFunctions) {
        RedisURI uri;
        try {
            uri = RedisURI.create(settings.url());
        } catch (RuntimeException e) {
            // The parser's own message quotes the text it choked on, which can be part of the password.
            throw new ConfigurationException("Redis URL '" + settings.redactedUrl() + "' is not valid; expected "
                    + "redis://[:password@]host[:port][/database], with '@', '/', ':' or '%' in the user or password "
                    + "written %40, %2F, %3A, %25");
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
        link.tryFunctions = tryFunctions;
        try {
            link.load();
        } catch (RuntimeException e) {
            link.close();
            throw new ConfigurationException("cannot load Keycycle's script into Redis at " + settings.redactedUrl() + ": " + describe(e));
        }
        c.setTimeout(settings.commandTimeout());
        return link;
    }

    public RedisSettings settings() { return settings; }

    /** The database number of the URL (0 when it names none). */
    public int database() {
        try {
            return RedisURI.create(settings.url()).getDatabase();
        } catch (RuntimeException e) {
            return 0;
        }
    }

    /** The prefix every key starts with: {@code {keyPrefix}}. */
    public String prefix() { return "{" + settings.keyPrefix() + "}"; }

    /**
     * Loads the function library (Redis 7+), or the script where the server has no functions or
     * refuses FUNCTION LOAD (an ACL without it): the script runs the same code, with its definitions
     * evaluated on every call (about 3 µs more per call, measured).
     */
    private void load() {
        if (tryFunctions) {
            try {
                // no REPLACE: the name carries the code's digest, so a library of that name is this very
                // code (another instance loaded it) and a joining instance leaves it as it is
                connection.sync().functionLoad(LIBRARY, false);
                functions = true;
                return;
            } catch (io.lettuce.core.RedisCommandExecutionException e) {
                String m = String.valueOf(e.getMessage());
                if (m.contains("already exists")) {
                    functions = true;
                    return;
                }
                if (functions || !warnedNoFunctions) {
                    log.info("Redis at {} does not take Keycycle's function library ({}); calling the script by its SHA instead"
                            + " (same behaviour, about 3 µs more Redis CPU per call)", settings.redactedUrl(), describe(e));
                    warnedNoFunctions = true;
                }
            }
        }
        functions = false;
        sha = connection.sync().scriptLoad(EVAL_SOURCE);
    }

    /** Whether calls go as FCALL to the function library (false: EVALSHA of the script). */
    public boolean usesFunctions() { return functions; }

    /** Runs an operation of the script and waits for its answer; {@code args[0]} is the operation. */
    public List<Object> call(String[] keys, String... args) {
        return asList(await(submit(keys, args)));
    }

    /**
     * An operation's answer as a list. Alone, every answer arrives as one (an integer as a list of
     * one); in a batch, an operation that answers an integer ({@code state}, {@code hold}) gets the
     * bare integer. Until 2026-12-04 that was cast to a list: a model state or learned limit written
     * while a settlement waited for company failed with a ClassCastException, taken for Redis
     * trouble, and the instance went degraded until its next heartbeat.
     */
    @SuppressWarnings("unchecked")
    private static List<Object> asList(Object r) {
        return r instanceof List<?> l ? (List<Object>) l : java.util.Collections.singletonList(r);
    }

    /**
     * {@link #call} without waiting: calls from this process run in the order sent, so a later call
     * sees the effect of this one. Completes exceptionally on Redis trouble.
     */
    public java.util.concurrent.CompletableFuture<List<Object>> callAsync(String[] keys, String... args) {
        return submit(keys, args).thenApply(RedisLink::asList);
    }

    /**
     * {@link #callAsync} for an operation nobody waits for (a counted settlement). When no call of
     * this process is on the wire it goes at once; otherwise it waits for the next call this process
     * sends and travels in the same round trip, before it (under load, a thread's settlement goes
     * with its next reservation: one call per admission), or goes as soon as the calls on the wire
     * are answered and nothing else was sent. It is late by at most as long as the calls on the wire
     * take: a request counted a little later, tokens given back a little later, both on the safe
     * side. A crash before it is sent leaves the reservation to expire.
     */
    public java.util.concurrent.CompletableFuture<List<Object>> callAsyncLazy(String[] keys, String... args) {
        Op op = new Op(keys, args, new java.util.concurrent.CompletableFuture<>());
        synchronized (sendLock) {
            if (inFlight.get() == 0) {
                sendLocked(op);
            } else {
                lazy.add(op);
                hasLazy = true;
            }
        }
        return op.answer().thenApply(RedisLink::asList);
    }

    /** Like {@link #call} for operations that answer one integer. */
    public long callInteger(String[] keys, String... args) {
        Object r = await(submit(keys, args));
        // every call is read as a (nested) list: an integer answer alone arrives as a list of one
        return (Long) (r instanceof List<?> l ? l.get(0) : r);
    }

    /**
     * Script calls sent, operations they carried, and calls that carried only the fleet's upkeep
     * (heartbeat, sweep), since the start (a batch is one call of several operations).
     */
    public long[] callCounts() { return new long[]{sent.sum(), operations.sum(), upkeep.sum()}; }

    /** Script calls sent for anything but the fleet's upkeep: what admissions, settlements and states cost. */
    public long callsBesidesUpkeep() { return sent.sum() - upkeep.sum(); }

    private static boolean isUpkeep(Op op) {
        String name = op.args().length == 0 ? "" : op.args()[0];
        return name.equals("heartbeat") || name.equals("sweep") || name.equals("restart");
    }

    /** A call was answered: when none is left on the wire, what waits for company goes now. */
    private void answered() {
        if (inFlight.decrementAndGet() == 0 && hasLazy) {
            synchronized (sendLock) {
                if (inFlight.get() == 0) sendLocked(null);
            }
        }
    }

    /** Sends {@code args} with whatever settlements wait, in the order they came. */
    private java.util.concurrent.CompletableFuture<Object> submit(String[] keys, String[] args) {
        Op op = new Op(keys, args, new java.util.concurrent.CompletableFuture<>());
        synchronized (sendLock) {
            sendLocked(op);
        }
        return op.answer();
    }

    /**
     * Sends the waiting operations and {@code last} (may be null) as one call, or as several
     * batches of at most {@link #MAX_BATCH} in order. Runs under {@link #sendLock}, so calls reach
     * the connection in the order they were made (Lettuce writes in dispatch order).
     */
    private void sendLocked(Op last) {
        java.util.ArrayList<Op> ops = lazy;
        if (ops.isEmpty()) {
            if (last != null) dispatch(List.of(last), false);
            return;
        }
        lazy = new java.util.ArrayList<>();
        hasLazy = false;
        if (last != null) ops.add(last);
        for (int from = 0; from < ops.size(); from += MAX_BATCH) {
            dispatch(ops.subList(from, Math.min(ops.size(), from + MAX_BATCH)), false);
        }
    }

    /** Sends one call (one operation, or a batch) and routes the answers; reloads the code once when Redis lost it. */
    private void dispatch(List<Op> ops, boolean reloaded) {
        String[] keys;
        String[] args;
        if (ops.size() == 1) {
            keys = ops.get(0).keys();
            args = ops.get(0).args();
        } else {
            int nk = 0, na = 2;
            for (Op op : ops) {
                nk += op.keys().length;
                na += 2 + op.args().length;
            }
            keys = new String[nk];
            args = new String[na];
            args[0] = "batch";
            args[1] = Integer.toString(ops.size());
            int ki = 0, ai = 2;
            for (Op op : ops) {
                System.arraycopy(op.keys(), 0, keys, ki, op.keys().length);
                ki += op.keys().length;
                args[ai++] = Integer.toString(op.keys().length);
                args[ai++] = Integer.toString(op.args().length);
                System.arraycopy(op.args(), 0, args, ai, op.args().length);
                ai += op.args().length;
            }
        }
        sent.increment();
        operations.add(ops.size());
        if (ops.size() == 1 && isUpkeep(ops.get(0))) upkeep.increment();
        io.lettuce.core.RedisFuture<Object> f;
        inFlight.incrementAndGet();
        try {
            f = functions ? connection.async().fcall(FUNCTION, ScriptOutputType.MULTI, keys, args)
                    : connection.async().evalsha(sha, ScriptOutputType.MULTI, keys, args);
        } catch (RuntimeException e) {
            inFlight.decrementAndGet();
            ops.forEach(op -> op.answer().completeExceptionally(e));
            return;
        }
        List<Op> mine = List.copyOf(ops);
        f.whenComplete((r, e) -> {
            answered();
            if (e == null) {
                if (mine.size() == 1) {
                    mine.get(0).answer().complete(r);
                } else {
                    // one answer per operation, in order; anything else is a bug in the script, never a silent hang
                    List<?> answers = r instanceof List<?> l ? l : List.of();
                    for (int i = 0; i < mine.size(); i++) {
                        if (i < answers.size() && answers.get(i) != null) mine.get(i).answer().complete(answers.get(i));
                        else mine.get(i).answer().completeExceptionally(new io.lettuce.core.RedisException(
                                "keycycle.lua answered a batch of " + mine.size() + " operations with " + answers.size() + " answers"));
                    }
                }
            } else if (!reloaded && codeMissing(e)) {
                // Redis restarted empty or its scripts were flushed: nothing ran; load again and resend
                // (not on Lettuce's event loop: a blocking call there would wait for itself)
                java.util.concurrent.ForkJoinPool.commonPool().execute(() -> {
                    try {
                        load();
                        synchronized (sendLock) {
                            dispatch(mine, true);
                        }
                    } catch (RuntimeException again) {
                        mine.forEach(op -> op.answer().completeExceptionally(again));
                    }
                });
            } else {
                Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
                mine.forEach(op -> op.answer().completeExceptionally(cause));
            }
        });
    }

    /** Whether Redis answered that it does not have the script or the function (it restarted or was flushed). */
    private static boolean codeMissing(Throwable e) {
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof RedisNoScriptException) return true;
            String m = c.getMessage();
            if (m != null && (m.contains("NOSCRIPT") || m.contains("Function not found") || m.contains("function not found"))) return true;
        }
        return false;
    }

    /** Waits for an answer as a blocking call does: Redis trouble is thrown as the Redis exception it is. */
    private static Object await(java.util.concurrent.CompletableFuture<Object> f) {
        try {
            return f.join();
        } catch (java.util.concurrent.CompletionException e) {
            Throwable c = e.getCause() == null ? e : e.getCause();
            if (c instanceof RuntimeException re) throw re;
            if (c instanceof Error err) throw err;
            throw new io.lettuce.core.RedisException(c);
        }
    }

    /** The shared connection, for plain commands (reads of instance info, INCR in benchmarks). */
    public StatefulRedisConnection<String, String> connection() { return connection; }

    /** A new publish/subscribe connection (the caller closes it). */
    public StatefulRedisPubSubConnection<String, String> connectPubSub() { return client.connectPubSub(); }

    @Override
    public void close() {
        synchronized (sendLock) {
            sendLocked(null); // what waits for company goes now
        }
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

    private static String sha1(String text) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
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
