package io.keycycle.store;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.keycycle.store.testing.DatabaseTest;
import io.keycycle.store.testing.TestDatabase;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

import static io.keycycle.store.Events.FP_A;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two processes on one journal directory (two gateways on one host and one MySQL database share
 * the default {@code ~/.keycycle/journal/<host>_<port>_<db>}): the second works in a
 * {@code proc-<nonce>} subdirectory. When that second process is killed and started again while
 * the first keeps running, the events its write-ahead files held must still be written.
 */
class SharedJournalDirTest {

    private static final ObjectMapper JSON = KeycycleStore.journalMapper();
    private static final int DEAD = 0x0badbeef;

    @DatabaseTest
    void aRestartedSecondProcessWritesWhatItsKilledPredecessorLeft(TestDatabase db) throws Exception {
        Instant now = Instant.now();
        KeycycleStore owner = db.open(); // the first process: owns the directory and keeps running
        Path dir = owner.journalDir();
        // the killed second process: its proc- directory (lock released by its death) and write-ahead file
        Path dead = dir.resolve(JournalAdoption.PROC_PREFIX + Integer.toHexString(DEAD));
        Files.createDirectories(dead);
        Files.createFile(dead.resolve(".lock"));
        ByteArrayOutputStream wal = new ByteArrayOutputStream();
        for (int i = 1; i <= 5; i++) {
            wal.write(Journal.line(JSON, new StoredEvent.Usage(i, StoredEvent.eventId(i, DEAD), "groq", "org-a", FP_A, "m",
                    now.minusSeconds(60).toEpochMilli(), 1, 10, 5, 15, "SUCCESS", 200)));
        }
        Files.write(dead.resolve(JournalFiles.name(WriteAheadLog.PREFIX, 1, DEAD, 1)), wal.toByteArray());

        KeycycleStore restarted = db.open(); // the second process again, with a new nonce
        assertThat(restarted.journalDir()).isNotEqualTo(dir).isNotEqualTo(dead);
        RecordingRestorer r = new RecordingRestorer();
        restarted.hydrate(r, now);
        assertThat(restarted.flush(Duration.ofSeconds(20))).isTrue();

        assertThat(Events.count(db::connect, "SELECT COUNT(*) FROM keycycle_usage")).as("rows written").isEqualTo(5);
        assertThat(r.requests()).as("requests hydrated by the restarted process").isEqualTo(5);
        assertThat(dead).doesNotExist();
        owner.close();
        restarted.close();
    }
}
