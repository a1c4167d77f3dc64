package io.keycycle.core.pool;

import io.keycycle.core.KeycycleEvent;
import io.keycycle.core.Limits;
import io.keycycle.core.NoAvailableKeyException;
import io.keycycle.core.ProviderResponse;
import io.keycycle.core.testing.ManualClock;
import io.keycycle.core.testing.TestPools;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Non-blocking calls that wait for a key ({@link KeyPool#callAsync} with {@code waiting(true)}, the
 * gateway's {@code wait-for-key}) wait first come, first served, in one queue with the blocking
 * callers. Until 2026-12-06 each retried at its own computed instant: a later, smaller request took
 * capacity an earlier, larger one was waiting for, again and again, and every refused retry
 * published a {@code Rejected} event, also for calls that were then served.
 */
class AsyncWaitQueueTest {

    final ManualClock clock = ManualClock.at("2026-12-06T10:00:00Z");
    final List<KeycycleEvent> events = new CopyOnWriteArrayList<>();
    final List<String> served = new CopyOnWriteArrayList<>();

    KeyPool pool(Limits limits) {
        return KeyPool.builder(TestPools.spec("groq")).keys(TestPools.keys("groq", 1)).limits(limits)
                .profile(TestPools.statusProfile("groq")).clock(clock).listener(events::add).build();
    }

    static Limits tpm(long n) { return new Limits(-1, -1, -1, n, -1, -1); }

    static Limits rpm(long n) { return new Limits(n, -1, -1, -1, -1, -1); }

    /** A call named {@code name} reserving {@code tokens}, waiting up to {@code wait}; records when it is served. */
    CompletableFuture<ProviderResponse> call(KeyPool p, String name, long tokens, Duration wait) {
        CallOptions o = CallOptions.of("m1", tokens);
        if (wait != null) o = o.waiting(true).timeout(wait);
        return p.callAsync(o, key -> {
            served.add(name);
            return CompletableFuture.completedFuture(ProviderResponse.of(200, "{}"));
        });
    }

    void advance(Duration d) {
        clock.advance(d);
        await().atMost(5, TimeUnit.SECONDS).until(() -> clock.parkedCount() >= 1); // the timer ran what was due and sleeps again
    }

    /** 500 tokens, 30 s later 500 more: 100 fit again 30 s after, 900 a minute after. */
    void fillTheMinuteInTwoHalves(KeyPool p) throws Exception {
        call(p, "early half", 500, null).get(5, TimeUnit.SECONDS);
        clock.advance(Duration.ofSeconds(30));
        call(p, "late half", 500, null).get(5, TimeUnit.SECONDS);
    }

    @Test
    void aLargerRequestWaitingFirstIsNotOvertakenBySmallerOnesArrivingAfterIt() throws Exception {
        KeyPool p = pool(tpm(1_000));
        fillTheMinuteInTwoHalves(p);
        CompletableFuture<ProviderResponse> large = call(p, "large", 900, Duration.ofMinutes(5));
        CompletableFuture<ProviderResponse> small = call(p, "small", 100, Duration.ofMinutes(5));
        assertThat(large).isNotDone();
        assertThat(small).isNotDone();
        await().atMost(5, TimeUnit.SECONDS).until(() -> clock.parkedCount() >= 1);

        for (int i = 0; i < 12 && !small.isDone(); i++) advance(Duration.ofSeconds(10));
        assertThat(large.get(5, TimeUnit.SECONDS).status()).isEqualTo(200);
        assertThat(small.get(5, TimeUnit.SECONDS).status()).isEqualTo(200);
        assertThat(served).containsExactly("early half", "late half", "large", "small");
        assertThat(p.openLeases()).isZero();
    }

    @Test
    void aWaiterWhoseTurnDoesNotComeGivesUpAtItsDeadlineWithThePoolsRefusal() throws Exception {
        KeyPool p = pool(tpm(1_000));
        fillTheMinuteInTwoHalves(p);
        CompletableFuture<ProviderResponse> large = call(p, "large", 900, Duration.ofMinutes(5));
        // alone it would fit in 30 s; behind the large one its turn comes after its 45-s deadline
        CompletableFuture<ProviderResponse> small = call(p, "small", 100, Duration.ofSeconds(45));
        for (int i = 0; i < 6 && !small.isDone(); i++) advance(Duration.ofSeconds(10));
        try {
            small.get(5, TimeUnit.SECONDS);
            throw new AssertionError("served: " + served);
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(NoAvailableKeyException.class);
        }
        assertThat(large).isNotDone();
        for (int i = 0; i < 6 && !large.isDone(); i++) advance(Duration.ofSeconds(10));
        assertThat(large.get(5, TimeUnit.SECONDS).status()).isEqualTo(200);
        assertThat(served).containsExactly("early half", "late half", "large");
    }

    @Test
    void manyWaitersFromManyThreadsAreEachServedOnceWithinTheLimitsAndNoneIsForgotten() throws Exception {
        KeyPool p = KeyPool.builder(TestPools.spec("groq")).keys(TestPools.keys("groq", 2)).limits(rpm(5))
                .profile(TestPools.statusProfile("groq")).clock(clock).listener(events::add).build();
        java.util.concurrent.ExecutorService io = java.util.concurrent.Executors.newFixedThreadPool(4);
        List<long[]> sent = new CopyOnWriteArrayList<>(); // {engine millis, key index}
        List<CompletableFuture<ProviderResponse>> all = new CopyOnWriteArrayList<>();
        java.util.concurrent.CountDownLatch submitted = new java.util.concurrent.CountDownLatch(4);
        try {
            for (int t = 0; t < 4; t++) {
                io.execute(() -> {
                    for (int i = 0; i < 15; i++) {
                        all.add(p.callAsync(CallOptions.of("m1", 10).waiting(true).timeout(Duration.ofHours(1)), key -> {
                            sent.add(new long[]{clock.millis(), key.index()});
                            return CompletableFuture.supplyAsync(() -> ProviderResponse.of(200, "{}"), io);
                        }));
                    }
                    submitted.countDown();
                });
            }
            assertThat(submitted.await(10, TimeUnit.SECONDS)).isTrue();
            long start = clock.millis();
            while (all.stream().anyMatch(f -> !f.isDone()) && clock.millis() - start < Duration.ofMinutes(20).toMillis()) {
                Thread.sleep(5);
                advance(Duration.ofSeconds(5));
            }
            for (CompletableFuture<ProviderResponse> f : all) assertThat(f.get(5, TimeUnit.SECONDS).status()).isEqualTo(200);
            assertThat(sent).as("each call sent once: no try ran beside another").hasSize(60);
            assertThat(clock.millis() - start).as("10 a minute over two keys: about 6 minutes, no waiter forgotten until its deadline")
                    .isLessThanOrEqualTo(Duration.ofMinutes(8).toMillis());
            for (long[] a : sent) {
                long inWindow = sent.stream().filter(b -> b[1] == a[1] && b[0] > a[0] - 60_000 && b[0] <= a[0]).count();
                assertThat(inWindow).as("requests of key %d in the minute up to %d", a[1], a[0]).isLessThanOrEqualTo(5);
            }
            assertThat(p.openLeases()).isZero();
            assertThat(events).filteredOn(KeycycleEvent.Rejected.class::isInstance).isEmpty();
        } finally {
            io.shutdownNow();
        }
    }

    @Test
    void waitersAreServedInTheOrderTheyCame() throws Exception {
        KeyPool p = pool(rpm(1));
        call(p, "first", 10, null).get(5, TimeUnit.SECONDS);
        List<CompletableFuture<ProviderResponse>> waiting = new java.util.ArrayList<>();
        for (String name : new String[]{"a", "b", "c", "d"}) {
            waiting.add(call(p, name, 10, Duration.ofMinutes(10)));
            clock.advance(Duration.ofSeconds(1));
        }
        for (int i = 0; i < 40 && !waiting.get(3).isDone(); i++) advance(Duration.ofSeconds(15));
        for (CompletableFuture<ProviderResponse> f : waiting) assertThat(f.get(5, TimeUnit.SECONDS).status()).isEqualTo(200);
        assertThat(served).containsExactly("first", "a", "b", "c", "d");
    }

    @Test
    void aCallerThatGivesUpLeavesTheQueueAtOnceAndTheNextInLineMovesUp() throws Exception {
        KeyPool p = pool(rpm(1));
        call(p, "first", 10, null).get(5, TimeUnit.SECONDS);
        CompletableFuture<ProviderResponse> head = call(p, "head", 10, Duration.ofMinutes(10));
        CompletableFuture<ProviderResponse> next = call(p, "next", 10, Duration.ofMinutes(10));
        head.cancel(true);
        for (int i = 0; i < 12 && !next.isDone(); i++) advance(Duration.ofSeconds(10));
        assertThat(next.get(5, TimeUnit.SECONDS).status()).isEqualTo(200);
        assertThat(served).containsExactly("first", "next");
        assertThat(clock.millis() - ManualClock.at("2026-12-06T10:00:00Z").millis())
                .as("served when the key freed up (a minute), not at the cancelled head's deadline (10 minutes)")
                .isLessThanOrEqualTo(Duration.ofSeconds(70).toMillis());
    }

    @Test
    void aCallServedAfterWaitingPublishesOneWaitedEventAndNoRejection() throws Exception {
        KeyPool p = pool(rpm(1));
        call(p, "first", 10, null).get(5, TimeUnit.SECONDS);
        CompletableFuture<ProviderResponse> f = call(p, "waiter", 10, Duration.ofMinutes(5));
        for (int i = 0; i < 12 && !f.isDone(); i++) advance(Duration.ofSeconds(10));
        assertThat(f.get(5, TimeUnit.SECONDS).status()).isEqualTo(200);
        assertThat(events).filteredOn(KeycycleEvent.Rejected.class::isInstance).isEmpty();
        assertThat(events).filteredOn(KeycycleEvent.Waited.class::isInstance).hasSize(1)
                .allSatisfy(e -> assertThat(((KeycycleEvent.Waited) e).served()).isTrue());
    }

    @Test
    void aWaiterBehindTheFirstGivesUpAtItsDeadlineWithTheRefusalAndOneRejection() throws Exception {
        KeyPool p = pool(rpm(1));
        call(p, "first", 10, null).get(5, TimeUnit.SECONDS);
        CompletableFuture<ProviderResponse> head = call(p, "head", 10, Duration.ofMinutes(5));
        CompletableFuture<ProviderResponse> behind = call(p, "behind", 10, Duration.ofSeconds(90));
        for (int i = 0; i < 12 && !behind.isDone(); i++) advance(Duration.ofSeconds(10));
        assertThat(head.get(5, TimeUnit.SECONDS).status()).isEqualTo(200);
        try {
            behind.get(5, TimeUnit.SECONDS);
            throw new AssertionError("served: " + served);
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(NoAvailableKeyException.class);
            assertThat(((NoAvailableKeyException) e.getCause()).retryAt()).isNotNull();
        }
        assertThat(served).containsExactly("first", "head");
        assertThat(events).filteredOn(KeycycleEvent.Rejected.class::isInstance).hasSize(1);
        assertThat(events).filteredOn(KeycycleEvent.Waited.class::isInstance)
                .extracting(e -> ((KeycycleEvent.Waited) e).served()).containsExactlyInAnyOrder(true, false);
    }
}
