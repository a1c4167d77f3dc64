package io.keycycle.store;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The local outage journal: a directory of append-only segment files, one JSON line per event,
 * named {@code seg-<first seq>-<nonce>-<n>.jsonl} so that name order is write order. Segments are
 * replayed oldest first and deleted only after every line in them was committed to the database.
 *
 * <p>One process owns a directory ({@code .lock}); a second process on the same directory works in
 * a {@code proc-<nonce>} subdirectory, which the owner adopts at its next start if it was left
 * behind. Thread-safety: {@link #append} and {@link #closeAppendIfDrained} are called under the
 * store's lock; everything else from the writer thread only.
 */
final class Journal implements Closeable {

    private static final Logger LOG = LoggerFactory.getLogger(Journal.class);

    /** A segment file and how much of it is committed. */
    static final class Segment {
        final Path path;
        final long firstSeq;
        long committedOffset;
        long events;

        Segment(Path path, long firstSeq) {
            this.path = path;
            this.firstSeq = firstSeq;
        }
    }

    /** Lines read from a segment: the events and the byte offset just after the last one. */
    record Chunk(List<StoredEvent> events, long endOffset, int corrupt) { }

    private final Path dir;
    private final ObjectMapper json;
    private final int nonce;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final TreeMap<String, Segment> segments = new TreeMap<>();
    private final AtomicLong pendingEvents = new AtomicLong();
    private final AtomicLong maxSeq = new AtomicLong();
    private final AtomicLong segmentCounter = new AtomicLong();
    private Segment appendSegment;
    private OutputStream appendOut;

    Journal(Path requestedDir, ObjectMapper json, int nonce) throws IOException {
        this.json = json;
        this.nonce = nonce;
        Files.createDirectories(requestedDir);
        Path chosen = requestedDir;
        FileChannel ch = FileChannel.open(requestedDir.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock l = tryLock(ch);
        if (l == null) {
            ch.close();
            chosen = requestedDir.resolve("proc-" + Integer.toHexString(nonce));
            Files.createDirectories(chosen);
            ch = FileChannel.open(chosen.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            l = tryLock(ch);
            if (l == null) throw new IOException("journal directory " + chosen + " is locked");
            LOG.info("journal {} is in use by another store; this one journals to {}", requestedDir, chosen);
        } else {
            adoptOrphans(requestedDir);
        }
        this.dir = chosen;
        this.lockChannel = ch;
        this.lock = l;
        scan();
        warmUp();
    }

    /** Builds the JSON (de)serializers now, so the first spill from a caller thread does not pay for it. */
    private void warmUp() throws IOException {
        StoredEvent u = new StoredEvent.Usage(0, "warm-up", "p", "s", "k", "m", 0, 0, 0, 0, 0, "SUCCESS", 0);
        StoredEvent s = new StoredEvent.State(0, "warm-up", "p", "KEY", "k", "s", "k", "*", "READY", null, null, 0);
        json.readValue(json.writeValueAsBytes(u), StoredEvent.class);
        json.readValue(json.writeValueAsBytes(s), StoredEvent.class);
    }

    Path dir() { return dir; }

    long pendingEvents() { return pendingEvents.get(); }

    long maxSeq() { return maxSeq.get(); }

    boolean isEmpty() { return segments.isEmpty(); }

    /** Bytes of journal not yet committed. */
    long pendingBytes() {
        long total = 0;
        List<Segment> all;
        synchronized (segments) { all = List.copyOf(segments.values()); }
        for (Segment s : all) {
            try {
                total += Math.max(0, Files.size(s.path) - s.committedOffset);
            } catch (IOException ignored) {
                // deleted meanwhile
            }
        }
        return total;
    }

    /** Appends one event to the open append segment, creating it when needed. Under the store lock. */
    void append(StoredEvent e) throws IOException {
        if (appendOut == null) {
            appendSegment = newSegment(e.seq());
            appendOut = Files.newOutputStream(appendSegment.path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            synchronized (segments) { segments.put(appendSegment.path.getFileName().toString(), appendSegment); }
        }
        appendOut.write(line(e));
        appendOut.flush();
        appendSegment.events++;
        pendingEvents.incrementAndGet();
        maxSeq.accumulateAndGet(e.seq(), Math::max);
    }

    /** Writes events older than the append segment as a segment of their own, synced to disk. */
    void writeSegment(List<StoredEvent> events) throws IOException {
        if (events.isEmpty()) return;
        Segment s = newSegment(events.get(0).seq());
        Path tmp = s.path.resolveSibling(s.path.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteArrayOutputStream buf = new ByteArrayOutputStream(events.size() * 256);
            for (StoredEvent e : events) buf.write(line(e));
            ch.write(java.nio.ByteBuffer.wrap(buf.toByteArray()));
            ch.force(true);
        }
        Files.move(tmp, s.path, StandardCopyOption.ATOMIC_MOVE);
        s.events = events.size();
        synchronized (segments) { segments.put(s.path.getFileName().toString(), s); }
        pendingEvents.addAndGet(events.size());
        for (StoredEvent e : events) maxSeq.accumulateAndGet(e.seq(), Math::max);
    }

    /** The oldest segment, or null. */
    Segment oldest() {
        synchronized (segments) { return segments.isEmpty() ? null : segments.firstEntry().getValue(); }
    }

    boolean isAppendSegment(Segment s) { return s == appendSegment; }

    /** Reads up to {@code max} complete lines after the committed offset. */
    Chunk read(Segment s, int max) throws IOException {
        List<StoredEvent> events = new ArrayList<>();
        int corrupt = 0;
        long offset = s.committedOffset;
        try (RandomAccessFile f = new RandomAccessFile(s.path.toFile(), "r")) {
            long end = f.length();
            f.seek(offset);
            byte[] buf = new byte[64 * 1024];
            ByteArrayOutputStream line = new ByteArrayOutputStream(512);
            long pos = offset;
            outer:
            while (pos < end && events.size() < max) {
                int n = f.read(buf, 0, (int) Math.min(buf.length, end - pos));
                if (n <= 0) break;
                for (int i = 0; i < n; i++) {
                    if (buf[i] == '\n') {
                        String text = line.toString(StandardCharsets.UTF_8).trim();
                        line.reset();
                        offset = pos + i + 1;
                        if (!text.isEmpty()) {
                            try {
                                events.add(json.readValue(text, StoredEvent.class));
                            } catch (IOException bad) {
                                corrupt++;
                                LOG.warn("journal {}: skipping an unreadable line at offset {}", s.path.getFileName(), offset);
                            }
                        }
                        if (events.size() >= max) break outer;
                    } else {
                        line.write(buf[i]);
                    }
                }
                pos += n;
            }
        }
        return new Chunk(events, offset, corrupt);
    }

    /** Marks a chunk committed; deletes a fully committed segment unless it is the open append segment. */
    void committed(Segment s, Chunk chunk) throws IOException {
        s.committedOffset = chunk.endOffset();
        pendingEvents.addAndGet(-(chunk.events().size() + chunk.corrupt()));
        if (s != appendSegment && s.committedOffset >= Files.size(s.path)) remove(s);
    }

    /** Under the store lock: closes and deletes the append segment if all of it is committed. */
    boolean closeAppendIfDrained() throws IOException {
        if (appendSegment == null) return true;
        if (appendSegment.committedOffset < Files.size(appendSegment.path)) return false;
        appendOut.close();
        appendOut = null;
        remove(appendSegment);
        appendSegment = null;
        return true;
    }

    /** Moves events that can never be written (rejected by the database) aside, never dropping them. */
    void deadLetter(List<StoredEvent> events) throws IOException {
        Path file = dir.resolve("rejected.jsonl");
        try (OutputStream out = Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
            for (StoredEvent e : events) out.write(line(e));
        }
    }

    @Override
    public void close() throws IOException {
        if (appendOut != null) {
            appendOut.close();
            appendOut = null;
        }
        try { lock.release(); } finally { lockChannel.close(); }
    }

    private byte[] line(StoredEvent e) throws IOException {
        byte[] b = json.writeValueAsBytes(e);
        byte[] out = new byte[b.length + 1];
        System.arraycopy(b, 0, out, 0, b.length);
        out[b.length] = '\n';
        return out;
    }

    private Segment newSegment(long firstSeq) {
        // The counter keeps names unique when the same events are journaled twice (close racing the writer).
        String name = String.format("seg-%020d-%08x-%06d.jsonl", firstSeq, nonce, segmentCounter.incrementAndGet());
        return new Segment(dir.resolve(name), firstSeq);
    }

    private void remove(Segment s) throws IOException {
        synchronized (segments) { segments.remove(s.path.getFileName().toString()); }
        Files.deleteIfExists(s.path);
    }

    private void scan() throws IOException {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "seg-*.jsonl")) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                long first = Long.parseLong(name.substring(4, 24));
                Segment s = new Segment(p, first);
                Chunk all = read(s, Integer.MAX_VALUE);
                s.events = all.events().size() + all.corrupt();
                for (StoredEvent e : all.events()) maxSeq.accumulateAndGet(e.seq(), Math::max);
                pendingEvents.addAndGet(s.events);
                segments.put(name, s);
            }
        }
        if (!segments.isEmpty()) {
            LOG.info("journal {}: {} events left by a previous run will be replayed", dir, pendingEvents.get());
        }
    }

    private static void adoptOrphans(Path dir) throws IOException {
        try (DirectoryStream<Path> subs = Files.newDirectoryStream(dir, "proc-*")) {
            for (Path sub : subs) {
                if (!Files.isDirectory(sub)) continue;
                try (FileChannel ch = FileChannel.open(sub.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                    FileLock l = tryLock(ch);
                    if (l == null) continue;
                    try (DirectoryStream<Path> segs = Files.newDirectoryStream(sub, "seg-*.jsonl")) {
                        for (Path seg : segs) Files.move(seg, dir.resolve(seg.getFileName()), StandardCopyOption.ATOMIC_MOVE);
                    }
                    l.release();
                }
                Files.deleteIfExists(sub.resolve(".lock"));
                try { Files.deleteIfExists(sub); } catch (IOException notEmpty) { /* leave it */ }
            }
        }
    }

    private static FileLock tryLock(FileChannel ch) throws IOException {
        try {
            return ch.tryLock();
        } catch (OverlappingFileLockException inThisJvm) {
            return null;
        }
    }
}
