package io.keycycle.store;

import io.keycycle.store.testing.DatabaseTest;
import io.keycycle.store.testing.TestDatabase;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static io.keycycle.store.Events.FP_A;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A thread that writes by rounds ({@link WriteAheadRounds}, a gateway's event loop) has the
 * write-ahead lines of a turn written together at the turn's end, and the answers that wait for
 * them run only after that write. Here the test thread is the loop: its end-of-turn tasks are
 * collected in a list and run when the test says the turn ends.
 */
class WriteAheadRoundsTest {

    private static final Instant T0 = Instant.parse("2026-03-01T12:00:00Z");

    private static List<String> walLines(Path journal) throws IOException {
        if (!Files.isDirectory(journal)) return List.of();
        List<String> lines = new ArrayList<>();
        try (Stream<Path> files = Files.list(journal)) {
            for (Path p : files.filter(p -> p.getFileName().toString().startsWith(WriteAheadLog.PREFIX)).sorted().toList()) {
                lines.addAll(Files.readAllLines(p));
            }
        }
        return lines;
    }

    @DatabaseTest(TestDatabase.Kind.SQLITE)
    void aTurnsLinesAreWrittenTogetherAtItsEndAndTheAnswersThatWaitGoAfterThem(TestDatabase db) throws Exception {
        Path journal = db.workDir().resolve("journal");
        // a long batch interval: the writer commits nothing while the turn runs, the files stay
        KeycycleStore store = db.open(db.config().journalDir(journal).batchInterval(Duration.ofSeconds(5)).build());
        List<Runnable> endOfTurn = new ArrayList<>();
        List<String> order = new ArrayList<>();
        WriteAheadRounds.enable(endOfTurn::add);
        try {
            assertThat(WriteAheadRounds.enabled()).isTrue();
            WriteAheadRounds.afterLines(() -> order.add("answer before any line"));
            assertThat(order).as("nothing waits: an answer goes at once").containsExactly("answer before any line");

            for (int i = 0; i < 5; i++) {
                store.onEvent(Events.settled(T0.plusMillis(i), "groq", FP_A, "m", i, 10));
                int call = i;
                WriteAheadRounds.afterLines(() -> order.add("answer " + call + " after " + linesNow(journal) + " lines"));
            }
            assertThat(walLines(journal)).as("the turn's lines wait for its end").isEmpty();
            assertThat(order).as("so do its answers").hasSize(1);
            assertThat(endOfTurn).as("one task per turn").hasSize(1);

            endOfTurn.remove(0).run();
            List<String> lines = walLines(journal);
            assertThat(lines).as("five lines, written at the end of the turn").hasSize(5)
                    .allSatisfy(l -> assertThat(KeycycleStore.journalMapper().readTree(l).isObject()).isTrue());
            assertThat(order).containsExactly("answer before any line",
                    "answer 0 after 5 lines", "answer 1 after 5 lines", "answer 2 after 5 lines", "answer 3 after 5 lines",
                    "answer 4 after 5 lines");
            assertThat(endOfTurn).isEmpty();

            // the next turn starts empty; a key state's line (Jackson's, not the usage encoder's) joins it
            store.onEvent(Events.settled(T0.plusMillis(5), "groq", FP_A, "m", 5, 10));
            store.onEvent(Events.keyState(T0.plusMillis(5), "groq", FP_A, io.keycycle.core.KeyState.COOLING,
                    T0.plusSeconds(60), "rate-limited"));
            assertThat(endOfTurn).hasSize(1);
            endOfTurn.remove(0).run();
            List<String> both = walLines(journal);
            assertThat(both).hasSize(7);
            assertThat(both.get(6)).contains("\"rate-limited\"").contains("COOLING");
        } finally {
            WriteAheadRounds.disable();
        }
        assertThat(WriteAheadRounds.enabled()).isFalse();
        store.onEvent(Events.settled(T0.plusMillis(6), "groq", FP_A, "m", 6, 10));
        assertThat(walLines(journal)).as("without rounds the line is written before onEvent returns").hasSize(8);
        assertThat(store.health().lastError()).isNull();
        assertThat(store.flush(Duration.ofSeconds(20))).isTrue();
        assertThat(Events.count(db::connect, "SELECT COUNT(*) FROM keycycle_usage")).isEqualTo(7);
        store.close();
    }

    @DatabaseTest(TestDatabase.Kind.SQLITE)
    void disablingWritesWhatWaits(TestDatabase db) throws Exception {
        Path journal = db.workDir().resolve("journal");
        KeycycleStore store = db.open(db.config().journalDir(journal).batchInterval(Duration.ofSeconds(5)).build());
        List<Runnable> endOfTurn = new ArrayList<>();
        List<String> answered = new ArrayList<>();
        WriteAheadRounds.enable(endOfTurn::add);
        store.onEvent(Events.settled(T0, "groq", FP_A, "m", 0, 10));
        WriteAheadRounds.afterLines(() -> answered.add("a"));
        WriteAheadRounds.disable();
        assertThat(walLines(journal)).hasSize(1);
        assertThat(answered).containsExactly("a");
        store.close();
    }

    private static int linesNow(Path journal) {
        try {
            return walLines(journal).size();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static int run(String... cmd) throws Exception {
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
    }

    /** A turn's write that the disk refuses is reported in the store's health, as a single append's is, and the next turn works. */
    @DatabaseTest(TestDatabase.Kind.SQLITE)
    void aTurnsWriteThatTheDiskRefusesIsReportedAndTheNextTurnWorks(TestDatabase db) throws Exception {
        Path mnt = db.workDir().resolve("small-disk");
        Files.createDirectories(mnt);
        assumeTrue(run("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", mnt.toString()) == 0, "needs root to mount a tmpfs");
        List<Runnable> endOfTurn = new ArrayList<>();
        try {
            KeycycleStore store = KeycycleStore.open(db.config("jdbc:sqlite:" + db.workDir().resolve("full.db"))
                    .journalDir(mnt.resolve("journal")).batchInterval(Duration.ofSeconds(5)).build());
            WriteAheadRounds.enable(endOfTurn::add);
            try {
                store.onEvent(Events.settled(T0, "groq", FP_A, "m", 0, 10));
                endOfTurn.remove(0).run(); // opens the write-ahead file
                assertThat(store.health().lastError()).isNull();
                try (OutputStream out = Files.newOutputStream(mnt.resolve("filler"))) {
                    byte[] page = new byte[4096];
                    while (true) out.write(page);
                } catch (IOException full) {
                    // no space left
                }
                int i = 1;
                for (; i < 100; i++) {
                    for (int k = 0; k < 5; k++) store.onEvent(Events.settled(T0.plusMillis(i * 5L + k), "groq", FP_A, "m", i * 5L + k, 10));
                    endOfTurn.remove(0).run();
                    String err = store.health().lastError();
                    if (err != null && err.contains("write-ahead append failed")) break;
                }
                assertThat(i).as("a turn's write failed on the full disk").isLessThan(100);
                Files.delete(mnt.resolve("filler"));
                List<String> answered = new ArrayList<>();
                store.onEvent(Events.settled(T0.plusSeconds(1), "groq", FP_A, "m", 1000, 10));
                WriteAheadRounds.afterLines(() -> answered.add("after room again"));
                endOfTurn.remove(0).run();
                assertThat(answered).containsExactly("after room again");
                assertThat(walLines(mnt.resolve("journal"))).as("the line of the turn after the disk had room again")
                        .anyMatch(l -> l.contains("\"promptTokens\":1000,"));
            } finally {
                WriteAheadRounds.disable();
                store.close();
            }
        } finally {
            run("umount", mnt.toString());
        }
    }
    /**
     * A turn that ends after a clean close: every event was committed and the write-ahead files were
     * deleted, so its lines must not start a new file (the next open would take it for a crash's
     * leftovers and start journaling to replay it).
     */
    @DatabaseTest(TestDatabase.Kind.SQLITE)
    void aTurnThatEndsAfterACleanCloseLeavesNoWriteAheadFile(TestDatabase db) throws Exception {
        Path journal = db.workDir().resolve("journal");
        StoreConfig config = db.config().journalDir(journal).batchInterval(Duration.ofSeconds(5)).build();
        KeycycleStore store = db.open(config);
        List<Runnable> endOfTurn = new ArrayList<>();
        List<String> answered = new ArrayList<>();
        WriteAheadRounds.enable(endOfTurn::add);
        try {
            store.onEvent(Events.settled(T0, "groq", FP_A, "m", 0, 10));
            WriteAheadRounds.afterLines(() -> answered.add("a"));
            store.close(); // commits the event, deletes the write-ahead files
            assertThat(Events.count(db::connect, "SELECT COUNT(*) FROM keycycle_usage")).isEqualTo(1);
            endOfTurn.remove(0).run(); // the loop's turn ends after the close
        } finally {
            WriteAheadRounds.disable();
        }
        assertThat(answered).containsExactly("a");
        assertThat(walLines(journal)).as("no write-ahead file after a clean close").isEmpty();
        KeycycleStore again = db.open(config);
        try {
            assertThat(again.health().journaling()).as("a clean close leaves nothing to replay").isFalse();
        } finally {
            again.close();
        }
    }

    /**
     * A store that is closed and dropped can be collected even though a long-lived thread (a test
     * runner's, an application's) appended to it: its per-thread batch must not keep it alive.
     */
    @org.junit.jupiter.api.Test
    void aThreadThatAppendedDoesNotKeepADroppedStoreAlive(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        java.lang.ref.WeakReference<WriteAheadStripes> ref = appendOnceAndDrop(dir);
        for (int i = 0; i < 50 && ref.get() != null; i++) {
            System.gc();
            byte[][] pressure = new byte[64][];
            for (int k = 0; k < pressure.length; k++) pressure[k] = new byte[1 << 20];
            Thread.sleep(20);
        }
        assertThat(ref.get()).as("the stripes (and the store behind their listener) were collected").isNull();
    }

    private static java.lang.ref.WeakReference<WriteAheadStripes> appendOnceAndDrop(Path dir) throws IOException {
        java.util.concurrent.atomic.AtomicLong counter = new java.util.concurrent.atomic.AtomicLong();
        WriteAheadStripes stripes = new WriteAheadStripes(
                () -> new WriteAheadLog(dir, KeycycleStore.journalMapper(), 0x5eed, false, counter),
                new WriteAheadStripes.Listener() {
                    @Override public void written() { }

                    @Override public void failed(Exception e) { }
                });
        stripes.append(new StoredEvent.Usage(1, StoredEvent.eventId(1, 0x5eed), "groq", "org", "3f9a1c07…wxyz", "m",
                1_767_225_600_000L, 1, 120, 40, 160, "success", 200));
        stripes.discard();
        return new java.lang.ref.WeakReference<>(stripes);
    }
    /**
     * The loop starts refusing tasks (it is shutting down) while a turn's answers run, and one of them
     * appends again: its line is written at once, and every answer still runs exactly once.
     */
    @DatabaseTest(TestDatabase.Kind.SQLITE)
    void anAnswerThatAppendsWhileTheLoopRefusesTasksRunsOnce(TestDatabase db) throws Exception {
        Path journal = db.workDir().resolve("journal");
        KeycycleStore store = db.open(db.config().journalDir(journal).batchInterval(Duration.ofSeconds(5)).build());
        List<Runnable> endOfTurn = new ArrayList<>();
        boolean[] closing = {false};
        List<String> answered = new ArrayList<>();
        WriteAheadRounds.enable(task -> {
            if (closing[0]) throw new java.util.concurrent.RejectedExecutionException("event loop shut down");
            endOfTurn.add(task);
        });
        try {
            store.onEvent(Events.settled(T0, "groq", FP_A, "m", 0, 10));
            WriteAheadRounds.afterLines(() -> {
                answered.add("a");
                store.onEvent(Events.settled(T0.plusMillis(1), "groq", FP_A, "m", 1, 10)); // e.g. a follow-up call settled
            });
            WriteAheadRounds.afterLines(() -> answered.add("b"));
            closing[0] = true;
            try {
                endOfTurn.remove(0).run();
            } catch (StackOverflowError e) {
                throw new AssertionError("the answers re-ran without end", e);
            }
        } finally {
            WriteAheadRounds.disable();
        }
        assertThat(answered).as("each answer once, in order").containsExactly("a", "b");
        assertThat(walLines(journal)).hasSize(2);
        store.close();
    }
}
