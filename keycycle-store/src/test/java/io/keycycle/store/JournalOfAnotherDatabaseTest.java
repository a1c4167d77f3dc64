package io.keycycle.store;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.keycycle.store.testing.DatabaseTest;
import io.keycycle.store.testing.TestDatabase;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.time.Instant;

import static io.keycycle.store.Events.FP_A;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * One {@code KEYCYCLE_JOURNAL_DIR} set for two applications on two databases: the events one left
 * there (a crash, a close while its database was down) belong to its database. A store of another
 * database must not write them into its own; it refuses the directory and says which database
 * the journal belongs to.
 */
class JournalOfAnotherDatabaseTest {

    private static final ObjectMapper JSON = KeycycleStore.journalMapper();

    @DatabaseTest(TestDatabase.Kind.SQLITE)
    void aStoreOfAnotherDatabaseLeavesTheJournalAlone(TestDatabase db) throws Exception {
        Path journal = db.workDir().resolve("shared-journal");
        db.open(db.config().journalDir(journal).build()).close(); // application A, on its database
        ByteArrayOutputStream wal = new ByteArrayOutputStream();
        for (int i = 1; i <= 3; i++) {
            wal.write(Journal.line(JSON, new StoredEvent.Usage(i, StoredEvent.eventId(i, 0xa), "groq", "org-a", FP_A, "m",
                    Instant.now().toEpochMilli(), 1, 10, 5, 15, "SUCCESS", 200)));
        }
        Files.write(journal.resolve(JournalFiles.name(WriteAheadLog.PREFIX, 1, 0xa, 1)), wal.toByteArray()); // A was killed

        Path other = db.workDir().resolve("other.db");
        Throwable t = catchThrowable(() -> db.open(db.config("jdbc:sqlite:" + other).journalDir(journal).build()));
        assertThat(t).isInstanceOf(StoreException.class).hasMessageContaining(journal.toString())
                .hasMessageContaining(db.url().substring("jdbc:sqlite:".length()));
        if (Files.exists(other)) {
            try (var c = DriverManager.getConnection("jdbc:sqlite:" + other); var st = c.createStatement();
                 var rs = st.executeQuery("SELECT COUNT(*) FROM keycycle_usage")) {
                rs.next();
                assertThat(rs.getLong(1)).as("A's events written into B's database").isZero();
            } catch (java.sql.SQLException noTable) {
                // nothing written
            }
        }
        // A, started again, still has them
        var a = db.open(db.config().journalDir(journal).build());
        assertThat(a.flush(java.time.Duration.ofSeconds(20))).isTrue();
        assertThat(Events.count(db::connect, "SELECT COUNT(*) FROM keycycle_usage")).isEqualTo(3);
    }
}
