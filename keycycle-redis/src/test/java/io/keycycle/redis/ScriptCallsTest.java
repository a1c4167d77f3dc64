package io.keycycle.redis;

import io.keycycle.core.DailyReset;
import io.keycycle.core.EngineClock;
import io.keycycle.core.Limits;
import io.keycycle.redis.testing.RedisTestSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * How the client calls Keycycle's Lua: as a function library (FCALL) or as a script (EVALSHA) where
 * functions are refused, both running the same operations; code Redis lost (a restart, a flush) is
 * loaded again and the call goes through; counted settlements sent while other calls are on the
 * wire travel in batches with later calls, and each lands exactly once, in order.
 */
class ScriptCallsTest {

    static final int DB = 7;
    static final Limits HIGH = new Limits(1_000_000, 1_000_000, 1_000_000, 1_000_000_000L, 1_000_000_000L, 1_000_000_000L);
    RedisLink link;

    private SharedWindows open(boolean functions) {
        assumeTrue(RedisTestSupport.available(), "Redis does not answer at 127.0.0.1:6379");
        link = RedisLink.open(RedisTestSupport.settings(DB, RedisTestSupport.randomPrefix(), "calls"), functions);
        return new SharedWindows(link, EngineClock.system(), true);
    }

    @AfterEach
    void tearDown() {
        if (link != null) {
            RedisTestSupport.clean(link);
            link.close();
        }
    }

    @ParameterizedTest(name = "functions {0}")
    @ValueSource(booleans = {true, false})
    void functionAndScriptRunTheSameOperationsAndSurviveLosingTheirCode(boolean functions) {
        SharedWindows w = open(functions);
        assertThat(link.usesFunctions()).isEqualTo(functions);
        BucketRef b = w.bucket("groq", "scope-1", "m", HIGH, DailyReset.sliding());
        SharedWindows.Reservation r = w.reserve(b, null, 100, null);
        assertThat(r.admitted()).isTrue();
        assertThat(w.peek(b, 0).used(Limits.Metric.TPM)).as("in flight").isEqualTo(100);
        assertThat(w.settleAt(b, r.id(), true, 40, null)).isPositive();
        SharedWindows.Peek p = w.peek(b, 0);
        assertThat(p.used(Limits.Metric.RPM)).isEqualTo(1);
        assertThat(p.used(Limits.Metric.TPM)).isEqualTo(40);
        assertThat(w.settleAt(b, r.id(), true, 40, null)).as("settled once, never twice").isEqualTo(-1);

        // Redis loses the code (restarted empty, SCRIPT FLUSH, FUNCTION DELETE): the next call loads it again
        var sync = link.connection().sync();
        if (functions) sync.dispatch(io.lettuce.core.protocol.CommandType.FUNCTION, new io.lettuce.core.output.StatusOutput<>(io.lettuce.core.codec.StringCodec.UTF8), new io.lettuce.core.protocol.CommandArgs<>(io.lettuce.core.codec.StringCodec.UTF8).add("DELETE").add(RedisLink.FUNCTION));
        else sync.scriptFlush();
        SharedWindows.Reservation again = w.reserve(b, null, 10, null);
        assertThat(again.admitted()).isTrue();
        assertThat(w.peek(b, 0).used(Limits.Metric.TPM)).isEqualTo(50);
        assertThat(link.usesFunctions()).isEqualTo(functions);
    }

    @Test
    void countedSettlementsTravelWithLaterCallsAndEachLandsOnceInOrder() throws Exception {
        SharedWindows w = open(true);
        int threads = 16, rounds = 120;
        AtomicReference<Throwable> failure = new AtomicReference<>();
        CountDownLatch done = new CountDownLatch(threads);
        long[] before = link.callCounts();
        for (int t = 0; t < threads; t++) {
            BucketRef own = w.bucket("groq", "scope-" + t, "m", HIGH, DailyReset.sliding());
            Thread th = new Thread(() -> {
                try {
                    for (int i = 1; i <= rounds && failure.get() == null; i++) {
                        SharedWindows.Reservation r = w.reserve(own, null, 100, null);
                        assertThat(r.admitted()).isTrue();
                        w.settleWithView(System.currentTimeMillis(), own, r.id(), true, 7, 100); // counted: waits for company
                        SharedWindows.Peek p = w.peek(own, 0);
                        assertThat(p.used(Limits.Metric.RPM)).as("this thread's settlements before this peek have landed").isEqualTo(i);
                        assertThat(p.used(Limits.Metric.TPM)).isEqualTo(7L * i);
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                } finally {
                    done.countDown();
                }
            }, "settling-" + t);
            th.start();
        }
        assertThat(done.await(120, TimeUnit.SECONDS)).isTrue();
        if (failure.get() != null) throw new AssertionError(failure.get());
        long[] after = link.callCounts();
        long calls = after[0] - before[0], operations = after[1] - before[1];
        assertThat(operations).as("3 operations per round").isEqualTo(3L * threads * rounds);
        assertThat(calls).as("settlements rode with other calls: fewer calls than operations").isLessThan(operations);
    }
}
