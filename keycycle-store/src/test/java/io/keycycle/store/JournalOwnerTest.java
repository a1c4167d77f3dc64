package io.keycycle.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** What a journal directory's lock file tells of its owner, with real processes. */
class JournalOwnerTest {

    @Test
    void aLockFileNamesThisProcessAsAlive(@TempDir Path dir) throws Exception {
        assumeTrue(JournalOwner.whereHere() != null, "Linux: /proc names the boot and the process-id namespace");
        try (FileChannel ch = JournalOwner.openLock(dir)) {
            FileLock l = JournalOwner.tryLock(ch);
            JournalOwner.sign(ch);
            l.release();
        }
        assertThat(Files.readString(dir.resolve(JournalOwner.LOCK))).startsWith(ProcessHandle.current().pid() + " ");
        assertThat(JournalOwner.of(dir)).as("its lock is free, its process runs").isEqualTo(JournalOwner.Owner.ALIVE);
    }

    @Test
    void aProcessThatEndedIsGoneAndAReusedIdIsNotItsOwner() throws Exception {
        String where = JournalOwner.whereHere();
        assumeTrue(where != null, "Linux: /proc names the boot and the process-id namespace");
        Process p = new ProcessBuilder("true").start();
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(JournalOwner.judge(p.pid() + " 0 " + where, where)).isEqualTo(JournalOwner.Owner.GONE);

        ProcessHandle self = ProcessHandle.current();
        long start = self.info().startInstant().orElseThrow().toEpochMilli();
        assertThat(JournalOwner.judge(self.pid() + " " + start + " " + where, where)).isEqualTo(JournalOwner.Owner.ALIVE);
        assertThat(JournalOwner.judge(self.pid() + " " + (start - 60_000) + " " + where, where))
                .as("the same id, started at another instant: another process").isEqualTo(JournalOwner.Owner.GONE);
    }

    @Test
    void whatCannotBeJudgedIsUnknown(@TempDir Path dir) throws Exception {
        String where = "boot/pid:[1]";
        assertThat(JournalOwner.judge("", where)).isEqualTo(JournalOwner.Owner.UNKNOWN);
        assertThat(JournalOwner.judge("12 34 another-boot/pid:[1]", where)).as("another machine, boot or container")
                .isEqualTo(JournalOwner.Owner.UNKNOWN);
        assertThat(JournalOwner.judge("twelve 34 " + where, where)).isEqualTo(JournalOwner.Owner.UNKNOWN);
        assertThat(JournalOwner.judge("12 34 " + where, null)).as("a system where ids cannot be placed").isEqualTo(JournalOwner.Owner.UNKNOWN);
        assertThat(JournalOwner.of(dir)).as("no lock file").isEqualTo(JournalOwner.Owner.UNKNOWN);
        Files.writeString(dir.resolve(JournalOwner.LOCK), ""); // written by a release before owners were named
        assertThat(JournalOwner.of(dir)).isEqualTo(JournalOwner.Owner.UNKNOWN);
    }
}
