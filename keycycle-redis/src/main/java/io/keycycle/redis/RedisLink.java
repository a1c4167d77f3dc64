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
 * The connection to Redis and the one server-side script: loaded once, called by its SHA, loaded
 * again when Redis answers {@code NOSCRIPT} (it restarted or its script cache was flushed).
 *
 * <p>One Lettuce connection is shared by every thread (Lettuce pipelines concurrent commands on
 * it). Commands fail fast while disconnected and time out after the configured command timeout,
 * so a caller never waits on Redis for longer than that; the client reconnects in the background.
 */
public final class RedisLink implements AutoCloseable {

    private static final String SCRIPT = loadScript();

    private final RedisSettings settings;
    private final RedisClient client;
    private final StatefulRedisConnection<String, String> connection;
    private volatile String sha;

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
        try {
            return (List<Object>) connection.sync().evalsha(sha, ScriptOutputType.MULTI, keys, args);
        } catch (RedisNoScriptException e) {
            sha = connection.sync().scriptLoad(SCRIPT);
            return (List<Object>) connection.sync().evalsha(sha, ScriptOutputType.MULTI, keys, args);
        }
    }

    /**
     * {@link #call} without waiting: commands on one connection run in the order sent, so a later
     * call from this process sees the effect of this one. Completes exceptionally on Redis trouble.
     */
    @SuppressWarnings("unchecked")
    public java.util.concurrent.CompletableFuture<List<Object>> callAsync(String[] keys, String... args) {
        java.util.concurrent.CompletableFuture<List<Object>> out = new java.util.concurrent.CompletableFuture<>();
        connection.async().<List<Object>>evalsha(sha, ScriptOutputType.MULTI, keys, args).whenComplete((r, e) -> {
            if (e == null) {
                out.complete(r);
            } else if (e instanceof RedisNoScriptException || e.getCause() instanceof RedisNoScriptException) {
                // not on Lettuce's event loop: a blocking call there would wait for itself
                java.util.concurrent.ForkJoinPool.commonPool().execute(() -> {
                    try {
                        out.complete(call(keys, args));
                    } catch (RuntimeException again) {
                        out.completeExceptionally(again);
                    }
                });
            } else {
                out.completeExceptionally(e);
            }
        });
        return out;
    }

    /** Like {@link #call} for operations that answer one integer. */
    public long callInteger(String[] keys, String... args) {
        try {
            return connection.sync().evalsha(sha, ScriptOutputType.INTEGER, keys, args);
        } catch (RedisNoScriptException e) {
            sha = connection.sync().scriptLoad(SCRIPT);
            return connection.sync().evalsha(sha, ScriptOutputType.INTEGER, keys, args);
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
