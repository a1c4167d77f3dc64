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
import java.util.regex.Pattern;

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
    /** A segment's file name starts so ({@link #SEGMENT_NAME}). */
    static final String SEGMENT_PREFIX = "seg-";
    private static final boolean POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    /**
     * A segment's name ({@link #name}): the first event's number in 20 digits, the process's nonce in
     * 8 hex digits, the file's number within that process in at least 6 digits. The file number has
     * more than 6 once a process has started a million files (some 3.5 billion events at 1 MB per
     * write-ahead file: two days at 20,000 events a second); such a file is replayed like any other.
     */
    static final Pattern SEGMENT_NAME = Pattern.compile("seg-\\d{20}-[0-9a-f]{8}-\\d{6,19}\\.jsonl");

    private JournalFiles() { }

    /**
     * {@code <prefix><firstSeq, 20 digits>-<nonce, 8 hex digits>-<n, at least 6 digits>.jsonl}, the
     * same text as {@code String.format("%s%020d-%08x-%06d.jsonl", ...)} without the formatter's parsing
     * (a write-ahead file is opened on an event loop). {@code firstSeq} and {@code n} are not negative.
     */
    static String name(String prefix, long firstSeq, int nonce, long n) {
        StringBuilder sb = new StringBuilder(prefix.length() + 48).append(prefix);
        padded(sb, Long.toString(firstSeq), 20).append('-');
        padded(sb, Integer.toHexString(nonce), 8).append('-');
        return padded(sb, Long.toString(n), 6).append(".jsonl").toString();
    }

    private static StringBuilder padded(StringBuilder sb, String digits, int width) {
        for (int i = digits.length(); i < width; i++) sb.append('0');
        return sb.append(digits);
    }

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
