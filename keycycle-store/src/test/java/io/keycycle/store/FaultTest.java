package io.keycycle.store;

import io.keycycle.store.testing.DatabaseTest;
import io.keycycle.core.testing.TcpProxy;
import io.keycycle.store.testing.TestDatabase;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.LongStream;

import static io.keycycle.store.Events.FP_A;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Faults against the real MariaDB server, never stopping it: connections killed from another
 * session, and an outage simulated by cutting a TCP proxy. Afterwards every event must be in the
 * database exactly once and in order, and {@code onEvent} must never have waited for the database.
 */
class FaultTest {

    private static final Instant T0 = Instant.parse("2026-03-01T00:00:00Z");
    /** Outage length; raise it (e.g. -Dkeycycle.test.outageSeconds=35) for the long manual run. */
    private static final Duration OUTAGE = Duration.ofSeconds(Long.getLong("keycycle.test.outageSeconds", 3));
    /**
     * Far below what onEvent could have waited for had it touched the database (a 1 s connection
     * timeout, a 3 s outage), and above scheduler and GC noise on a shared two-core machine (317 ms seen at load 9.5).
     */
    private static final Duration MAX_ON_EVENT = Duration.ofMillis(500);

    private long maxOnEventNanos;
    private long next;

    private void emit(KeycycleStore store, int count) {
        for (int i = 0; i < count; i++) emitOne(store);
    }

    private void emitOne(KeycycleStore store) {
        long index = next++;
        var event = Events.settled(T0.plusMillis(index * 10), "groq", FP_A, "llama-3.1-8b-instant", index, 100);
        long t = System.nanoTime();
        store.onEvent(event);
        maxOnEventNanos = Math.max(maxOnEventNanos, System.nanoTime() - t);
    }

    private void assertEverythingOnceInOrder(TestDatabase db) throws Exception {
        System.out.printf("FaultTest: %d events, slowest onEvent %.3f ms%n", next, maxOnEventNanos / 1e6);
        assertThat(Events.promptTokensInInsertOrder(db::connect))
                .containsExactlyElementsOf(LongStream.range(0, next).boxed().toList());
        assertThat(Events.count(db::connect, "SELECT SUM(requests) FROM keycycle_usage_minute")).isEqualTo(next);
        assertThat(Events.count(db::connect, "SELECT SUM(tokens) FROM keycycle_usage_minute")).isEqualTo(next * 100);
        assertThat(Duration.ofNanos(maxOnEventNanos)).as("slowest onEvent").isLessThan(MAX_ON_EVENT);
    }

    @DatabaseTest(TestDatabase.Kind.MARIADB)
    void killingTheWritersConnectionsMidLoadLosesAndDuplicatesNothing(TestDatabase db) throws Exception {
        KeycycleStore store = db.open(db.config().batchSize(50).build());
        int kills = 0;
        for (int round = 1; round <= 3; round++) {
            emit(store, 4_000);
            long threshold = next - 3_000;
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(1))
                    .until(() -> store.health().eventsWritten() >= threshold);
            kills += db.killConnections();
        }
        emit(store, 1_000);
        assertThat(store.flush(Duration.ofSeconds(60))).isTrue();
        assertThat(kills).isPositive();
        assertEverythingOnceInOrder(db);
        assertThat(store.health().lastError()).isNotNull();
        assertThat(store.ping()).isTrue();
    }

    @DatabaseTest(TestDatabase.Kind.MARIADB)
    void anOutageIsJournaledAndReplayedInOrderExactlyOnce(TestDatabase db) throws Exception {
        TcpProxy proxy = db.proxy();
        KeycycleStore store = db.open(db.config(db.urlVia("127.0.0.1", proxy.port())).build());
        emit(store, 1_000);
        assertThat(store.flush(Duration.ofSeconds(20))).isTrue();

        proxy.stop();
        long outageEnd = System.nanoTime() + OUTAGE.toNanos();
        while (System.nanoTime() < outageEnd) { // traffic continues through the outage, ~1 event/ms
            emitOne(store);
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
        StoreHealth during = store.health();
        assertThat(during.journaling()).isTrue();
        assertThat(during.journalEvents()).isPositive();
        assertThat(store.ping()).isFalse();
        assertThat(store.flush(Duration.ofMillis(50))).isFalse();

        proxy.start();
        emit(store, 1_000);
        assertThat(store.flush(Duration.ofSeconds(60))).isTrue();
        await().atMost(Duration.ofSeconds(10)).until(() -> store.health().healthy());
        assertEverythingOnceInOrder(db);
        assertThat(store.health().eventsSpilled()).isGreaterThanOrEqualTo(during.journalEvents());
        assertThat(store.health().lastError()).doesNotContain("password");
    }
}
