package io.keycycle.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The write-ahead log's files: rolled at the size limit, deleted once everything in them is committed. */
class WriteAheadLogTest {

    private static final String FP = "3f9a1c07…wxyz";

    @TempDir Path dir;

    private static StoredEvent usage(long seq) {
        return new StoredEvent.Usage(seq, StoredEvent.eventId(seq, 0x5eed), "groq", "org…default", FP, "llama-3.3-70b",
                1_767_225_600_000L + seq, 1, 120, 40, 160, "success", 200);
    }

    private List<Path> files() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith(WriteAheadLog.PREFIX)).sorted().toList();
        }
    }

    private static long lines(Path p) throws IOException {
        try (Stream<String> s = Files.lines(p)) {
            return s.count();
        }
    }

    @Test
    void rolledFilesGoOnceTheirLastEventIsCommittedAndTheOpenFileStays() throws IOException {
        WriteAheadLog log = new WriteAheadLog(dir, KeycycleStore.journalMapper(), 0x5eed, false, new AtomicLong());
        long seq = 0;
        while (files().size() < 4) log.append(usage(++seq));
        List<Path> before = files();
        long inFirst = lines(before.get(0));
        long inSecond = lines(before.get(1));

        log.committedThrough(inFirst - 1); // one event of the first file is not committed yet: nothing goes
        assertThat(files()).isEqualTo(before);

        log.committedThrough(inFirst + inSecond); // the first two files are done
        assertThat(files()).containsExactlyElementsOf(before.subList(2, before.size()));

        log.committedThrough(seq); // every rolled file is done; the open one stays until a clean close
        assertThat(files()).containsExactly(before.get(before.size() - 1));
        long newest = ++seq;
        log.append(usage(newest));
        try (Stream<String> s = Files.lines(before.get(before.size() - 1))) {
            assertThat(s.reduce((a, b) -> b)).hasValueSatisfying(last -> assertThat(last).contains(StoredEvent.eventId(newest, 0x5eed)));
        }

        log.discard();
        assertThat(files()).isEmpty();
    }

    @Test
    void appendsGoOnWhileTheWriterDeletesCommittedFiles() throws Exception {
        WriteAheadLog log = new WriteAheadLog(dir, KeycycleStore.journalMapper(), 0x5eed, false, new AtomicLong());
        int events = 40_000; // ~11 files of 1 MiB
        AtomicLong appended = new AtomicLong();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        CountDownLatch done = new CountDownLatch(1);
        Thread appender = new Thread(() -> {
            try {
                for (long s = 1; s <= events; s++) {
                    log.append(usage(s));
                    appended.set(s);
                }
            } catch (Throwable t) {
                failure.set(t);
            } finally {
                done.countDown();
            }
        });
        appender.start();
        while (done.getCount() > 0) log.committedThrough(appended.get());
        appender.join();
        assertThat(failure.get()).isNull();
        log.committedThrough(events);
        List<Path> left = files();
        assertThat(left).hasSize(1);
        long total = lines(left.get(0));
        assertThat(total).isPositive().isLessThan(events);
        // the open file holds exactly the last events, in order, none lost at a roll
        try (Stream<String> s = Files.lines(left.get(0))) {
            List<String> ls = s.toList();
            assertThat(ls.get(ls.size() - 1)).contains(StoredEvent.eventId(events, 0x5eed));
            assertThat(ls.get(0)).contains(StoredEvent.eventId(events - total + 1, 0x5eed));
        }
        log.close();
    }

    /**
     * A thread whose interrupt flag is set (a caller's future cancelled while it settled a call)
     * appends like any other, with fsync too, and the file stays open for the next appends, from any thread.
     */
    @org.junit.jupiter.params.ParameterizedTest(name = "fsync {0}")
    @org.junit.jupiter.params.provider.ValueSource(booleans = {false, true})
    void anInterruptedThreadAppendsAndTheFileStaysOpen(boolean fsync) throws Exception {
        WriteAheadLog log = new WriteAheadLog(dir, KeycycleStore.journalMapper(), 0x5eed, fsync, new AtomicLong());
        log.append(usage(1));
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread interrupted = new Thread(() -> {
            Thread.currentThread().interrupt();
            try {
                log.append(usage(2));
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        interrupted.start();
        interrupted.join();
        assertThat(failure.get()).isNull();
        log.append(usage(3));
        assertThat(files()).hasSize(1);
        assertThat(lines(files().get(0))).isEqualTo(3);
        log.discard();
    }
}
