package io.keycycle.store;

import io.keycycle.core.KeyState;
import io.keycycle.core.KeycycleEvent;
import io.keycycle.core.OutcomeKind;
import io.keycycle.store.testing.DatabaseTest;
import io.keycycle.store.testing.TestDatabase;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.LongStream;

import static io.keycycle.store.Events.FP_A;
import static io.keycycle.store.Events.FP_B;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class WriterTest {

    private static final Instant T0 = Instant.parse("2026-03-01T12:00:00Z");

    @DatabaseTest
    void eventsAreWrittenExactlyOnceInOrderWithTheirMinuteAggregate(TestDatabase db) throws Exception {
        KeycycleStore store = db.open();
        int n = 1_234;
        for (int i = 0; i < n; i++) {
            store.onEvent(Events.settled(T0.plusMillis(i * 100L), "groq", i % 2 == 0 ? FP_A : FP_B, "llama-3.3-70b-versatile", i, 1_000 + i));
        }
        store.onEvent(new KeycycleEvent.Admitted(T0, "groq", "s", FP_A, "m", 10, 1)); // ignored
        store.onEvent(Events.failed(T0, "groq", FP_A, "llama-3.3-70b-versatile", OutcomeKind.KEY_INVALID, 401));
        assertThat(store.flush(Duration.ofSeconds(20))).isTrue();

        List<Long> order = Events.promptTokensInInsertOrder(db::connect);
        assertThat(order).hasSize(n + 1);
        assertThat(order.subList(0, n)).containsExactlyElementsOf(LongStream.range(0, n).boxed().toList());
        assertThat(Events.count(db::connect, "SELECT COUNT(DISTINCT event_id) FROM keycycle_usage")).isEqualTo(n + 1);
        assertThat(Events.count(db::connect, "SELECT SUM(requests) FROM keycycle_usage_minute")).isEqualTo(n);
        long tokens = LongStream.range(0, n).map(i -> 1_000 + i).sum();
        assertThat(Events.count(db::connect, "SELECT SUM(tokens) FROM keycycle_usage_minute")).isEqualTo(tokens);
        // 1,234 events 100 ms apart span 3 minutes; 2 keys.
        assertThat(Events.count(db::connect, "SELECT COUNT(*) FROM keycycle_usage_minute")).isEqualTo(6);
        assertThat(Events.count(db::connect, "SELECT COUNT(*) FROM keycycle_usage WHERE outcome = 'KEY_INVALID' AND requests = 0 AND status = 401")).isEqualTo(1);
        // Ordering never relies on ids: (ts, event_id) gives the same order here.
        assertThat(Events.longs(db::connect, "SELECT prompt_tokens FROM keycycle_usage WHERE requests = 1 ORDER BY ts, event_id"))
                .containsExactlyElementsOf(order.subList(0, n));
        assertThat(store.health().eventsWritten()).isEqualTo(n + 1);
        assertThat(store.health().healthy()).isTrue();
        // only SQLite has a WAL checkpointer (the MySQL family checkpoints on its own)
        if (db.kind() == TestDatabase.Kind.SQLITE) assertThat(store.walCheckpoints()).isNotNull();
        else assertThat(store.walCheckpoints()).isNull();
    }

    @DatabaseTest
    void replayingACommittedBatchCountsNothingTwice(TestDatabase db) throws Exception {
        KeycycleStore store = db.open();
        BatchWriter writer = new BatchWriter(dataSourceOf(db), db.kind() == TestDatabase.Kind.SQLITE ? Dialect.SQLITE : Dialect.MYSQL);
        List<StoredEvent> batch = LongStream.range(1, 11).mapToObj(i -> (StoredEvent) new StoredEvent.Usage(i,
                StoredEvent.eventId(i, 7), "groq", "s", FP_A, "m", T0.toEpochMilli() + i, 1, 1, 1, 2, "SUCCESS", 200)).toList();
        assertThat(writer.write(batch).inserted()).isEqualTo(10);
        BatchWriter.Result again = writer.write(batch);
        assertThat(again.inserted()).isZero();
        assertThat(again.duplicates()).isEqualTo(10);
        assertThat(Events.count(db::connect, "SELECT SUM(requests) FROM keycycle_usage_minute")).isEqualTo(10);
        assertThat(Events.count(db::connect, "SELECT COUNT(*) FROM keycycle_usage")).isEqualTo(10);
        store.close();
    }

    @DatabaseTest
    void aBatchPartlyCommittedBeforeCountsOnlyItsNewRows(TestDatabase db) throws Exception {
        KeycycleStore store = db.open();
        BatchWriter writer = new BatchWriter(dataSourceOf(db), db.kind() == TestDatabase.Kind.SQLITE ? Dialect.SQLITE : Dialect.MYSQL);
        java.util.function.LongFunction<StoredEvent> usage = i -> new StoredEvent.Usage(i, StoredEvent.eventId(i, 7), "groq", "s",
                FP_A, "m", T0.toEpochMilli() + i, 1, 1, 1, 2, "SUCCESS", 200);
        assertThat(writer.write(LongStream.range(1, 11).mapToObj(usage).toList()).inserted()).isEqualTo(10);
        // events 6..10 were committed before (acknowledgement lost), 11..15 are new
        BatchWriter.Result mixed = writer.write(LongStream.range(6, 16).mapToObj(usage).toList());
        assertThat(mixed.inserted()).isEqualTo(5);
        assertThat(mixed.duplicates()).isEqualTo(5);
        assertThat(Events.count(db::connect, "SELECT COUNT(*) FROM keycycle_usage")).isEqualTo(15);
        assertThat(Events.count(db::connect, "SELECT SUM(requests) FROM keycycle_usage_minute")).isEqualTo(15);
        assertThat(Events.count(db::connect, "SELECT SUM(tokens) FROM keycycle_usage_minute")).isEqualTo(30);
        assertThat(Events.count(db::connect, "SELECT SUM(calls) FROM keycycle_outcome_minute")).isEqualTo(15);
        store.close();
    }

    @DatabaseTest
    void aBatchOfManySlicesIsStillOneTransaction(TestDatabase db) throws Exception {
        KeycycleStore store = db.open();
        BatchWriter writer = new BatchWriter(dataSourceOf(db), db.kind() == TestDatabase.Kind.SQLITE ? Dialect.SQLITE : Dialect.MYSQL);
        int n = BatchWriter.SLICE_ROWS * 3 + 5;
        // one event per minute: the per-minute upserts run in slices too
        java.util.function.LongFunction<StoredEvent> usage = i -> new StoredEvent.Usage(i, StoredEvent.eventId(i, 7), "groq", "s",
                FP_A, "m", T0.toEpochMilli() + i * 60_000L, 1, 1, 1, 2, "SUCCESS", 200);
        // a row that breaks a NOT NULL column in the last slice: the slices before it are rolled back with it
        List<StoredEvent> broken = new java.util.ArrayList<>(LongStream.rangeClosed(1, n).mapToObj(usage).toList());
        broken.set(n - 2, new StoredEvent.Usage(n - 1, StoredEvent.eventId(n - 1, 7), "groq", "s", FP_A, null,
                T0.toEpochMilli(), 1, 1, 1, 2, "SUCCESS", 200));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> writer.write(broken)).isInstanceOf(java.sql.SQLException.class);
        assertThat(Events.count(db::connect, "SELECT COUNT(*) FROM keycycle_usage")).isZero();
        assertThat(Events.count(db::connect, "SELECT COUNT(*) FROM keycycle_usage_minute")).isZero();

        // events in the second slice were committed before (acknowledgement lost): only the others count
        assertThat(writer.write(LongStream.rangeClosed(BatchWriter.SLICE_ROWS + 1, BatchWriter.SLICE_ROWS + 10).mapToObj(usage).toList())
                .inserted()).isEqualTo(10);
        BatchWriter.Result all = writer.write(LongStream.rangeClosed(1, n).mapToObj(usage).toList());
        assertThat(all.inserted()).isEqualTo(n - 10);
        assertThat(all.duplicates()).isEqualTo(10);
        assertThat(Events.count(db::connect, "SELECT COUNT(*) FROM keycycle_usage")).isEqualTo(n);
        assertThat(Events.count(db::connect, "SELECT COUNT(*) FROM keycycle_usage_minute")).isEqualTo(n);
        assertThat(Events.count(db::connect, "SELECT SUM(requests) FROM keycycle_usage_minute")).isEqualTo(n);
        assertThat(Events.count(db::connect, "SELECT SUM(calls) FROM keycycle_outcome_minute")).isEqualTo(n);
        store.close();
    }

    @Test
    void statementsComeInAFewFixedSizes() {
        assertThat(java.util.stream.IntStream.of(1, 2, 3, 4, 5, 9, 16, 17, 32, 33, 499, 500).map(BatchWriter::shape).toArray())
                .containsExactly(1, 2, 4, 4, 8, 16, 16, 32, 32, 48, 512, 512);
        assertThat(java.util.stream.IntStream.rangeClosed(1, StoreConfig.MAX_BATCH).map(BatchWriter::shape).distinct().count())
                .isEqualTo(5 + 31); // 1..16 as powers of two, then 32..512 by 16
    }

    /**
     * Rows that fill a statement up to its fixed size repeat a real row in a way that changes
     * nothing: the counts, the sums, the states and the history hold the real rows only, and a
     * replay of the batch is all duplicates.
     */
    @DatabaseTest
    void thePaddingOfAStatementChangesNothing(TestDatabase db) throws Exception {
        KeycycleStore store = db.open();
        BatchWriter writer = new BatchWriter(dataSourceOf(db), db.kind() == TestDatabase.Kind.SQLITE ? Dialect.SQLITE : Dialect.MYSQL);
        List<StoredEvent> batch = new java.util.ArrayList<>();
        long t = T0.toEpochMilli();
        for (long i = 1; i <= 17; i++) { // 17 usage rows: a statement of 32; 3 keys in one minute: a statement of 4
            batch.add(new StoredEvent.Usage(i, StoredEvent.eventId(i, 9), "groq", "s", i % 3 == 0 ? FP_A : i % 3 == 1 ? FP_B : "fp-c",
                    "m", t + i, 1, 10, 5, 15, "SUCCESS", 200));
        }
        for (long i = 18; i <= 20; i++) { // 3 states of 3 keys, 3 history rows: statements of 4
            batch.add(new StoredEvent.State(i, StoredEvent.eventId(i, 9), "groq", "key", "fp-" + i, "s", "fp-" + i, "",
                    "COOLDOWN", t + 60_000, "429", t + i));
        }
        for (long i = 21; i <= 23; i++) { // 3 fallbacks: a statement of 4
            batch.add(new StoredEvent.Fallback(i, StoredEvent.eventId(i, 9), t + i, "fast", "groq", "m", "cerebras", "m2"));
        }
        BatchWriter.Result r = writer.write(batch);
        assertThat(r.inserted()).isEqualTo(17);
        assertThat(r.duplicates()).isZero();
        assertThat(r.states()).isEqualTo(3);
        assertThat(Events.count(db::connect, "SELECT COUNT(*) FROM keycycle_usage")).isEqualTo(17);
        assertThat(Events.count(db::connect, "SELECT COUNT(*) FROM keycycle_usage_minute")).isEqualTo(3);
        assertThat(Events.count(db::connect, "SELECT SUM(requests) FROM keycycle_usage_minute")).isEqualTo(17);
        assertThat(Events.count(db::connect, "SELECT SUM(tokens) FROM keycycle_usage_minute")).isEqualTo(17 * 15);
        assertThat(Events.count(db::connect, "SELECT SUM(calls) FROM keycycle_outcome_minute")).isEqualTo(17);
        assertThat(Events.count(db::connect, "SELECT COUNT(*) FROM keycycle_key_state WHERE state = 'COOLDOWN'")).isEqualTo(3);
        assertThat(Events.count(db::connect, "SELECT COUNT(*) FROM keycycle_state_history")).isEqualTo(3);
        assertThat(Events.count(db::connect, "SELECT COUNT(*) FROM keycycle_fallback")).isEqualTo(3);

        BatchWriter.Result again = writer.write(batch);
        assertThat(again.inserted()).isZero();
        assertThat(again.duplicates()).isEqualTo(17);
        assertThat(Events.count(db::connect, "SELECT SUM(requests) FROM keycycle_usage_minute")).isEqualTo(17);
        assertThat(Events.count(db::connect, "SELECT COUNT(*) FROM keycycle_state_history")).isEqualTo(3);
        assertThat(Events.count(db::connect, "SELECT COUNT(*) FROM keycycle_fallback")).isEqualTo(3);
        store.close();
    }

    @DatabaseTest
    void theNewestStateWinsEvenWhenAnOlderOneArrivesLate(TestDatabase db) throws Exception {
        KeycycleStore store = db.open();
        store.onEvent(Events.keyState(T0, "groq", FP_A, KeyState.DISABLED, null, "401 invalid_api_key"));
        store.onEvent(Events.keyState(T0.plusSeconds(60), "groq", FP_A, KeyState.READY, null, "re-enabled"));
        store.onEvent(Events.keyState(T0.plusSeconds(30), "groq", FP_A, KeyState.DISABLED, null, "late replay"));
        assertThat(store.flush(Duration.ofSeconds(10))).isTrue();
        assertThat(Events.count(db::connect, "SELECT COUNT(*) FROM keycycle_key_state")).isEqualTo(1);
        try (var c = db.connect(); var rs = c.createStatement().executeQuery("SELECT state, reason, updated_at FROM keycycle_key_state")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo("READY");
            assertThat(rs.getString(2)).isEqualTo("re-enabled");
            assertThat(rs.getLong(3)).isEqualTo(T0.plusSeconds(60).toEpochMilli());
        }
        // Separate batches too: an older state written later does not override.
        store.onEvent(Events.keyState(T0.plusSeconds(10), "groq", FP_A, KeyState.DISABLED, null, "older"));
        assertThat(store.flush(Duration.ofSeconds(10))).isTrue();
        assertThat(Events.count(db::connect, "SELECT COUNT(*) FROM keycycle_key_state WHERE state = 'READY'")).isEqualTo(1);
    }

    @DatabaseTest
    void aFullQueueSpillsToTheJournalAndNothingIsLost(TestDatabase db) throws Exception {
        KeycycleStore store = db.open(db.config().queueCapacity(50).batchSize(20).build());
        int n = 600;
        long maxNanos = 0;
        try (AutoCloseable lock = db.holdWriteLock()) {
            for (int i = 0; i < n; i++) {
                long t = System.nanoTime();
                store.onEvent(Events.settled(T0.plusMillis(i), "cerebras", FP_A, "gpt-oss-120b", i, 10));
                maxNanos = Math.max(maxNanos, System.nanoTime() - t);
            }
            StoreHealth h = store.health();
            assertThat(h.journaling()).isTrue();
            assertThat(h.eventsSpilled()).isGreaterThanOrEqualTo(n - 50 - 20);
            assertThat(h.journalEvents()).isPositive();
            assertThat(Files.list(store.journalDir()).anyMatch(p -> p.getFileName().toString().startsWith("seg-"))).isTrue();
        }
        assertThat(store.flush(Duration.ofSeconds(30))).isTrue();
        assertThat(Events.promptTokensInInsertOrder(db::connect)).containsExactlyElementsOf(LongStream.range(0, n).boxed().toList());
        await().atMost(Duration.ofSeconds(5)).until(() -> !store.health().journaling());
        assertThat(store.health().journalEvents()).isZero();
        assertThat(Files.list(store.journalDir()).noneMatch(p -> p.getFileName().toString().startsWith("seg-"))).isTrue();
        assertThat(Duration.ofNanos(maxNanos)).as("onEvent never waits for the locked database (it would block for seconds)").isLessThan(Duration.ofMillis(500));
        // Back to direct writes.
        store.onEvent(Events.settled(T0.plusSeconds(5), "cerebras", FP_A, "gpt-oss-120b", n, 10));
        assertThat(store.flush(Duration.ofSeconds(10))).isTrue();
        assertThat(Events.count(db::connect, "SELECT COUNT(*) FROM keycycle_usage")).isEqualTo(n + 1);
    }

    @DatabaseTest
    void eventsJournaledAtCloseAreWrittenByTheNextStoreExactlyOnce(TestDatabase db) throws Exception {
        var cfg = db.config().closeTimeout(Duration.ofMillis(300)).build();
        KeycycleStore first = db.open(cfg);
        first.onEvent(Events.settled(T0, "gemini", FP_A, "gemini-2.5-flash", 0, 5));
        assertThat(first.flush(Duration.ofSeconds(10))).isTrue();
        try (AutoCloseable lock = db.holdWriteLock()) {
            for (int i = 1; i < 100; i++) first.onEvent(Events.settled(T0.plusMillis(i), "gemini", FP_A, "gemini-2.5-flash", i, 5));
            first.close();
            assertThat(first.health().writerAlive()).isFalse();
            assertThat(first.health().journalEvents()).isGreaterThanOrEqualTo(99);
            first.onEvent(Events.settled(T0.plusMillis(100), "gemini", FP_A, "gemini-2.5-flash", 100, 5)); // after close
        }
        KeycycleStore second = db.open(cfg);
        assertThat(second.flush(Duration.ofSeconds(20))).as("%s", second.health()).isTrue();
        await().atMost(Duration.ofSeconds(10)).until(() -> second.health().journalEvents() == 0);
        assertThat(Events.promptTokensInInsertOrder(db::connect)).containsExactlyElementsOf(LongStream.rangeClosed(0, 100).boxed().toList());
        assertThat(Events.count(db::connect, "SELECT SUM(requests) FROM keycycle_usage_minute")).isEqualTo(101);
    }

    /**
     * Two processes writing to one database (a cluster sharing TiDB) change the same aggregate and
     * state rows at once, each batch naming the keys in the other's reverse order: no deadlock
     * reaches either writer and every sum is exact. Both write in one order of keys, and a
     * transaction that still loses a lock conflict is written again at once.
     */
    @DatabaseTest(TestDatabase.Kind.MARIADB)
    void twoWritersChangingTheSameRowsAtOnceNeitherFailNorLoseASum(TestDatabase db) throws Exception {
        KeycycleStore store = db.open();
        Dialect dialect = Dialect.MYSQL;
        int batches = 100; // with the rows in first-seen order, 1 to 4 of these writes failed on a deadlock
        int keys = 60;
        java.util.concurrent.ExecutorService two = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            List<java.util.concurrent.Future<Integer>> done = new java.util.ArrayList<>();
            for (int w = 0; w < 2; w++) {
                int writerNo = w;
                BatchWriter writer = new BatchWriter(dataSourceOf(db), dialect);
                done.add(two.submit(() -> {
                    int failures = 0;
                    long seq = 1;
                    for (int b = 0; b < batches; b++) {
                        List<StoredEvent> batch = new java.util.ArrayList<>();
                        for (int i = 0; i < 300; i++, seq++) {
                            long key = writerNo == 0 ? i % keys : keys - 1 - i % keys;
                            long minute = T0.toEpochMilli() + (writerNo == 0 ? i % 3 : 2 - i % 3) * 60_000L;
                            batch.add(new StoredEvent.Usage(seq, StoredEvent.eventId(seq, 20 + writerNo), "groq", "s", "fp-" + key, "m",
                                    minute, 1, 2, 0, 2, "SUCCESS", 200));
                            if (i % 50 == 0) {
                                seq++;
                                batch.add(new StoredEvent.State(seq, StoredEvent.eventId(seq, 20 + writerNo), "groq", "key", "fp-" + key, "s",
                                        "fp-" + key, "", "COOLDOWN", null, "429", T0.toEpochMilli() + seq * 2 + writerNo));
                            }
                        }
                        try {
                            writer.write(batch);
                        } catch (java.sql.SQLException e) {
                            failures++;
                            writer.write(batch); // as the store's writer would, later: the sums must still come out exact
                        }
                    }
                    return failures;
                }));
            }
            assertThat(done.get(0).get() + done.get(1).get()).as("writes that failed on a lock conflict").isZero();
        } finally {
            two.shutdownNow();
        }
        long usage = 2L * batches * 300;
        assertThat(Events.count(db::connect, "SELECT COUNT(*) FROM keycycle_usage")).isEqualTo(usage);
        assertThat(Events.count(db::connect, "SELECT SUM(requests) FROM keycycle_usage_minute")).isEqualTo(usage);
        assertThat(Events.count(db::connect, "SELECT SUM(tokens) FROM keycycle_usage_minute")).isEqualTo(2 * usage);
        assertThat(Events.count(db::connect, "SELECT SUM(calls) FROM keycycle_outcome_minute")).isEqualTo(usage);
        assertThat(Events.count(db::connect, "SELECT COUNT(*) FROM keycycle_state_history")).isEqualTo(2L * batches * 6);
        // each key's current state is its newest by event time (12 keys got states: every 50th event of each writer)
        assertThat(Events.count(db::connect, "SELECT COUNT(*) FROM keycycle_key_state")).isEqualTo(12);
        assertThat(Events.count(db::connect, "SELECT COUNT(*) FROM keycycle_key_state k WHERE k.updated_at ="
                + " (SELECT MAX(h.at_ms) FROM keycycle_state_history h WHERE h.subject = k.subject)")).isEqualTo(12);
        store.close();
    }

    /**
     * A batch whose transaction the database picks as a deadlock's victim (another session, heavier
     * in changed rows, holds a row the batch needs and then asks for one the batch holds) is
     * written again at once: the caller sees no failure and nothing counts twice.
     */
    @DatabaseTest(TestDatabase.Kind.MARIADB)
    void aBatchThatADeadlockRolledBackIsWrittenAgainAtOnce(TestDatabase db) throws Exception {
        KeycycleStore store = db.open();
        BatchWriter writer = new BatchWriter(dataSourceOf(db), Dialect.MYSQL);
        long t = T0.toEpochMilli();
        java.util.function.BiFunction<Long, String, StoredEvent> usage = (i, fp) -> new StoredEvent.Usage(i, StoredEvent.eventId(i, 30), "groq",
                "s", fp, "m", t, 1, 5, 0, 5, "SUCCESS", 200);
        writer.write(List.of(usage.apply(1L, "fp-a"), usage.apply(2L, "fp-b"))); // the two minute rows exist
        // by the whole primary key: a scan would lock every row it passed
        String row = "UPDATE keycycle_usage_minute SET requests = requests + 100 WHERE provider = 'groq' AND key_fp = ? AND model = 'm'"
                + " AND minute = " + Math.floorDiv(t, 60_000L) * 60_000L;
        long deadlocks = deadlocks(db);
        try (java.sql.Connection other = db.connect()) {
            try (java.sql.Statement st = other.createStatement()) {
                st.execute("CREATE TABLE IF NOT EXISTS ballast (id INT PRIMARY KEY) ENGINE=InnoDB");
            }
            other.setAutoCommit(false);
            try (java.sql.Statement st = other.createStatement()) {
                // heavier than the batch, so that the database rolls the batch back, not this session
                st.execute("INSERT INTO ballast (id) SELECT seq FROM seq_1_to_5000");
            }
            try (java.sql.PreparedStatement ps = other.prepareStatement(row)) {
                ps.setString(1, "fp-b");
                ps.executeUpdate(); // holds fp-b's row
            }
            java.util.concurrent.CompletableFuture<BatchWriter.Result> batch = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return writer.write(List.of(usage.apply(3L, "fp-a"), usage.apply(4L, "fp-b")));
                } catch (java.sql.SQLException e) {
                    throw new java.util.concurrent.CompletionException(e);
                }
            });
            // the batch holds fp-a's row and waits for fp-b's
            await().atMost(Duration.ofSeconds(10)).until(() -> Events.count(db::connect,
                    "SELECT COUNT(*) FROM information_schema.INNODB_TRX WHERE trx_state = 'LOCK WAIT'") == 1);
            try (java.sql.PreparedStatement ps = other.prepareStatement(row)) {
                ps.setString(1, "fp-a");
                ps.executeUpdate(); // a deadlock: the batch is rolled back and this session gets the row
            }
            assertThat(deadlocks(db)).isGreaterThan(deadlocks);
            assertThat(batch).isNotDone(); // written again, it waits for this session's rows
            other.commit();
            BatchWriter.Result r = batch.get(10, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(r.inserted()).isEqualTo(2);
        }
        assertThat(Events.count(db::connect, "SELECT COUNT(*) FROM keycycle_usage")).isEqualTo(4);
        assertThat(Events.count(db::connect, "SELECT SUM(requests) FROM keycycle_usage_minute")).isEqualTo(4 + 200);
        assertThat(Events.count(db::connect, "SELECT SUM(tokens) FROM keycycle_usage_minute")).isEqualTo(20);
        store.close();
    }

    @Test
    void onlyConflictsTheDatabaseGaveUpAtOnceAreRunAgainAtOnce() {
        assertThat(BatchWriter.lostLockConflict(new java.sql.SQLException("deadlock", "40001", 1213))).isTrue();
        assertThat(BatchWriter.lostLockConflict(new java.sql.SQLException("write conflict", "HY000", 9007))).isTrue();
        assertThat(BatchWriter.lostLockConflict(new java.sql.SQLException("serialization failure", "40001", 0))).isTrue();
        // a lock wait timeout already waited its 50 s; a duplicate key or a lost connection is no conflict
        assertThat(BatchWriter.lostLockConflict(new java.sql.SQLException("lock wait timeout", "40001", 1205))).isFalse();
        assertThat(BatchWriter.lostLockConflict(new java.sql.SQLException("duplicate", "23000", 1062))).isFalse();
        assertThat(BatchWriter.lostLockConflict(new java.sql.SQLException("gone", "08S01", 0))).isFalse();
    }

    private static long deadlocks(TestDatabase db) throws java.sql.SQLException {
        try (java.sql.Connection c = db.connect(); java.sql.Statement st = c.createStatement();
             java.sql.ResultSet rs = st.executeQuery("SHOW GLOBAL STATUS LIKE 'Innodb_deadlocks'")) {
            rs.next();
            return rs.getLong(2);
        }
    }

    static javax.sql.DataSource dataSourceOf(TestDatabase db) {
        return new SimpleDataSource(db);
    }

    /** Fresh connections from the test database; enough for BatchWriter tests. */
    static final class SimpleDataSource implements javax.sql.DataSource {
        private final TestDatabase db;
        SimpleDataSource(TestDatabase db) { this.db = db; }
        @Override public java.sql.Connection getConnection() throws java.sql.SQLException { return db.connect(); }
        @Override public java.sql.Connection getConnection(String u, String p) throws java.sql.SQLException { return db.connect(); }
        @Override public java.io.PrintWriter getLogWriter() { return null; }
        @Override public void setLogWriter(java.io.PrintWriter out) { }
        @Override public void setLoginTimeout(int seconds) { }
        @Override public int getLoginTimeout() { return 0; }
        @Override public java.util.logging.Logger getParentLogger() { return java.util.logging.Logger.getGlobal(); }
        @Override public <T> T unwrap(Class<T> iface) { throw new UnsupportedOperationException(); }
        @Override public boolean isWrapperFor(Class<?> iface) { return false; }
    }
}
