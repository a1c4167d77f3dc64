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
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code kill -9} of a process writing events as fast as it can, far ahead of its database: the
 * acknowledged events not yet committed live only in its write-ahead files (several rolled ones and
 * the open one). A store opened on the same journal afterwards writes every acknowledged event,
 * each exactly once, and what is in the database is exactly the events 0..n (nothing lost in
 * between).
 */
class WriteAheadCrashTest {

    private static final long KILL_AFTER = 40_000;

    @DatabaseTest
    void aProcessKilledMidLoadLosesNoAcknowledgedEventFromItsWriteAheadFiles(TestDatabase db) throws Exception {
        Path journal = db.workDir().resolve("journal");
        // the schema exists before the child starts writing
        db.open(db.config().journalDir(db.workDir().resolve("setup")).build()).close();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path log = db.workDir().resolve("child.log");
        Process child = new ProcessBuilder(java, "-Xmx512m", "-cp", System.getProperty("java.class.path"),
                WriteAheadCrashChild.class.getName(), db.url(), journal.toString())
                .redirectError(log.toFile()).start();
        AtomicLong acknowledged = new AtomicLong(-1);
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                for (String l; (l = r.readLine()) != null; ) {
                    if (l.startsWith("ACK ")) acknowledged.set(Long.parseLong(l.substring(4).trim())); // other lines: its log
                }
            } catch (java.io.IOException gone) {
                // killed
            }
        }, "crash-child-stdout");
        reader.setDaemon(true);
        reader.start();
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (acknowledged.get() < KILL_AFTER && child.isAlive() && System.nanoTime() < until) Thread.sleep(1);
        assertThat(child.isAlive()).as("the child runs; its stderr:\n%s", Files.exists(log) ? Files.readString(log) : "").isTrue();
        child.destroyForcibly(); // SIGKILL
        assertThat(child.waitFor(20, TimeUnit.SECONDS)).isTrue();
        reader.join(5_000);
        long acked = acknowledged.get();
        assertThat(acked).as("the load ran").isGreaterThanOrEqualTo(KILL_AFTER);

        List<Path> wal;
        try (Stream<Path> files = Files.list(journal)) {
            wal = files.filter(p -> p.getFileName().toString().startsWith(WriteAheadLog.PREFIX)).sorted().toList();
        }
        assertThat(wal).as("the killed process left write-ahead files").isNotEmpty();

        KeycycleStore store = db.open(db.config().journalDir(journal).build());
        assertThat(store.flush(Duration.ofSeconds(60))).isTrue();
        long rows = Events.count(db::connect, "SELECT COUNT(*) FROM keycycle_usage");
        long distinct = Events.count(db::connect, "SELECT COUNT(DISTINCT prompt_tokens) FROM keycycle_usage");
        long max = Events.count(db::connect, "SELECT MAX(prompt_tokens) FROM keycycle_usage");
        long min = Events.count(db::connect, "SELECT MIN(prompt_tokens) FROM keycycle_usage");
        System.out.printf("WriteAheadCrashTest[%s]: %d acknowledged (last printed), %d rows, %d write-ahead files left%n",
                db, acked + 1, rows, wal.size());
        assertThat(max).as("every acknowledged event is in the database").isGreaterThanOrEqualTo(acked);
        assertThat(min).isZero();
        assertThat(distinct).as("each once").isEqualTo(rows);
        assertThat(rows).as("events 0..%d, none missing in between", max).isEqualTo(max + 1);
        Path rejected = journal.resolve(JournalFiles.REJECTED_LINES);
        if (Files.exists(rejected)) {
            // only a line the kill tore in the middle of its write can be there
            assertThat(Files.readAllLines(rejected).stream().filter(l -> l.startsWith("# ")).count()).isLessThanOrEqualTo(1);
        }
        assertThat(store.health().journalEvents()).isZero();
        store.close();
    }
}
