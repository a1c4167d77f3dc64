package io.keycycle.store;

import io.keycycle.store.testing.DatabaseTest;
import io.keycycle.store.testing.TestDatabase;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;

import static io.keycycle.store.CallsInFlightTest.slotFiles;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two processes on one journal directory, one of them killed while the other keeps running: the one
 * still running writes what the dead one left (its write-ahead files, its journal, its calls in
 * flight) within seconds, without a restart. Until 2026-12-06 those events waited for the next start
 * of some process on the directory, which on a host where the survivor runs for weeks meant weeks.
 * A store that closed in a process that still runs is left alone: it still appends what settles late.
 */
class DeadNeighbourTest {

    private static final long KILL_AFTER = 20_000;
    private static final Duration WITHIN = Duration.ofSeconds(60);

    @DatabaseTest
    void aRunningOwnerWritesWhatAKilledSecondProcessLeft(TestDatabase db) throws Exception {
        Path journal = db.workDir().resolve("journal");
        KeycycleStore owner = db.open(db.config().journalDir(journal).build());
        assertThat(owner.journalDir()).isEqualTo(journal);
        Path log = db.workDir().resolve("child.log");
        Process child = ChildJvm.start(log, "512m", WriteAheadCrashChild.class, db.url(), journal.toString());
        try {
            AtomicLongArray acknowledged = WriteAheadCrashTest.acknowledgements(child);
            WriteAheadCrashTest.killAfter(child, log, acknowledged, KILL_AFTER);
            Path theirs = onlyProcDirectory(journal);
            assertThat(theirs).as("the child journaled beside the owner").isNotNull();

            await().atMost(WITHIN).pollInterval(Duration.ofMillis(200))
                    .untilAsserted(() -> WriteAheadCrashTest.assertEveryAcknowledgedEventOnce(db, acknowledged));
            await().atMost(WITHIN).untilAsserted(() -> assertThat(owner.health().journalEvents()).isZero());
            assertThat(theirs).as("its directory, taken and removed").doesNotExist();
            assertThat(owner.flush(Duration.ofSeconds(30))).isTrue();
            WriteAheadCrashTest.assertEveryAcknowledgedEventOnce(db, acknowledged);
            System.out.printf("DeadNeighbourTest[%s]: %s acknowledged, %d rows written by the survivor's store or the child's%n",
                    db, acknowledged, Events.count(db::connect, "SELECT COUNT(*) FROM keycycle_usage"));
        } finally {
            child.destroyForcibly();
            owner.close();
        }
    }

    @DatabaseTest(TestDatabase.Kind.SQLITE)
    void aRunningSecondProcessWritesWhatItsKilledOwnerLeft(TestDatabase db) throws Exception {
        Path journal = db.workDir().resolve("journal");
        db.open(db.config().journalDir(db.workDir().resolve("setup")).build()).close(); // the schema
        Path log = db.workDir().resolve("child.log");
        Process child = ChildJvm.start(log, "512m", WriteAheadCrashChild.class, db.url(), journal.toString());
        KeycycleStore second = null;
        try {
            AtomicLongArray acknowledged = WriteAheadCrashTest.acknowledgements(child);
            // an acknowledgement from each thread: the child's store is open and owns the directory
            await().atMost(WITHIN).until(() -> acknowledged.get(0) >= 0 && acknowledged.get(1) >= 0);
            second = db.open(db.config().journalDir(journal).build());
            assertThat(second.journalDir()).as("the child owns the directory").isNotEqualTo(journal);
            WriteAheadCrashTest.killAfter(child, log, acknowledged, KILL_AFTER);
            assertThat(hasWriteAheadFiles(journal)).as("the dead owner left write-ahead files").isTrue();

            await().atMost(WITHIN).pollInterval(Duration.ofMillis(200))
                    .untilAsserted(() -> WriteAheadCrashTest.assertEveryAcknowledgedEventOnce(db, acknowledged));
            KeycycleStore survivor = second;
            await().atMost(WITHIN).untilAsserted(() -> assertThat(survivor.health().journalEvents()).isZero());
            assertThat(hasWriteAheadFiles(journal)).as("the owner's files were taken").isFalse();
            assertThat(journal).as("the shared directory stays, for the next owner").isDirectory();
        } finally {
            child.destroyForcibly();
            if (second != null) second.close();
        }
    }

    @DatabaseTest(TestDatabase.Kind.SQLITE)
    void theCallsInFlightOfAKilledSecondProcessAreRecordedWhileTheOwnerRuns(TestDatabase db) throws Exception {
        Path journal = db.workDir().resolve("journal");
        KeycycleStore owner = db.open(db.config().journalDir(journal).build());
        Path log = db.workDir().resolve("child.log");
        Process child = ChildJvm.start(log, "256m", CallsInFlightChild.class, db.url(), journal.toString());
        try {
            ChildJvm.awaitLine(child, log, "READY", "READY 0");
            child.destroyForcibly(); // SIGKILL: lease 2 in flight, lease 1's line never written
            assertThat(child.waitFor(20, TimeUnit.SECONDS)).isTrue();

            await().atMost(WITHIN).pollInterval(Duration.ofMillis(200))
                    .until(() -> Events.count(db::connect, "SELECT COUNT(*) FROM keycycle_usage") == 4);
            assertThat(Events.longs(db::connect, "SELECT prompt_tokens FROM keycycle_usage WHERE outcome = 'SUCCESS' ORDER BY prompt_tokens"))
                    .as("lease 1 from its slot, leases 4 and 3 from their lines").containsExactly(7L, 11L, 17L);
            assertThat(Events.longs(db::connect, "SELECT charged_tokens FROM keycycle_usage WHERE outcome = 'UNFINISHED'"))
                    .as("lease 2, in flight: its reservation").containsExactly(100L);
            assertThat(slotFiles(journal)).as("only the owner's own file").hasSize(1);
        } finally {
            child.destroyForcibly();
            owner.close();
        }
    }

    @DatabaseTest(TestDatabase.Kind.SQLITE)
    void aStoreClosedInAProcessThatStillRunsIsLeftAloneUntilItDies(TestDatabase db) throws Exception {
        Path journal = db.workDir().resolve("journal");
        KeycycleStore owner = db.open(db.config().journalDir(journal).build());
        Path log = db.workDir().resolve("child.log");
        Process child = ChildJvm.start(log, "128m", ClosedStoreChild.class, db.url(), journal.toString());
        try {
            ChildJvm.awaitLine(child, log, "READY", "READY");
            Path theirs = onlyProcDirectory(journal);
            assertThat(theirs).as("the child journaled beside the owner").isNotNull();
            // its lock is free (the store closed) but its process runs: two of the owner's looks pass it by
            Thread.sleep(2 * TimeUnit.NANOSECONDS.toMillis(AsyncWriter.ADOPT_EVERY_NANOS) + 1_000);
            assertThat(slotFiles(theirs)).as("lease 1 is still the child's to settle").hasSize(1);
            assertThat(Events.count(db::connect, "SELECT COUNT(*) FROM keycycle_usage")).isZero();

            child.destroyForcibly();
            assertThat(child.waitFor(20, TimeUnit.SECONDS)).isTrue();
            await().atMost(WITHIN).pollInterval(Duration.ofMillis(200))
                    .until(() -> Events.count(db::connect, "SELECT COUNT(*) FROM keycycle_usage") == 1);
            assertThat(Events.longs(db::connect, "SELECT charged_tokens FROM keycycle_usage WHERE outcome = 'UNFINISHED'"))
                    .as("the dead child's call, once, at its reservation").containsExactly(100L);
            assertThat(theirs).doesNotExist();
        } finally {
            child.destroyForcibly();
            owner.close();
        }
    }

    private static Path onlyProcDirectory(Path journal) throws Exception {
        try (var s = Files.list(journal)) {
            var dirs = s.filter(p -> p.getFileName().toString().startsWith(JournalAdoption.PROC_PREFIX) && Files.isDirectory(p)).toList();
            return dirs.size() == 1 ? dirs.get(0) : null;
        }
    }

    private static boolean hasWriteAheadFiles(Path dir) throws Exception {
        try (var s = Files.list(dir)) {
            return s.anyMatch(p -> p.getFileName().toString().startsWith(WriteAheadLog.PREFIX));
        }
    }
}
