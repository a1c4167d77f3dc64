package io.keycycle.redis.testing;

import io.keycycle.core.ApiKey;
import io.keycycle.core.EngineClock;
import io.keycycle.core.Limits;
import io.keycycle.core.pool.KeyPool;
import io.keycycle.core.testing.TcpProxy;
import io.keycycle.core.testing.TestPools;
import io.keycycle.redis.RedisCluster;
import io.keycycle.redis.RedisSettings;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A fleet of instances on a {@link PrivateRedis} of the test's own, optionally reached through a
 * {@link TcpProxy} (to cut instances off from Redis while others still reach it), for the tests that
 * stop, freeze, flush or restart their Redis. Registered as an extension,
 * {@code @RegisterExtension final RedisFleet fleet = new RedisFleet().withTimings(…)}, it starts the
 * server before each test and ends everything after it, also after a failure midway; a test that
 * needs it in one method only uses {@code try (RedisFleet fleet = new RedisFleet()….start())}.
 * Skips when {@code redis-server} is not installed, unless {@code -Dkeycycle.requireServices=true}:
 * then it fails.
 *
 * <p>The end: a frozen server is let run, the instances joined through the fleet close (the last
 * joined first), then the proxy, then the server.
 */
public final class RedisFleet implements BeforeEachCallback, AfterEachCallback, AutoCloseable {

    private boolean proxied;
    private Duration commandTimeout = RedisSettings.DEFAULT_COMMAND_TIMEOUT;
    private Duration heartbeat = RedisSettings.DEFAULT_HEARTBEAT;
    private Duration instanceTtl = RedisSettings.DEFAULT_INSTANCE_TTL;
    private PrivateRedis redis;
    private TcpProxy proxy;
    private final List<RedisCluster> joined = new ArrayList<>();

    /** A {@link TcpProxy} in front of the server too; {@link #joinThroughProxy} joins through it. */
    public RedisFleet withProxy() {
        proxied = true;
        return this;
    }

    /** The timings of the instances {@link #settings(String) joined} through the fleet. */
    public RedisFleet withTimings(Duration commandTimeout, Duration heartbeat, Duration instanceTtl) {
        this.commandTimeout = commandTimeout;
        this.heartbeat = heartbeat;
        this.instanceTtl = instanceTtl;
        return this;
    }

    /** Starts the server (and the proxy); skips, or fails when services are required, without {@code redis-server}. */
    public RedisFleet start() throws Exception {
        assumeTrue(PrivateRedis.installed() || RedisTestSupport.servicesRequired(), "redis-server is not installed");
        try {
            redis = PrivateRedis.start(null);
            if (proxied) proxy = new TcpProxy("127.0.0.1", redis.port()).start();
        } catch (Exception e) {
            close();
            throw e;
        }
        return this;
    }

    @Override
    public void beforeEach(ExtensionContext context) throws Exception { start(); }

    @Override
    public void afterEach(ExtensionContext context) throws Exception { close(); }

    public PrivateRedis redis() { return redis; }

    public TcpProxy proxy() { return proxy; }

    /** The server's URL (database 0). */
    public String url() { return redis.url(); }

    /** The proxy's URL. */
    public String proxyUrl() { return "redis://127.0.0.1:" + proxy.port(); }

    /** An instance {@code id} at {@code url}, with the fleet's timings. */
    public RedisSettings settings(String url, String id) {
        return RedisSettings.of(url).withInstanceId(id).withTimings(commandTimeout, heartbeat, instanceTtl);
    }

    /** An instance {@code id} on the server, with the fleet's timings. */
    public RedisSettings settings(String id) { return settings(url(), id); }

    /** Joins an instance; it closes with the fleet, unless the test {@link #leave leaves} before. */
    public RedisCluster join(RedisSettings settings) {
        RedisCluster c = RedisCluster.join(settings, EngineClock.system());
        joined.add(c);
        return c;
    }

    /** Joins instance {@code id} on the server. */
    public RedisCluster join(String id) { return join(settings(id)); }

    /** Joins instance {@code id} through the proxy. */
    public RedisCluster joinThroughProxy(String id) { return join(settings(proxyUrl(), id)); }

    /** Closes one instance before the end of the test. */
    public void leave(RedisCluster c) {
        joined.remove(c);
        c.close();
    }

    /** A pool of {@code keys} (all of one provider, with {@link TestPools}' spec and profile) on the instance's state store. */
    public static KeyPool pool(RedisCluster c, List<ApiKey> keys, Limits limits) {
        String provider = keys.get(0).provider();
        return KeyPool.builder(TestPools.spec(provider)).keys(keys).limits(limits).profile(TestPools.statusProfile(provider))
                .clock(EngineClock.system()).stateStore(c.stateStore()).build();
    }

    @Override
    public void close() throws Exception {
        List<AutoCloseable> ends = new ArrayList<>();
        if (redis != null && redis.paused()) ends.add(redis::resume);
        for (int i = joined.size() - 1; i >= 0; i--) ends.add(joined.get(i));
        if (proxy != null) ends.add(proxy);
        if (redis != null) ends.add(redis);
        joined.clear();
        proxy = null;
        redis = null;
        Exception first = null;
        for (AutoCloseable end : ends) {
            try {
                end.close();
            } catch (Exception e) {
                if (first == null) first = e;
                else first.addSuppressed(e);
            }
        }
        if (first != null) throw first;
    }
}
