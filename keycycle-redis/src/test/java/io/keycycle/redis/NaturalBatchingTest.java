package io.keycycle.redis;

import io.keycycle.core.DailyReset;
import io.keycycle.core.EngineClock;
import io.keycycle.core.Limits;
import io.keycycle.redis.testing.RedisTestSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Script operations of one process run in the order submitted: a release sent without waiting is
 * seen by the same thread's next call (16 threads on one connection), and calls submitted from an
 * answer's callback are answered in order. (Written for a first form of batching, which broke this
 * order; the client now batches counted settlements with later calls, see {@link ScriptCallsTest}.)
 */
class NaturalBatchingTest {

    static final int DB = 7;
    static final Limits HIGH = new Limits(1_000_000, 1_000_000, 1_000_000, 1_000_000_000L, 1_000_000_000L, 1_000_000_000L);
    RedisLink link;
    SharedWindows w;

    @BeforeEach
    void setUp() {
        assumeTrue(RedisTestSupport.available(), "Redis does not answer at 127.0.0.1:6379");
        link = RedisTestSupport.link(DB, RedisTestSupport.randomPrefix(), "batcher");
        w = new SharedWindows(link, EngineClock.system(), true);
    }

    @AfterEach
    void tearDown() {
        if (link != null) {
            RedisTestSupport.clean(link);
            link.close();
        }
    }

    @Test
    void aReleaseSentWithoutWaitingIsSeenByTheSameThreadsNextCall() throws Exception {
        int threads = 16, rounds = 150;
        AtomicReference<Throwable> failure = new AtomicReference<>();
        CountDownLatch done = new CountDownLatch(threads);
        for (int t = 0; t < threads; t++) {
            BucketRef own = w.bucket("groq", "scope-" + t, "m", HIGH, DailyReset.sliding());
            Thread th = new Thread(() -> {
                try {
                    for (int i = 0; i < rounds && failure.get() == null; i++) {
                        SharedWindows.Reservation r = w.reserve(own, null, 100, null);
                        assertThat(r.admitted()).isTrue();
                        w.settleWithView(System.currentTimeMillis(), own, r.id(), false, 0, 100); // not waited for
                        SharedWindows.Peek p = w.peek(own, 0);
                        assertThat(p.used(Limits.Metric.RPM)).as("the release before this peek has landed").isZero();
                        assertThat(p.used(Limits.Metric.TPM)).isZero();
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                } finally {
                    done.countDown();
                }
            }, "batching-" + t);
            th.start();
        }
        assertThat(done.await(120, TimeUnit.SECONDS)).isTrue();
        if (failure.get() != null) throw new AssertionError(failure.get());
    }

    @Test
    void callsSubmittedFromAnAnswersCallbackAreAnsweredAndKeepTheirOrder() throws Exception {
        BucketRef b = w.bucket("groq", "scope-cb", "m", HIGH, DailyReset.sliding());
        List<CompletableFuture<Long>> chained = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            CompletableFuture<Long> out = new CompletableFuture<>();
            chained.add(out);
            SharedWindows.Reservation r = w.reserve(b, null, 10, null);
            // the callback runs where the answer is read (the connection's event loop) and submits from there
            w.settleWithView(System.currentTimeMillis(), b, r.id(), true, 10, 10).whenComplete((s, e) -> {
                if (e != null) {
                    out.completeExceptionally(e);
                    return;
                }
                link.callAsync(new String[]{b.key(), b.scopeKey()}, peekArgs(b)).whenComplete((p, e2) -> {
                    if (e2 != null) out.completeExceptionally(e2);
                    else out.complete((Long) p.get(2)); // requests counted in the minute window
                });
            });
        }
        long last = -1;
        for (int i = 0; i < chained.size(); i++) {
            long rpm = chained.get(i).get(10, TimeUnit.SECONDS);
            assertThat(rpm).as("each peek sees its own settlement and the ones before").isGreaterThanOrEqualTo(Math.max(last, i + 1));
            last = rpm;
        }
        assertThat(last).isEqualTo(50);
    }

    private String[] peekArgs(BucketRef b) {
        return new String[]{"peek", w.prefix(), "-1", "0", "1000000", "1000000", "1000000", "1000000000", "1000000000", "1000000000", "-1", "-1", "-1"};
    }
}
