package io.keycycle.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * A journal directory's {@code .lock}: the file lock that says a store works in the directory, and
 * the process that took it, written into the file so that another process can tell whether the
 * directory's owner is still alive once the lock is free.
 *
 * <p>A free lock alone does not say the owner died: a store that closed while its process goes on
 * releases it, and such a store still appends what settles after its close (a call that was open)
 * to its directory. Only a directory whose owner is known dead may be taken from under a running
 * process. The lock file names the owner as {@code <pid> <start> <where>}: its process id, the
 * instant the process started (a reused id has another), and where a process id means something
 * (the kernel's boot id and the process-id namespace, read from {@code /proc} on Linux). On another
 * system, or for a file written by a release before 2026-12-06, the owner is {@link Owner#UNKNOWN}.
 */
final class JournalOwner {

    static final String LOCK = ".lock";

    /** What a lock file says of its owner. */
    enum Owner {
        /** A process of this machine that still runs. */
        ALIVE,
        /** A process of this machine that has ended (or a reused process id: another start). */
        GONE,
        /** Not written, unreadable, or of another machine, boot or container. */
        UNKNOWN
    }

    /** Where this process's id means something; null when that cannot be told. */
    private static final String WHERE = where();
    private static final String SELF = WHERE == null ? "" : identity(ProcessHandle.current());

    private JournalOwner() { }

    /** Opens (creating when needed) {@code dir}'s lock file. */
    static FileChannel openLock(Path dir) throws IOException {
        Path lock = dir.resolve(LOCK);
        if (Files.exists(lock)) return FileChannel.open(lock, StandardOpenOption.READ, StandardOpenOption.WRITE);
        return FileChannel.open(lock, java.util.Set.of(StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE),
                JournalFiles.ownerOnly());
    }

    /** The lock, or null when another process (or another channel of this one) holds it. */
    static FileLock tryLock(FileChannel ch) throws IOException {
        try {
            return ch.tryLock();
        } catch (OverlappingFileLockException inThisJvm) {
            return null;
        }
    }

    /** Under the lock: writes this process into the lock file (nothing where a process cannot be named). */
    static void sign(FileChannel ch) throws IOException {
        ch.truncate(0);
        ch.write(ByteBuffer.wrap(SELF.getBytes(StandardCharsets.US_ASCII)), 0);
        ch.force(false);
    }

    /** What {@code dir}'s lock file says of the process that last took it. */
    static Owner of(Path dir) {
        String text;
        try {
            text = Files.readString(dir.resolve(LOCK), StandardCharsets.US_ASCII).trim();
        } catch (IOException | RuntimeException unreadable) {
            return Owner.UNKNOWN;
        }
        return judge(text, WHERE);
    }

    /** {@link #of} for a lock file's text, in a process whose ids mean something at {@code where}. */
    static Owner judge(String text, String where) {
        String[] f = text.split(" ", 3);
        if (where == null || f.length != 3 || !f[2].equals(where)) return Owner.UNKNOWN;
        long pid;
        long start;
        try {
            pid = Long.parseLong(f[0]);
            start = Long.parseLong(f[1]);
        } catch (NumberFormatException bad) {
            return Owner.UNKNOWN;
        }
        Optional<ProcessHandle> p = ProcessHandle.of(pid);
        if (p.isEmpty() || !p.get().isAlive()) return Owner.GONE;
        long started = startMillis(p.get());
        if (started < 0) return Owner.ALIVE; // cannot tell a reused id: take it for the owner
        return started == start ? Owner.ALIVE : Owner.GONE;
    }

    /** Where this process's ids mean something, or null. */
    static String whereHere() { return WHERE; }

    private static String identity(ProcessHandle p) {
        return p.pid() + " " + startMillis(p) + " " + WHERE;
    }

    private static long startMillis(ProcessHandle p) {
        return p.info().startInstant().map(java.time.Instant::toEpochMilli).orElse(-1L);
    }

    private static String where() {
        try {
            String boot = Files.readString(Path.of("/proc/sys/kernel/random/boot_id"), StandardCharsets.US_ASCII).trim();
            String ns = Files.readSymbolicLink(Path.of("/proc/self/ns/pid")).toString();
            if (boot.isEmpty() || ns.isEmpty() || boot.contains(" ") || ns.contains(" ")) return null;
            return boot + "/" + ns;
        } catch (IOException | RuntimeException notLinux) {
            return null;
        }
    }
}
