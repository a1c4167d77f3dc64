package io.keycycle.redis;

import io.keycycle.core.ApiKey;
import io.keycycle.core.Limits;
import io.keycycle.core.NoAvailableKeyException;
import io.keycycle.core.pool.KeyPool;
import io.keycycle.core.pool.Lease;
import io.keycycle.core.testing.ManualClock;
import io.keycycle.core.testing.TestPools;
import io.keycycle.redis.testing.RedisTestSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * On an engine clock the test moves by hand: while every key is full, the answer a refused
 * reservation carries ("this request fits at …") serves the refusals after it for
 * {@link RetryInstants#REUSE_MILLIS} ms, the same as a peek's, in the same millisecond and in
 * the next ones; only past that time is Redis asked again. (Before, a refusal followed by another
 * one in the same millisecond left nothing to reuse, and the next millisecond asked Redis once per
 * key.)
 */
class RetryInstantReuseTest {

    static final int DB = 5;
    final ManualClock clock = ManualClock.at("2026-12-03T08:00:00.000Z");
    final List<ApiKey> keys = TestPools.keys("p", 2);
    RedisCluster a, b;
    KeyPool poolA, poolB;

    @BeforeEach
    void setUp() {
        assumeTrue(RedisTestSupport.available(), "Redis does not answer at 127.0.0.1:6379");
        String prefix = RedisTestSupport.randomPrefix();
        a = RedisCluster.join(RedisTestSupport.settings(DB, prefix, "a"), clock);
        b = RedisCluster.join(RedisTestSupport.settings(DB, prefix, "b"), clock);
        poolA = pool(a);
        poolB = pool(b);
    }

    private KeyPool pool(RedisCluster c) {
        return KeyPool.builder(TestPools.spec("p")).keys(keys)
                .limits(new Limits(1, Limits.NONE, Limits.NONE, Limits.NONE, Limits.NONE, Limits.NONE))
                .profile(TestPools.statusProfile("p")).clock(clock).stateStore(c.stateStore()).build();
    }

    @AfterEach
    void tearDown() {
        RedisTestSupport.leave(a, b);
    }

    /** Script calls instance A sends for one refused acquire (the fleet's heartbeat left out). */
    private long callsForARefusal() {
        long before = a.link().callsBesidesUpkeep();
        Throwable t = catchThrowable(() -> poolA.acquire("m1", 1));
        assertThat(t).isInstanceOf(NoAvailableKeyException.class);
        assertThat(((NoAvailableKeyException) t).retryAt()).as("when the earliest key frees up").isNotNull();
        return a.link().callsBesidesUpkeep() - before;
    }

    @Test
    void aRefusalsRetryInstantServesTheRefusalsAfterItUntilThePeekReuseTimeIsOver() {
        // instance B holds both keys' one request of the minute
        Lease l1 = poolB.acquire("m1", 1), l2 = poolB.acquire("m1", 1);
        b.link().connection().sync().ping(); // landed before A looks

        // A's first refusal: a reservation per key (and, A meeting the model for the first time, its buckets' set-up)
        assertThat(callsForARefusal()).as("first refusal").isGreaterThanOrEqualTo(2);
        assertThat(callsForARefusal()).as("same millisecond").isZero();
        clock.advance(Duration.ofMillis(1));
        assertThat(callsForARefusal()).as("1 ms later: the refusal's own answer is reused").isZero();
        clock.advance(Duration.ofMillis(RetryInstants.REUSE_MILLIS - 2));
        assertThat(callsForARefusal()).as("%d ms later", RetryInstants.REUSE_MILLIS - 1).isZero();
        clock.advance(Duration.ofMillis(1));
        assertThat(callsForARefusal()).as("%d ms later: each key is asked again", RetryInstants.REUSE_MILLIS).isEqualTo(2);
        assertThat(callsForARefusal()).as("and that answer is reused in turn").isZero();
        l1.release();
        l2.release();
    }
}
