package io.keycycle.store;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.keycycle.store.testing.DatabaseTest;
import io.keycycle.store.testing.TestDatabase;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;

import static io.keycycle.store.Events.FP_A;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a crash, a disk or a person can leave in the journal directory: a record torn in the middle
 * of an append, lines that are not records, a write-ahead file of a process that died, stray files.
 * The store starts, writes every good record exactly once, keeps the bad bytes aside, and its
 * writer goes on with new events.
 */
class JournalRepairTest {

    private static final Instant T0 = Instant.parse("2026-03-01T12:00:00Z");
    private static final ObjectMapper JSON = KeycycleStore.journalMapper();

    private static byte[] line(long seq, long index) throws Exception {
        return Journal.line(JSON, new StoredEvent.Usage(seq, StoredEvent.eventId(seq, 0x5eed), "groq", "s", FP_A, "m",
                T0.toEpochMilli() + seq, 1, index, 1, index + 1, "SUCCESS", 200));
    }

    @DatabaseTest
    void aTornCorruptAndStrayJournalIsRepairedAndEveryGoodRecordReachesTheDatabase(TestDatabase db) throws Exception {
        Path dir = db.workDir().resolve("journal");
        Files.createDirectories(dir);
        // A segment: 3 good records, a garbage line, a good one, then a record torn by a crash (no newline).
        ByteArrayOutputStream seg = new ByteArrayOutputStream();
        seg.write(line(1, 0));
        seg.write(line(2, 1));
        seg.write(line(3, 2));
        seg.write("{\"t\":\"usage\",\"seq\":4,\"event\n".getBytes(StandardCharsets.UTF_8));
        seg.write(line(5, 3));
        byte[] torn = line(6, 99);
        seg.write(torn, 0, torn.length / 2);
        Files.write(dir.resolve(String.format("seg-%020d-%08x-%06d.jsonl", 1, 0x5eed, 1)), seg.toByteArray());
        // The write-ahead file of a process killed in the middle of an append; record 7 is also in the
        // database already (committed before the kill), so it must not be counted twice.
        ByteArrayOutputStream wal = new ByteArrayOutputStream();
        wal.write(line(7, 4));
        wal.write(line(8, 5));
        byte[] torn2 = line(9, 98);
        wal.write(torn2, 0, 10);
        Files.write(dir.resolve(String.format("wal-%020d-%08x-%06d.jsonl", 7, 0x5eed, 2)), wal.toByteArray());
        Files.writeString(dir.resolve("notes.txt"), "someone's notes");
        Files.writeString(dir.resolve("seg-not-a-number.jsonl"), "{}\n");

        KeycycleStore first = db.open();
        first.close();
        // record 7 committed by "the process that died"
        Files.write(dir.resolve(String.format("wal-%020d-%08x-%06d.jsonl", 7, 0x5eed, 2)), wal.toByteArray());
        KeycycleStore store = db.open();
        assertThat(store.flush(Duration.ofSeconds(20))).isTrue();

        assertThat(Events.longs(db::connect, "SELECT prompt_tokens FROM keycycle_usage ORDER BY prompt_tokens"))
                .containsExactly(0L, 1L, 2L, 3L, 4L, 5L);
        String rejected = Files.readString(dir.resolve(JournalFiles.REJECTED_LINES));
        assertThat(rejected).contains("{\"t\":\"usage\",\"seq\":4,\"event");
        assertThat(rejected).contains(new String(torn, 0, torn.length / 2, StandardCharsets.UTF_8));
        assertThat(store.health().journalEvents()).isZero();
        // stray files are left alone
        assertThat(dir.resolve("notes.txt")).exists();
        assertThat(dir.resolve("seg-not-a-number.jsonl")).exists();

        // the writer goes on
        store.onEvent(Events.settled(T0.plusSeconds(60), "groq", FP_A, "m", 42, 50));
        assertThat(store.flush(Duration.ofSeconds(10))).isTrue();
        assertThat(Events.count(db::connect, "SELECT COUNT(*) FROM keycycle_usage WHERE prompt_tokens = 42")).isEqualTo(1);
        assertThat(Events.count(db::connect, "SELECT COUNT(*) FROM keycycle_usage")).isEqualTo(7);
        store.close();
    }

    /**
     * A process that ran long enough to start a million files numbers the next with seven digits:
     * its write-ahead file and its segment are replayed like the others, not set aside as strays.
     */
    @DatabaseTest(TestDatabase.Kind.SQLITE)
    void filesNumberedBeyondAMillionAreReplayed(TestDatabase db) throws Exception {
        Path dir = db.workDir().resolve("journal");
        Files.createDirectories(dir);
        ByteArrayOutputStream wal = new ByteArrayOutputStream();
        wal.write(line(1, 10));
        wal.write(line(2, 11));
        Files.write(dir.resolve(JournalFiles.name(WriteAheadLog.PREFIX, 1, 0x5eed, 1_000_000)), wal.toByteArray());
        Files.write(dir.resolve(JournalFiles.name(Journal.SEGMENT_PREFIX, 3, 0x5eed, 1_234_567)), line(3, 12));
        assertThat(JournalFiles.name(Journal.SEGMENT_PREFIX, 3, 0x5eed, 1_234_567))
                .isEqualTo("seg-00000000000000000003-00005eed-1234567.jsonl");

        KeycycleStore store = db.open();
        assertThat(store.flush(Duration.ofSeconds(20))).isTrue();
        assertThat(Events.longs(db::connect, "SELECT prompt_tokens FROM keycycle_usage ORDER BY prompt_tokens"))
                .containsExactly(10L, 11L, 12L);
        assertThat(store.health().journalEvents()).isZero();
        store.close();
    }

    @DatabaseTest(TestDatabase.Kind.SQLITE)
    void everyEventIsInAWriteAheadFileBeforeOnEventReturnsAndTheFilesAreOwnerOnly(TestDatabase db) throws Exception {
        KeycycleStore store = db.open(db.config().batchInterval(Duration.ofSeconds(2)).build());
        Path dir = store.journalDir();
        try (AutoCloseable lock = db.holdWriteLock()) {
            for (int i = 0; i < 20; i++) store.onEvent(Events.settled(T0.plusMillis(i), "groq", FP_A, "m", i, 10));
            // nothing is committed (the database is locked), yet every event is in a file already
            String all;
            try (Stream<Path> files = Files.list(dir)) {
                List<Path> wal = files.filter(p -> p.getFileName().toString().startsWith("wal-")).toList();
                assertThat(wal).isNotEmpty();
                StringBuilder sb = new StringBuilder();
                for (Path p : wal) {
                    sb.append(Files.readString(p));
                    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(p))).isEqualTo("rw-------");
                }
                all = sb.toString();
            }
            assertThat(all.lines().count()).isEqualTo(20);
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir))).isEqualTo("rwx------");
        }
        store.close();
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("wal-") || n.startsWith("seg-")))
                    .as("a clean close leaves no write-ahead file").isEmpty();
        }
        assertThat(Events.count(db::connect, "SELECT COUNT(*) FROM keycycle_usage")).isEqualTo(20);
    }

    @DatabaseTest(TestDatabase.Kind.SQLITE)
    void threadsAppendToWriteAheadFilesOfTheirOwn(TestDatabase db) throws Exception {
        KeycycleStore store = db.open(db.config().batchInterval(Duration.ofSeconds(2)).build());
        Path dir = store.journalDir();
        int threads = 3;
        try (AutoCloseable lock = db.holdWriteLock()) {
            Thread[] offer = new Thread[threads];
            for (int t = 0; t < threads; t++) {
                String model = "m" + t;
                offer[t] = new Thread(() -> {
                    for (int i = 0; i < 30; i++) store.onEvent(Events.settled(T0.plusMillis(i), "groq", FP_A, model, i, 10));
                });
                offer[t].start();
            }
            for (Thread t : offer) t.join();
            List<Path> wal;
            try (Stream<Path> files = Files.list(dir)) {
                wal = files.filter(p -> p.getFileName().toString().startsWith("wal-")).toList();
            }
            // nothing is committed (the database is locked): each thread's 30 events are in a file of their own
            assertThat(wal).hasSize(threads);
            java.util.Set<String> modelsSeen = new java.util.HashSet<>();
            for (Path p : wal) {
                List<String> lines = Files.readAllLines(p);
                assertThat(lines).hasSize(30);
                java.util.Set<String> models = new java.util.HashSet<>();
                for (String l : lines) models.add(new ObjectMapper().readTree(l).get("model").asText());
                assertThat(models).as("one thread's events in %s", p.getFileName()).hasSize(1);
                modelsSeen.addAll(models);
            }
            assertThat(modelsSeen).containsExactlyInAnyOrder("m0", "m1", "m2");
        }
        store.close();
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("wal-") || n.startsWith("seg-")))
                    .as("a clean close leaves no write-ahead file").isEmpty();
        }
        assertThat(Events.count(db::connect, "SELECT COUNT(*) FROM keycycle_usage")).isEqualTo(90);
    }

    @DatabaseTest(TestDatabase.Kind.SQLITE)
    void withFsyncEveryEventIsWrittenToo(TestDatabase db) throws Exception {
        assertThat(StoreConfig.fromEnv(java.util.Map.of("KEYCYCLE_JOURNAL_FSYNC", "true")).journalFsync()).isTrue();
        assertThat(StoreConfig.fromEnv(java.util.Map.of()).journalFsync()).isFalse();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> StoreConfig.fromEnv(java.util.Map.of("KEYCYCLE_JOURNAL_FSYNC", "maybe")))
                .hasMessageContaining("KEYCYCLE_JOURNAL_FSYNC must be true or false");
        KeycycleStore store = db.open(db.config().journalFsync(true).build());
        for (int i = 0; i < 50; i++) store.onEvent(Events.settled(T0.plusMillis(i), "groq", FP_A, "m", i, 10));
        assertThat(store.flush(Duration.ofSeconds(20))).isTrue();
        store.close();
        assertThat(Events.count(db::connect, "SELECT COUNT(*) FROM keycycle_usage")).isEqualTo(50);
    }
}
