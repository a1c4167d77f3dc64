package io.keycycle.redis.testing;

import io.keycycle.redis.RedisCluster;
import io.keycycle.redis.RedisLink;
import io.keycycle.redis.RedisSettings;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;

import java.time.Duration;
import java.util.UUID;

/**
 * The shared Redis of the test machine (127.0.0.1:6379). Tests of this module use databases 1–5, 6 (BlocksTest) and 7 (SharedLearnedLimitsTest),
 * the cluster tests of keycycle-cli 2–4 and 7 (6: the Spring starter), each with a random key prefix, so
 * they never meet each other's keys or anyone else's. When Redis does not answer they are skipped,
 * unless {@code -Dkeycycle.requireServices=true}: then they fail.
 */
public final class RedisTestSupport {

    public static final String HOST = "127.0.0.1";
    public static final int PORT = 6379;
    private static volatile Boolean available;

    private RedisTestSupport() { }

    public static boolean servicesRequired() { return Boolean.getBoolean("keycycle.requireServices"); }

    public static String url(int database) {
        if (database < 1 || database > 7) throw new IllegalArgumentException("keycycle tests use Redis databases 1-7");
        return "redis://" + HOST + ":" + PORT + "/" + database;
    }

    /** True when the shared Redis answers PING; otherwise a reason to skip (or a failure when services are required). */
    public static synchronized boolean available() {
        if (available == null) {
            RedisClient c = RedisClient.create(RedisURI.create(url(1)));
            try (StatefulRedisConnection<String, String> conn = c.connect()) {
                conn.setTimeout(Duration.ofSeconds(2));
                available = "PONG".equals(conn.sync().ping());
            } catch (RuntimeException e) {
                available = false;
            } finally {
                c.shutdown(Duration.ZERO, Duration.ofSeconds(1));
            }
        }
        if (!available && servicesRequired()) {
            throw new AssertionError("Redis at " + HOST + ":" + PORT + " does not answer and keycycle.requireServices=true");
        }
        return available;
    }

    /** A fresh key prefix for one test. */
    public static String randomPrefix() { return "kctest-" + UUID.randomUUID().toString().substring(0, 12); }

    public static RedisSettings settings(int database, String prefix, String instance) {
        return RedisSettings.of(url(database)).withKeyPrefix(prefix).withInstanceId(instance)
                .withTimings(Duration.ofSeconds(2), Duration.ofMillis(200), Duration.ofSeconds(2));
    }

    public static RedisLink link(int database, String prefix, String instance) {
        return RedisLink.open(settings(database, prefix, instance));
    }

    /** Admits (and settles at once, one request of one token) until the pool refuses; answers how many it admitted (at most 1,000). */
    public static int drain(io.keycycle.core.pool.KeyPool pool, String model) {
        int n = 0;
        while (n < 1_000) {
            try {
                pool.acquire(model, 1).success(io.keycycle.core.Usage.of(1, 0));
                n++;
            } catch (io.keycycle.core.NoAvailableKeyException e) {
                return n;
            }
        }
        return n;
    }

    /**
     * The end of a test with instances sharing one prefix: deletes the prefix's keys through the
     * first instance, then closes them all. Nothing to do when the test was skipped (null).
     */
    public static void leave(RedisCluster first, RedisCluster... others) {
        if (first == null) return;
        clean(first.link());
        first.close();
        for (RedisCluster c : others) if (c != null) c.close();
    }

    /** Deletes every key of a prefix (the end of a test). */
    public static void clean(RedisLink link) {
        var sync = link.connection().sync();
        var cursor = io.lettuce.core.ScanCursor.INITIAL;
        do {
            var r = sync.scan(cursor, io.lettuce.core.ScanArgs.Builder.matches(link.prefix().replace("{", "\\{").replace("}", "\\}") + ":*").limit(500));
            if (!r.getKeys().isEmpty()) sync.del(r.getKeys().toArray(String[]::new));
            cursor = r;
        } while (!cursor.isFinished());
    }
}
