package io.keycycle.store;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Taking over what another process left in a journal directory: the files of its segments,
 * write-ahead lines and calls in flight are moved into the adopting store's directory, where its
 * journal replays them.
 *
 * <p>Two moments: a store's start takes every {@code proc-} directory nobody holds
 * ({@link #atOpen}), and a running store's writer looks every few seconds for a directory whose
 * owner is known to have died ({@link #ofTheDead}): the {@code proc-} directory of a second process,
 * or, for a second process, the shared directory of an owner that died. Before 2026-12-06 those
 * waited for the next start of some process on the directory.
 */
final class JournalAdoption {

    private static final Logger LOG = LoggerFactory.getLogger(JournalAdoption.class);
    /** The directory of a second process on a journal directory another store owns: {@code proc-<nonce>}. */
    static final String PROC_PREFIX = "proc-";
    /** The database whose events a directory holds (no credentials: a file path, or host:port/db). */
    static final String DATABASE = ".database";

    private JournalAdoption() { }

    /**
     * At a store's start: moves the journal files of every unlocked {@code proc-} directory of
     * {@code root} into {@code into}, a store closed earlier in this process included. Only the owner ({@code into == root}) touches a
     * directory with no journal file (and removes it): a second process starting at this moment has
     * such a directory, not yet locked, and a second process adopting beside it must leave it be. A
     * directory another adopter removed meanwhile is skipped.
     */
    static void atOpen(Path root, Path into, String database) throws IOException {
        try (DirectoryStream<Path> subs = Files.newDirectoryStream(root, PROC_PREFIX + "*")) {
            for (Path sub : subs) {
                if (!Files.isDirectory(sub) || sub.equals(into)) continue;
                take(sub, into, database, !into.equals(root), true);
            }
        }
    }

    /**
     * While a store runs: moves into {@code into} the journal files of each directory under
     * {@code root} (the {@code proc-} directories, and {@code root} itself when {@code into} is not
     * it) whose lock file names a process of this machine that has ended. Returns the files moved.
     */
    static List<Path> ofTheDead(Path root, Path into, String database) throws IOException {
        List<Path> moved = new ArrayList<>();
        try (DirectoryStream<Path> subs = Files.newDirectoryStream(root, PROC_PREFIX + "*")) {
            for (Path sub : subs) {
                if (!Files.isDirectory(sub) || sub.equals(into)) continue;
                if (JournalOwner.of(sub) != JournalOwner.Owner.GONE) continue;
                moved.addAll(take(sub, into, database, true, true));
            }
        }
        if (!into.equals(root) && JournalOwner.of(root) == JournalOwner.Owner.GONE) {
            moved.addAll(take(root, into, database, true, false));
        }
        if (!moved.isEmpty()) LOG.info("journal {}: took {} file(s) a process that died left under {}", into, moved.size(), root);
        return moved;
    }

    /**
     * Moves {@code from}'s journal files into {@code into} under {@code from}'s lock. {@code onlyIfFiles}:
     * a directory without one is left untouched. {@code remove}: the emptied directory goes too.
     */
    private static List<Path> take(Path from, Path into, String database, boolean onlyIfFiles, boolean remove) throws IOException {
        List<Path> moved = new ArrayList<>();
        DirectoryStream.Filter<Path> files = p -> isJournalFile(p.getFileName().toString());
        try {
            String theirs = database == null ? null : readDatabase(from);
            if (theirs != null && !theirs.equals(database)) return moved; // another database's events
            if (onlyIfFiles) {
                try (DirectoryStream<Path> any = Files.newDirectoryStream(from, files)) {
                    if (!any.iterator().hasNext()) return moved;
                }
            }
            try (FileChannel ch = JournalOwner.openLock(from)) {
                FileLock l = JournalOwner.tryLock(ch);
                if (l == null) return moved;
                try (DirectoryStream<Path> segs = Files.newDirectoryStream(from, files)) {
                    for (Path seg : segs) {
                        // calls a closed store of a live process still has open stay with that store
                        if (CallsInFlight.isSlotsFile(seg.getFileName().toString()) && CallsInFlight.heldByALiveProcess(seg)) continue;
                        Path to = into.resolve(seg.getFileName());
                        Files.move(seg, to, StandardCopyOption.ATOMIC_MOVE);
                        moved.add(to);
                    }
                }
                l.release();
            }
            if (remove) {
                Files.deleteIfExists(from.resolve(JournalOwner.LOCK));
                Files.deleteIfExists(from.resolve(DATABASE));
                try { Files.deleteIfExists(from); } catch (IOException notEmpty) { /* leave it */ }
            }
        } catch (NoSuchFileException gone) {
            // adopted and removed by another store at the same time
        }
        return moved;
    }

    /** The database {@code dir} records ({@link #DATABASE}), or null. */
    static String readDatabase(Path dir) throws IOException {
        Path f = dir.resolve(DATABASE);
        if (!Files.isRegularFile(f)) return null;
        String text = Files.readString(f, java.nio.charset.StandardCharsets.UTF_8).trim();
        return text.isEmpty() ? null : text;
    }

    /** A segment, a write-ahead file (either maybe left as {@code .tmp}) or a file of calls in flight: what holds events. */
    static boolean isJournalFile(String name) {
        return ((name.startsWith(JournalFiles.SEGMENT_PREFIX) || name.startsWith(WriteAheadLog.PREFIX))
                && (name.endsWith(".jsonl") || name.endsWith(".jsonl.tmp"))) || CallsInFlight.isSlotsFile(name);
    }
}
