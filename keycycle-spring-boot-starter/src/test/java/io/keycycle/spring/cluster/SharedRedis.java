package io.keycycle.spring.cluster;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.StatefulRedisConnection;

import java.time.Duration;
import java.util.UUID;

/**
 * The shared Redis of the test machine (127.0.0.1:6379), database 6: the starter's tests use only
 * that database and a random key prefix per test. When Redis does not answer the tests are skipped,
 * unless {@code -Dkeycycle.requireServices=true}: then they fail.
 */
final class SharedRedis {

    static final String URL = "redis://127.0.0.1:6379/6";
    private static Boolean available;

    private SharedRedis() {
    }

    static synchronized boolean available() {
        if (available == null) {
            RedisClient c = RedisClient.create(RedisURI.create(URL));
            try (StatefulRedisConnection<String, String> conn = c.connect()) {
                conn.setTimeout(Duration.ofSeconds(2));
                available = "PONG".equals(conn.sync().ping());
            } catch (RuntimeException e) {
                available = false;
            } finally {
                c.shutdown(Duration.ZERO, Duration.ofSeconds(1));
            }
        }
        if (!available && Boolean.getBoolean("keycycle.requireServices")) {
            throw new AssertionError("Redis at 127.0.0.1:6379 does not answer and keycycle.requireServices=true");
        }
        return available;
    }

    static String randomPrefix() {
        return "kcspring-" + UUID.randomUUID().toString().substring(0, 12);
    }

    /** Deletes every key of a prefix (keys are {@code {prefix}:...}). */
    static void clean(String prefix) {
        RedisClient c = RedisClient.create(RedisURI.create(URL));
        try (StatefulRedisConnection<String, String> conn = c.connect()) {
            var sync = conn.sync();
            ScanCursor cursor = ScanCursor.INITIAL;
            do {
                var r = sync.scan(cursor, ScanArgs.Builder.matches("\\{" + prefix + "\\}:*").limit(500));
                if (!r.getKeys().isEmpty()) sync.del(r.getKeys().toArray(String[]::new));
                cursor = r;
            } while (!cursor.isFinished());
        } finally {
            c.shutdown(Duration.ZERO, Duration.ofSeconds(1));
        }
    }
}
