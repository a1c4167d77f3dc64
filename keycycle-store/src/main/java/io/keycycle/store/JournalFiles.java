package io.keycycle.store;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * File-level rules of the journal directory: files readable by their owner only ({@code rw-------},
 * directories {@code rwx------}, where the file system has POSIX permissions), cutting a torn last
 * line off a segment, and keeping lines that cannot be read in {@code rejected-lines.txt} instead
 * of dropping them.
 */
final class JournalFiles {

    private static final Logger LOG = LoggerFactory.getLogger(JournalFiles.class);
    /** Where unreadable journal lines go, verbatim, one per line. */
    static final String REJECTED_LINES = "rejected-lines.txt";
    private static final boolean POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");

    private JournalFiles() { }

    /** {@code rw-------} for a file being created, or nothing where permissions are not POSIX. */
    static FileAttribute<?>[] ownerOnly() {
        return POSIX ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))}
                : new FileAttribute<?>[0];
    }

    /** Creates {@code dir} (and missing parents) as {@code rwx------}; an existing directory is left as it is. */
    static void createDirectory(Path dir) throws IOException {
        if (Files.isDirectory(dir)) return;
        if (dir.getParent() != null) Files.createDirectories(dir.getParent());
        if (POSIX) {
            try {
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            } catch (java.nio.file.FileAlreadyExistsException raced) {
                // another store created it
            }
        } else {
            Files.createDirectories(dir);
        }
    }

    /** Opens {@code file} for appending, creating it owner-only. */
    static OutputStream append(Path file) throws IOException {
        if (!Files.exists(file)) {
            try {
                Files.createFile(file, ownerOnly());
            } catch (java.nio.file.FileAlreadyExistsException raced) {
                // fine
            }
        }
        return Files.newOutputStream(file, StandardOpenOption.APPEND);
    }

    /**
     * Cuts everything after the last newline (a line torn by a crash in the middle of an append)
     * and keeps the cut bytes in {@link #REJECTED_LINES}. Returns the number of bytes cut.
     */
    static long repairTail(Path segment) throws IOException {
        long size;
        long keep;
        byte[] torn;
        try (RandomAccessFile f = new RandomAccessFile(segment.toFile(), "r")) {
            size = f.length();
            keep = 0;
            long pos = size;
            byte[] buf = new byte[8192];
            search:
            while (pos > 0) {
                int n = (int) Math.min(buf.length, pos);
                pos -= n;
                f.seek(pos);
                f.readFully(buf, 0, n);
                for (int i = n - 1; i >= 0; i--) {
                    if (buf[i] == '\n') {
                        keep = pos + i + 1;
                        break search;
                    }
                }
            }
            if (keep == size) return 0;
            long tornLength = size - keep;
            torn = new byte[(int) Math.min(tornLength, 1 << 20)];
            f.seek(keep);
            f.readFully(torn);
        }
        reject(segment.getParent(), segment.getFileName() + " torn tail at offset " + keep, torn);
        try (FileChannel ch = FileChannel.open(segment, StandardOpenOption.WRITE)) {
            ch.truncate(keep);
        }
        LOG.warn("journal {}: cut a torn last record of {} bytes at offset {} (a crash in the middle of an append); "
                + "kept in {}", segment.getFileName(), size - keep, keep, REJECTED_LINES);
        return size - keep;
    }

    /** Keeps an unreadable line verbatim, prefixed by where it came from. */
    static void reject(Path dir, String origin, byte[] text) throws IOException {
        try (OutputStream out = append(dir.resolve(REJECTED_LINES))) {
            out.write(("# " + origin + "\n").getBytes(StandardCharsets.UTF_8));
            out.write(text);
            out.write('\n');
        }
    }
}
