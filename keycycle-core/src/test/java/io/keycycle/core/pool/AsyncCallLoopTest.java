package io.keycycle.core.pool;

import io.keycycle.core.KeycycleEvent;
import io.keycycle.core.Limits;
import io.keycycle.core.NoAvailableKeyException;
import io.keycycle.core.OutcomeKind;
import io.keycycle.core.ProviderHttpException;
import io.keycycle.core.ProviderResponse;
import io.keycycle.core.RateLimitException;
import io.keycycle.core.testing.ManualClock;
import io.keycycle.core.testing.TestPools;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** {@link KeyPool#callAsync}: the blocking loop's rules, without a thread held per call. */
class AsyncCallLoopTest {

    final ManualClock clock = ManualClock.at("2026-11-28T10:00:00Z");
    final List<KeycycleEvent> events = new CopyOnWriteArrayList<>();
    /** Completes stages on another thread, as an HTTP client would. */
    final Executor elsewhere = r -> new Thread(r, "fake-io").start();

    KeyPool pool(int keys, Limits limits) {
        return KeyPool.builder(TestPools.spec("groq")).keys(TestPools.keys("groq", keys)).limits(limits)
                .profile(TestPools.statusProfile("groq")).clock(clock).listener(events::add).build();
    }

    static Limits rpm(long n) { return new Limits(n, -1, -1, -1, -1, -1); }

    CompletableFuture<ProviderResponse> later(ProviderResponse r) { return CompletableFuture.supplyAsync(() -> r, elsewhere); }

    static Throwable failure(CompletableFuture<?> f) {
        try {
            f.get(5, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("completed normally: " + f.join());
    }

    /** An answer the caller gave up on. */
    record Cancelled(ProviderResponse response) implements ProviderAnswer {
        @Override public boolean cancelled() { return true; }
    }

    @Test
    void rotatesPast429sOnAnotherKeyEachTime() throws Exception {
        KeyPool p = pool(3, rpm(100));
        List<Integer> tried = new CopyOnWriteArrayList<>();
        ProviderResponse r = p.callAsync(CallOptions.of("m1", 10), key -> {
            tried.add(key.index());
            return later(tried.size() < 3 ? ProviderResponse.of(429, "{}", "retry-after", "7") : ProviderResponse.of(200, "{}"));
        }).get(5, TimeUnit.SECONDS);
        assertThat(r.status()).isEqualTo(200);
        assertThat(new HashSet<>(tried)).hasSize(3);
        assertThat(p.openLeases()).isZero();
        assertThat(events).filteredOn(KeycycleEvent.Settled.class::isInstance).extracting(e -> ((KeycycleEvent.Settled) e).outcome())
                .containsExactly(OutcomeKind.RATE_LIMITED, OutcomeKind.RATE_LIMITED, OutcomeKind.SUCCESS);
    }

    @Test
    void stopsAtMaxRetriesWithEveryAttemptAndTheLastCause() {
        KeyPool p = pool(5, rpm(100));
        Throwable t = failure(p.callAsync(CallOptions.of("m1", 10).maxRetries(2), key -> later(ProviderResponse.of(500, "boom"))));
        assertThat(t).isInstanceOfSatisfying(RateLimitException.class, e -> {
            assertThat(e.attempts()).hasSize(3);
            assertThat(e.lastOutcome().kind()).isEqualTo(OutcomeKind.TRANSIENT);
            assertThat(e.getCause()).isInstanceOf(ProviderHttpException.class);
            assertThat(e.getMessage()).contains("retries exhausted");
        });
    }

    @Test
    void anInvalidRequestIsNotRotated() {
        KeyPool p = pool(5, rpm(100));
        AtomicInteger calls = new AtomicInteger();
        Throwable t = failure(p.callAsync(CallOptions.of("m1", 10), key -> {
            calls.incrementAndGet();
            return later(ProviderResponse.of(400, "context too long"));
        }));
        assertThat(t).isInstanceOf(RateLimitException.class).hasMessageContaining("not retryable");
        assertThat(calls).hasValue(1);
    }

    @Test
    void aFailedStageIsClassifiedAndRotated() throws Exception {
        KeyPool p = pool(2, rpm(100));
        AtomicInteger calls = new AtomicInteger();
        String r = p.callAsync(CallOptions.of("m1", 0), key -> calls.getAndIncrement() == 0
                ? CompletableFuture.failedFuture(new java.net.ConnectException("refused"))
                : CompletableFuture.completedFuture("ok")).get(5, TimeUnit.SECONDS);
        assertThat(r).isEqualTo("ok");
        assertThat(calls).hasValue(2);
    }

    @Test
    void aCallThatThrowsInsteadOfReturningAStageCountsAsAFailedAttempt() throws Exception {
        KeyPool p = pool(2, rpm(100));
        AtomicInteger calls = new AtomicInteger();
        String r = p.callAsync(CallOptions.of("m1", 0), key -> {
            if (calls.getAndIncrement() == 0) throw new IllegalStateException("HTTP 503 Service Unavailable");
            return CompletableFuture.completedFuture("ok");
        }).get(5, TimeUnit.SECONDS);
        assertThat(r).isEqualTo("ok");
        assertThat(events).filteredOn(KeycycleEvent.Settled.class::isInstance).extracting(e -> ((KeycycleEvent.Settled) e).outcome())
                .containsExactly(OutcomeKind.TRANSIENT, OutcomeKind.SUCCESS);
    }

    @Test
    void noKeyAtAllFailsWithNoAvailableKeyAndNoAttempt() {
        KeyPool p = pool(1, rpm(0));
        AtomicInteger calls = new AtomicInteger();
        Throwable t = failure(p.callAsync(CallOptions.of("m1", 0), key -> {
            calls.incrementAndGet();
            return CompletableFuture.completedFuture("never");
        }));
        assertThat(t).isInstanceOf(NoAvailableKeyException.class);
        assertThat(calls).hasValue(0);
    }

    @Test
    void runningOutOfKeysAfterAttemptsIsARateLimitWithThoseAttempts() {
        KeyPool p = pool(2, rpm(100));
        Throwable t = failure(p.callAsync(CallOptions.of("m1", 0), key -> later(ProviderResponse.of(429, "{}", "retry-after", "30"))));
        assertThat(t).isInstanceOfSatisfying(RateLimitException.class, e -> {
            assertThat(e.attempts()).hasSize(2);
            assertThat(e.getMessage()).contains("no key left to try");
        });
    }

    @Test
    void aCancelledAnswerStaysCountedWithoutRotation() throws Exception {
        KeyPool p = pool(3, new Limits(-1, 100, -1, -1, -1, -1));
        AtomicInteger calls = new AtomicInteger();
        ProviderAnswer a = p.callAsync(CallOptions.of("m1", 40), key -> {
            calls.incrementAndGet();
            return CompletableFuture.supplyAsync(() -> (ProviderAnswer) new Cancelled(ProviderResponse.of(200, "{}")), elsewhere);
        }).get(5, TimeUnit.SECONDS);
        assertThat(a.cancelled()).isTrue();
        assertThat(calls).hasValue(1);
        assertThat(p.openLeases()).isZero();
        assertThat(p.snapshot().buckets()).as("cancelled after it was sent: the estimate stays charged")
                .flatMap(b -> b.usage()).filteredOn(u -> u.metric() == Limits.Metric.TPM)
                .extracting(PoolSnapshot.MetricUsage::used).containsExactly(40L);
    }

    @Test
    void cancellingTheFutureCancelsTheCallInFlightAndReleasesTheLease() {
        KeyPool p = pool(2, rpm(100));
        CompletableFuture<ProviderResponse> upstream = new CompletableFuture<>();
        CompletableFuture<ProviderResponse> f = p.callAsync(CallOptions.of("m1", 10), key -> upstream);
        assertThat(p.openLeases()).isEqualTo(1);
        f.cancel(true);
        assertThat(upstream).isCancelled();
        assertThat(p.openLeases()).isZero();
        assertThatThrownBy(f::join).isInstanceOf(CancellationException.class);
    }

    @Test
    void aPartialAnswerIsNeverRepeated() {
        KeyPool p = pool(3, rpm(100));
        AtomicInteger calls = new AtomicInteger();
        Throwable t = failure(p.callAsync(CallOptions.of("m1", 10), key -> {
            calls.incrementAndGet();
            return CompletableFuture.failedFuture(new PartialAnswerException("groq", new java.io.IOException("connection reset")));
        }));
        assertThat(t).isInstanceOfSatisfying(RateLimitException.class, e -> assertThat(e.answerStarted()).isTrue());
        assertThat(calls).hasValue(1);
    }

    @Test
    void waitingForAKeyIsATimerTaskAtTheComputedInstantNotAParkedThread() throws Exception {
        KeyPool p = pool(1, rpm(100));
        AtomicInteger calls = new AtomicInteger();
        CompletableFuture<ProviderResponse> f = p.callAsync(CallOptions.of("m1", 10).waiting(true).timeout(Duration.ofMinutes(2)),
                key -> CompletableFuture.completedFuture(calls.incrementAndGet() == 1
                        ? ProviderResponse.of(429, "{}", "retry-after", "20") : ProviderResponse.of(200, "{}")));
        assertThat(f).isNotDone();
        assertThat(p.timer().pending()).isEqualTo(1);
        await().atMost(5, TimeUnit.SECONDS).until(() -> clock.parkedCount() == 1);
        assertThat(clock.earliestDeadline()).isEqualTo(clock.millis() + 20_000);
        clock.advance(Duration.ofSeconds(19));
        assertThat(f).isNotDone();
        clock.advance(Duration.ofSeconds(1));
        assertThat(f.get(5, TimeUnit.SECONDS).status()).isEqualTo(200);
        assertThat(calls).hasValue(2);
    }

    @Test
    void aWaitPastTheDeadlineFailsAtOnce() {
        KeyPool p = pool(1, rpm(100));
        CompletableFuture<ProviderResponse> f = p.callAsync(CallOptions.of("m1", 10).waiting(true).timeout(Duration.ofSeconds(10)),
                key -> CompletableFuture.completedFuture(ProviderResponse.of(429, "{}", "retry-after", "20")));
        assertThat(f).isCompletedExceptionally();
        assertThat(failure(f)).isInstanceOfSatisfying(RateLimitException.class, e -> assertThat(e.attempts()).hasSize(1));
    }

    @Test
    void admissionErrorsCompleteTheFuture() {
        KeyPool p = pool(2, rpm(100));
        assertThat(failure(p.callAsync(CallOptions.of("m1", 0).pinned("9"), key -> CompletableFuture.completedFuture("x"))))
                .isInstanceOf(io.keycycle.core.KeyNotFoundException.class);
    }

    @Test
    void manyConcurrentCallsSettleEveryLease() {
        KeyPool p = pool(4, rpm(10_000));
        List<CompletableFuture<ProviderResponse>> all = new ArrayList<>();
        AtomicInteger n = new AtomicInteger();
        for (int i = 0; i < 200; i++) {
            all.add(p.callAsync(CallOptions.of("m1", 5), key -> later(n.incrementAndGet() % 5 == 0
                    ? ProviderResponse.of(500, "x") : ProviderResponse.of(200, "{}"))));
        }
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).exceptionally(t -> null).join();
        assertThat(all).allSatisfy(f -> assertThat(f.join().status()).isEqualTo(200));
        assertThat(p.openLeases()).isZero();
    }
}
