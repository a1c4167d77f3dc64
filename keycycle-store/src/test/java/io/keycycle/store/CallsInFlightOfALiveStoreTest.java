package io.keycycle.store;

import io.keycycle.store.testing.DatabaseTest;
import io.keycycle.store.testing.TestDatabase;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static io.keycycle.store.CallsInFlightChild.T0;
import static io.keycycle.store.CallsInFlightChild.admitted;
import static io.keycycle.store.CallsInFlightChild.settled;
import static io.keycycle.store.CallsInFlightTest.slotFiles;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A store closed while calls are still open keeps their slots until they settle, and their late
 * settlements go to its journal. A store opened on the same directory meanwhile (in this process,
 * as an application context refreshed, or in another) must not take those calls for a dead
 * process's: until 2026-12-05 it recorded each as {@code UNFINISHED} at once, and the late
 * settlement then added the call a second time.
 */
class CallsInFlightOfALiveStoreTest {

    @DatabaseTest
    void aStoreOpenedBesideOneClosedWithCallsOpenCountsEachCallOnce(TestDatabase db) throws Exception {
        Path journal = db.workDir().resolve("journal");
        KeycycleStore first = db.open(db.config().journalDir(journal).build());
        first.onEvent(admitted(1));
        first.onEvent(admitted(2));
        first.onEvent(settled(2, 3, 4));
        assertThat(first.flush(Duration.ofSeconds(30))).isTrue();
        first.close(); // lease 1 is still open: its slot stays until it settles
        assertThat(slotFiles(journal)).hasSize(1);

        KeycycleStore second = db.open(db.config().journalDir(journal).build());
        assertThat(second.flush(Duration.ofSeconds(30))).isTrue();
        RecordingRestorer restored = new RecordingRestorer();
        second.hydrate(restored, T0.plus(Duration.ofMinutes(10)));
        assertThat(restored.requests()).as("lease 2 only: lease 1 belongs to a store of a live process").isEqualTo(1);
        assertThat(Events.count(db::connect, "SELECT COUNT(*) FROM keycycle_usage WHERE outcome = 'UNFINISHED'")).isZero();

        first.onEvent(settled(1, 7, 5)); // its late settlement: to the first store's journal
        assertThat(slotFiles(journal)).as("the first store's file goes with its last call, the second's stays").hasSize(1);
        second.close();

        KeycycleStore third = db.open(db.config().journalDir(journal).build());
        assertThat(third.flush(Duration.ofSeconds(30))).isTrue();
        assertThat(Events.count(db::connect, "SELECT COUNT(*) FROM keycycle_usage")).as("each call once").isEqualTo(2);
        assertThat(Events.longs(db::connect, "SELECT prompt_tokens FROM keycycle_usage ORDER BY prompt_tokens"))
                .as("both with their real figures").containsExactly(3L, 7L);
        third.close();
        assertThat(slotFiles(journal)).isEmpty();
    }

    /** The same through a {@code proc-} directory: the owner adopting it at its next start leaves the live file there. */
    @DatabaseTest
    void theOwnerAdoptingASecondStoresDirectoryLeavesItsOpenCallsToIt(TestDatabase db) throws Exception {
        Path journal = db.workDir().resolve("journal");
        KeycycleStore owner = db.open(db.config().journalDir(journal).build());
        KeycycleStore second = db.open(db.config().journalDir(journal).build()); // journals to a proc- directory
        second.onEvent(admitted(1));
        second.close();
        owner.close();

        KeycycleStore adopter = db.open(db.config().journalDir(journal).build());
        assertThat(adopter.flush(Duration.ofSeconds(30))).isTrue();
        assertThat(Events.count(db::connect, "SELECT COUNT(*) FROM keycycle_usage")).as("lease 1 is the second store's to settle").isZero();
        second.onEvent(settled(1, 7, 5));
        adopter.close();

        KeycycleStore next = db.open(db.config().journalDir(journal).build());
        assertThat(next.flush(Duration.ofSeconds(30))).isTrue();
        assertThat(Events.longs(db::connect, "SELECT prompt_tokens FROM keycycle_usage")).as("once, with its real figures").containsExactly(7L);
        next.close();
    }

    @DatabaseTest
    void anotherProcessLeavesTheCallsOfALiveProcessAndRecoversThemOnceItDied(TestDatabase db) throws Exception {
        Path journal = db.workDir().resolve("journal");
        db.open(db.config().journalDir(db.workDir().resolve("setup")).build()).close(); // the schema
        Path log = db.workDir().resolve("child.log");
        Process child = ChildJvm.start(log, "128m", ClosedStoreChild.class, db.url(), journal.toString());
        try {
            ChildJvm.awaitLine(child, log, "READY", "READY");
            assertThat(slotFiles(journal)).as("the child's store closed with lease 1 open").hasSize(1);

            KeycycleStore beside = db.open(db.config().journalDir(journal).build());
            assertThat(beside.flush(Duration.ofSeconds(30))).isTrue();
            RecordingRestorer restored = new RecordingRestorer();
            beside.hydrate(restored, T0.plus(Duration.ofMinutes(10)));
            assertThat(restored.requests()).as("the child still runs: lease 1 is its to settle").isZero();
            assertThat(Events.count(db::connect, "SELECT COUNT(*) FROM keycycle_usage")).isZero();
            assertThat(slotFiles(journal)).as("the child's file and this store's").hasSize(2);

            child.destroyForcibly(); // SIGKILL: lease 1 never settles
            assertThat(child.waitFor(20, TimeUnit.SECONDS)).isTrue();
            beside.close();
        } finally {
            child.destroyForcibly();
        }
        KeycycleStore next = db.open(db.config().journalDir(journal).build());
        assertThat(next.flush(Duration.ofSeconds(30))).isTrue();
        RecordingRestorer restored = new RecordingRestorer();
        next.hydrate(restored, T0.plus(Duration.ofMinutes(10)));
        assertThat(restored.requests()).as("the dead child's call, once").isEqualTo(1);
        assertThat(restored.tokens()).as("its reservation").isEqualTo(100);
        assertThat(Events.longs(db::connect, "SELECT charged_tokens FROM keycycle_usage WHERE outcome = 'UNFINISHED'")).containsExactly(100L);
        next.close();
        assertThat(slotFiles(journal)).isEmpty();
    }
}
