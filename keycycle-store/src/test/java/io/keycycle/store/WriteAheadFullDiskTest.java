package io.keycycle.store;

import io.keycycle.store.testing.DatabaseTest;
import io.keycycle.store.testing.TestDatabase;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.stream.Stream;

import static io.keycycle.store.Events.FP_A;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A really full disk (a 64 KiB tmpfs) takes part of a write-ahead line and refuses the rest. Once
 * there is room again, the next event's append succeeds, so its caller was told it is crash-safe;
 * after a crash (the files as the kill leaves them) that event must reach the database.
 */
class WriteAheadFullDiskTest {

    private static final Instant T0 = Instant.parse("2026-03-01T12:00:00Z");

    private static int run(String... cmd) throws Exception {
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
    }

    @DatabaseTest(TestDatabase.Kind.SQLITE)
    void anEventAppendedAfterAFailedPartialAppendSurvivesACrash(TestDatabase db) throws Exception {
        Path mnt = db.workDir().resolve("small-disk");
        Files.createDirectories(mnt);
        assumeTrue(run("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", mnt.toString()) == 0, "needs root to mount a tmpfs");
        Path snapshot = db.workDir().resolve("after-the-kill");
        Files.createDirectories(snapshot);
        try {
            KeycycleStore crashed = KeycycleStore.open(db.config("jdbc:sqlite:" + db.workDir().resolve("crashed.db"))
                    .journalDir(mnt.resolve("journal")).build());
            try {
                crashed.onEvent(Events.settled(T0, "groq", FP_A, "m", 0, 10)); // opens the write-ahead file
                // fill the disk
                try (OutputStream out = Files.newOutputStream(mnt.resolve("filler"))) {
                    byte[] page = new byte[4096];
                    while (true) out.write(page);
                } catch (IOException full) {
                    // no space left
                }
                int i = 1;
                for (; i < 100; i++) {
                    crashed.onEvent(Events.settled(T0.plusMillis(i), "groq", FP_A, "m", i, 10));
                    String err = crashed.health().lastError();
                    if (err != null && err.contains("write-ahead append failed")) break;
                }
                assertThat(i).as("an append failed on the full disk").isLessThan(100);
                Files.delete(mnt.resolve("filler")); // room again
                // this append succeeds: its caller goes on, the event "cannot be lost by a crash"
                crashed.onEvent(Events.settled(T0.plusMillis(500), "groq", FP_A, "m", 1000, 10));
                // kill -9 here: the files stay as they are
                try (Stream<Path> files = Files.list(mnt.resolve("journal"))) {
                    for (Path p : files.filter(p -> p.getFileName().toString().startsWith("wal-")).toList()) {
                        Files.copy(p, snapshot.resolve(p.getFileName()));
                    }
                }
            } finally {
                crashed.close();
            }
        } finally {
            run("umount", mnt.toString());
        }
        KeycycleStore restarted = db.open(db.config().journalDir(snapshot).build());
        assertThat(restarted.flush(Duration.ofSeconds(20))).isTrue();
        assertThat(Events.longs(db::connect, "SELECT prompt_tokens FROM keycycle_usage ORDER BY prompt_tokens"))
                .as("the event whose append succeeded after the disk had room again").contains(1000L);
    }
}
