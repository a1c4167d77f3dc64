package io.keycycle.redis;

import io.keycycle.core.ClusterException;
import io.keycycle.core.EngineClock;
import io.keycycle.redis.testing.PrivateRedis;
import io.keycycle.redis.testing.RedisTestSupport;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** A fleet that cannot be joined says so in one line, without the password, at once. */
class RedisStartupErrorsTest {

    @Test
    void aBadUrlIsOneClearLine() {
        assertThatThrownBy(() -> RedisCluster.join(RedisSettings.of("http://127.0.0.1:6379"), EngineClock.system()))
                .isInstanceOf(ClusterException.class)
                .hasMessageContaining("Redis URL 'http://127.0.0.1:6379' is not valid")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }

    /** A password holding '@' or '/' shows no part of itself (the old pattern stopped at the first of them). */
    @Test
    void aPasswordWithAnAtSignOrASlashShowsNoPartOfItself() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        for (String password : new String[] {"hunter2@secret", "hunter2/secret"}) {
            RedisSettings settings = RedisSettings.of("redis://:" + password + "@127.0.0.1:" + port + "/0");
            assertThat(settings.redactedUrl()).as(password).isEqualTo("redis://***@127.0.0.1:" + port + "/0");
            assertThatThrownBy(() -> RedisCluster.join(settings, EngineClock.system())).as(password)
                    .isInstanceOf(ClusterException.class)
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain("hunter2").doesNotContain("secret"));
        }
    }

    @Test
    void anUnreachableHostIsOneClearLineWithinSeconds() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> RedisCluster.join(RedisSettings.of("redis://:hunter2-secret@127.0.0.1:" + port), EngineClock.system()))
                .isInstanceOf(ClusterException.class)
                .hasMessageStartingWith("cannot use Redis at redis://***@127.0.0.1:" + port + ": ")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("hunter2").doesNotContain("\n"));
        assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(10_000);
    }

    @Test
    void aWrongPasswordIsNamedAsSuch() throws Exception {
        assumeTrue(PrivateRedis.installed() || RedisTestSupport.servicesRequired(), "redis-server is not installed");
        try (PrivateRedis r = PrivateRedis.start("right-pass")) {
            assertThatThrownBy(() -> RedisCluster.join(RedisSettings.of("redis://:wrong-pass@127.0.0.1:" + r.port()), EngineClock.system()))
                    .isInstanceOf(ClusterException.class)
                    .hasMessage("cannot use Redis at redis://***@127.0.0.1:" + r.port() + ": authentication failed (wrong or missing password)");
            assertThatThrownBy(() -> RedisCluster.join(RedisSettings.of("redis://127.0.0.1:" + r.port()), EngineClock.system()))
                    .isInstanceOf(ClusterException.class)
                    .hasMessageContaining("authentication failed");
            try (RedisCluster ok = RedisCluster.join(RedisSettings.of(r.url()), EngineClock.system())) {
                assertThat(ok.mode()).isEqualTo("shared");
                assertThat(ok.liveInstances()).isEqualTo(1);
            }
        }
    }
}
