package io.keycycle.store;

import io.keycycle.store.testing.DatabaseTest;
import io.keycycle.store.testing.TestDatabase;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code kill -9} of a process whose two threads write events as fast as they can, far ahead of its
 * database: the acknowledged events not yet committed live only in its write-ahead files (each
 * thread's own: several rolled ones and the open one). A store opened on the same journal afterwards
 * writes every acknowledged event, each exactly once, and what is in the database is, for each
 * thread, exactly its events from the first to the last (nothing lost in between).
 */
class WriteAheadCrashTest {

    private static final long KILL_AFTER = 40_000;

    @DatabaseTest
    void aProcessKilledMidLoadLosesNoAcknowledgedEventFromItsWriteAheadFiles(TestDatabase db) throws Exception {
        killMidLoad(db, "one-by-one");
    }

    /** The same with lines written by rounds, an event acknowledged when its turn's answers run. */
    @DatabaseTest(TestDatabase.Kind.SQLITE)
    void linesWrittenByRoundsLoseNoAcknowledgedEventEither(TestDatabase db) throws Exception {
        killMidLoad(db, "rounds");
    }

    private void killMidLoad(TestDatabase db, String mode) throws Exception {
        Path journal = db.workDir().resolve("journal");
        // the schema exists before the child starts writing
        db.open(db.config().journalDir(db.workDir().resolve("setup")).build()).close();
        Path log = db.workDir().resolve("child.log");
        Process child = ChildJvm.start(log, "512m", WriteAheadCrashChild.class, db.url(), journal.toString(), mode);
        int threads = WriteAheadCrashChild.THREADS;
        java.util.concurrent.atomic.AtomicLongArray acknowledged = acknowledgements(child);
        killAfter(child, log, acknowledged, KILL_AFTER);

        List<Path> wal;
        try (Stream<Path> files = Files.list(journal)) {
            wal = files.filter(p -> p.getFileName().toString().startsWith(WriteAheadLog.PREFIX)).sorted().toList();
        }
        assertThat(wal).as("the killed process left write-ahead files").isNotEmpty();

        KeycycleStore store = db.open(db.config().journalDir(journal).build());
        assertThat(store.flush(Duration.ofSeconds(60))).isTrue();
        long rows = Events.count(db::connect, "SELECT COUNT(*) FROM keycycle_usage");
        System.out.printf("WriteAheadCrashTest[%s, " + mode + "]: %s acknowledged (last printed per thread), %d rows, %d write-ahead files left%n",
                db, acknowledged, rows, wal.size());
        assertEveryAcknowledgedEventOnce(db, acknowledged);
        Path rejected = journal.resolve(JournalFiles.REJECTED_LINES);
        if (Files.exists(rejected)) {
            // only a line the kill tore in the middle of its write can be there, one per thread's file at most
            assertThat(Files.readAllLines(rejected).stream().filter(l -> l.startsWith("# ")).count()).isLessThanOrEqualTo(threads);
        }
        assertThat(store.health().journalEvents()).isZero();
        store.close();
    }

    /** The last event each thread of a {@link WriteAheadCrashChild} acknowledged, read from its stdout (-1: none yet). */
    static java.util.concurrent.atomic.AtomicLongArray acknowledgements(Process child) {
        java.util.concurrent.atomic.AtomicLongArray acknowledged = new java.util.concurrent.atomic.AtomicLongArray(WriteAheadCrashChild.THREADS);
        for (int t = 0; t < acknowledged.length(); t++) acknowledged.set(t, -1);
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                for (String l; (l = r.readLine()) != null; ) {
                    if (l.startsWith("ACK ")) { // other lines: its log
                        String[] f = l.substring(4).trim().split(" ");
                        acknowledged.set(Integer.parseInt(f[0]), Long.parseLong(f[1]));
                    }
                }
            } catch (java.io.IOException gone) {
                // killed
            }
        }, "crash-child-stdout");
        reader.setDaemon(true);
        reader.start();
        return acknowledged;
    }

    /** Kills the child ({@code kill -9}) once it acknowledged {@code events} events (each thread its share). */
    static void killAfter(Process child, Path log, java.util.concurrent.atomic.AtomicLongArray acknowledged, long events) throws Exception {
        int threads = acknowledged.length();
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (least(acknowledged) < events / threads && child.isAlive() && System.nanoTime() < until) Thread.sleep(1);
        assertThat(child.isAlive()).as("the child runs; its stderr:\n%s", Files.exists(log) ? Files.readString(log) : "").isTrue();
        child.destroyForcibly(); // SIGKILL
        assertThat(child.waitFor(20, TimeUnit.SECONDS)).isTrue();
        Thread.sleep(200); // the last lines it printed reach the reader
        assertThat(least(acknowledged)).as("the load ran").isGreaterThanOrEqualTo(events / threads);
    }

    /** Each thread's events from the first through at least its last acknowledged one are in the database, each once, none missing. */
    static void assertEveryAcknowledgedEventOnce(TestDatabase db, java.util.concurrent.atomic.AtomicLongArray acknowledged) throws Exception {
        int threads = acknowledged.length();
        long rows = Events.count(db::connect, "SELECT COUNT(*) FROM keycycle_usage");
        long distinct = Events.count(db::connect, "SELECT COUNT(DISTINCT prompt_tokens) FROM keycycle_usage");
        assertThat(distinct).as("each once").isEqualTo(rows);
        for (int t = 0; t < threads; t++) {
            String mine = " FROM keycycle_usage WHERE prompt_tokens % " + threads + " = " + t;
            long count = Events.count(db::connect, "SELECT COUNT(*)" + mine);
            long max = Events.count(db::connect, "SELECT MAX(prompt_tokens)" + mine);
            long min = Events.count(db::connect, "SELECT MIN(prompt_tokens)" + mine);
            assertThat(max).as("every event thread %d acknowledged is in the database", t).isGreaterThanOrEqualTo(acknowledged.get(t));
            assertThat(min).isEqualTo(t);
            assertThat(count).as("thread %d: its events %d..%d, none missing in between", t, t, max).isEqualTo((max - t) / threads + 1);
        }
    }

    private static long least(java.util.concurrent.atomic.AtomicLongArray a) {
        long m = Long.MAX_VALUE;
        for (int i = 0; i < a.length(); i++) m = Math.min(m, a.get(i));
        return m;
    }
}
