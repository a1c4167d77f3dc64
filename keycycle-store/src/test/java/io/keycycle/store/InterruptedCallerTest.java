package io.keycycle.store;

import io.keycycle.store.testing.DatabaseTest;
import io.keycycle.store.testing.TestDatabase;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;

import static io.keycycle.store.Events.FP_A;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A library caller's thread can carry its interrupt flag into the store (a future cancelled with
 * {@code cancel(true)} while its call settled, an executor shut down with {@code shutdownNow}). The
 * event is still appended to its write-ahead file, or to the journal while the store spills, and the
 * files stay usable for every thread after it. The write-ahead file was once written through a
 * {@code FileChannel}, which an interrupt closes: that event failed and so did every later one of its
 * stripe, which lost its crash safety until a restart (the first test failed so). The journal's
 * stream ({@code Files.newOutputStream}) is not interruptible; the second test keeps it so.
 */
class InterruptedCallerTest {

    private static final Instant T0 = Instant.parse("2026-03-01T12:00:00Z");

    /** Offers events {@code from..to-1} (their prompt tokens) from a new thread whose interrupt flag is set. */
    private static void offerInterrupted(KeycycleStore store, int from, int to) throws InterruptedException {
        AtomicInteger stillInterrupted = new AtomicInteger();
        Thread t = new Thread(() -> {
            Thread.currentThread().interrupt();
            for (int i = from; i < to; i++) store.onEvent(Events.settled(T0.plusMillis(i), "groq", FP_A, "m", i, 10));
            if (Thread.currentThread().isInterrupted()) stillInterrupted.incrementAndGet();
        });
        t.start();
        t.join();
        assertThat(stillInterrupted.get()).as("the caller's interrupt flag is left as it was").isEqualTo(1);
    }

    @DatabaseTest(TestDatabase.Kind.SQLITE)
    void anInterruptedCallersEventsAreWrittenAheadAndTheStripeGoesOn(TestDatabase db) throws Exception {
        KeycycleStore store = db.open(db.config().batchInterval(Duration.ofSeconds(2)).build());
        try (AutoCloseable lock = db.holdWriteLock()) {
            offerInterrupted(store, 0, 5);
            for (int i = 5; i < 10; i++) store.onEvent(Events.settled(T0.plusMillis(i), "groq", FP_A, "m", i, 10));
            assertThat(store.health().lastError()).as("no append failed").isNull();
        }
        assertThat(store.flush(Duration.ofSeconds(20))).isTrue();
        assertThat(Events.count(db::connect, "SELECT COUNT(*) FROM keycycle_usage")).isEqualTo(10);
        store.close();
    }

    @DatabaseTest(TestDatabase.Kind.SQLITE)
    void anInterruptedCallersEventsGoToTheJournalWhileTheStoreSpills(TestDatabase db) throws Exception {
        KeycycleStore store = db.open(db.config().connectionTimeout(Duration.ofSeconds(5)).queueCapacity(2).batchSize(2).build());
        StoreHealth during;
        try (AutoCloseable lock = db.holdWriteLock()) {
            for (int i = 0; i < 10; i++) store.onEvent(Events.settled(T0.plusMillis(i), "groq", FP_A, "m", i, 10));
            offerInterrupted(store, 10, 20);
            for (int i = 20; i < 25; i++) store.onEvent(Events.settled(T0.plusMillis(i), "groq", FP_A, "m", i, 10));
            during = store.health();
        }
        assertThat(during.eventsSpilled()).as("the store spilled").isPositive();
        assertThat(during.memoryEvents()).as("nothing waits in memory: the journal took every event").isZero();
        assertThat(during.lastError()).as("no append failed").isNull();
        assertThat(store.flush(Duration.ofSeconds(30))).isTrue();
        assertThat(Events.count(db::connect, "SELECT COUNT(*) FROM keycycle_usage")).isEqualTo(25);
        store.close();
    }
}
