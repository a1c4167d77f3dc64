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
 * behind.
 *
 * <p>Opening repairs what a crash can leave: write-ahead files ({@link WriteAheadLog}) become
 * segments to replay, a last line without its newline (torn by a crash in the middle of an append)
 * is cut off, a leftover {@code .tmp} segment is taken as it is, and files the journal does not know
 * are ignored with a warning. Lines that are not valid records go to {@code rejected-lines.txt}
 * once their segment is committed; they never stop the replay. Every file is created readable by
 * its owner only. Thread-safety: {@link #append} and {@link #closeAppendIfDrained} are called under the
 * store's lock; everything else from the writer thread only.
 */
final class Journal implements Closeable {

    private static final Logger LOG = LoggerFactory.getLogger(Journal.class);
    static final String SEGMENT_PREFIX = JournalFiles.SEGMENT_PREFIX;
    private static final String REJECTED = "rejected.jsonl";

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

    /** Lines read from a segment: the events, the unreadable lines and the byte offset just after the last one. */
    record Chunk(List<StoredEvent> events, long endOffset, List<byte[]> corruptLines) {
        int corrupt() { return corruptLines.size(); }
    }

    private final Path dir;
    /** The directory asked for: {@link #dir} itself, or its parent when another store owns it. */
    private final Path root;
    private final String database;
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

    Journal(Path requestedDir, ObjectMapper json, int nonce) throws IOException { this(requestedDir, json, nonce, null); }

    /**
     * @param database the database this store writes to, as {@link JournalAdoption#DATABASE} records it (null: not
     *                 checked). A directory holding events of another database is refused: they would
     *                 be written into this one (until 2026-12-04 they were, with one journal directory
     *                 set for two applications).
     */
    Journal(Path requestedDir, ObjectMapper json, int nonce, String database) throws IOException {
        this.json = json;
        this.nonce = nonce;
        JournalFiles.createDirectory(requestedDir);
        Path chosen = requestedDir;
        FileChannel ch = JournalOwner.openLock(requestedDir);
        FileLock l = JournalOwner.tryLock(ch);
        if (l == null) {
            ch.close();
            chosen = requestedDir.resolve(JournalAdoption.PROC_PREFIX + Integer.toHexString(nonce));
            JournalFiles.createDirectory(chosen);
            ch = JournalOwner.openLock(chosen);
            l = JournalOwner.tryLock(ch);
            if (l == null) throw new IOException("journal directory " + chosen + " is locked");
            LOG.info("journal {} is in use by another store; this one journals to {}", requestedDir, chosen);
            if (database != null) writeDatabase(chosen, database);
        } else if (database != null) {
            String found = JournalAdoption.readDatabase(requestedDir);
            if (found != null && !found.equals(database) && holdsJournalFiles(requestedDir)) {
                try { l.release(); } finally { ch.close(); }
                throw new StoreException("the journal directory " + requestedDir + " holds events of the database " + found
                        + ", not of " + database + ": open a store on " + found + " with this journal directory to write them, "
                        + "and give each database a journal directory of its own (KEYCYCLE_JOURNAL_DIR, journalDir)");
            }
            if (!database.equals(found)) writeDatabase(requestedDir, database);
        }
        try {
            JournalOwner.sign(ch); // who holds the directory, for another process to tell once it ends
        } catch (IOException io) {
            LOG.warn("journal {}: cannot write this process into its lock file ({}); another process cannot tell when it ends", chosen, io.toString());
        }
        // What a dead second process left in its proc- directory: the owner adopts it at its start, and
        // so does a second process, or a killed one restarted beside a running owner would leave its
        // write-ahead files unwritten until that owner restarts.
        JournalAdoption.atOpen(requestedDir, chosen, database);
        this.dir = chosen;
        this.root = requestedDir;
        this.database = database;
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
        byte[] line = line(json, e);
        if (appendOut == null) {
            // Only a segment that could be created and opened becomes the append segment: a disk that
            // takes nothing leaves no half-made segment behind for the writer to wait on.
            Segment s = newSegment(e.seq());
            Files.createFile(s.path, JournalFiles.ownerOnly());
            try {
                appendOut = Files.newOutputStream(s.path, StandardOpenOption.APPEND);
            } catch (IOException io) {
                Files.deleteIfExists(s.path);
                throw io;
            }
            appendSegment = s;
            synchronized (segments) { segments.put(s.path.getFileName().toString(), s); }
        }
        try {
            appendOut.write(line);
            appendOut.flush();
        } catch (IOException io) {
            // A full disk may have taken part of the line: end the segment here (its torn tail is cut
            // off when it is replayed), so that the next event does not continue that line.
            Segment s = appendSegment;
            try { appendOut.close(); } catch (IOException ignored) { /* the segment ends here anyway */ }
            appendOut = null;
            appendSegment = null;
            if (s.events == 0) {
                try { remove(s); } catch (IOException ignored) { /* the file stays; the next start repairs it */ }
            }
            throw io;
        }
        appendSegment.events++;
        pendingEvents.incrementAndGet();
        maxSeq.accumulateAndGet(e.seq(), Math::max);
    }

    /** Writes events older than the append segment as a segment of their own, synced to disk. */
    void writeSegment(List<StoredEvent> events) throws IOException {
        if (events.isEmpty()) return;
        Segment s = newSegment(events.get(0).seq());
        writeDurably(s.path, events, false);
        s.events = events.size();
        synchronized (segments) { segments.put(s.path.getFileName().toString(), s); }
        pendingEvents.addAndGet(events.size());
        for (StoredEvent e : events) maxSeq.accumulateAndGet(e.seq(), Math::max);
    }

    /**
     * Writes {@code events} as the lines of file {@code path}, durably: into {@code path.tmp},
     * synced to disk, then moved into place in one step, so a crash leaves the whole file or none
     * of it. {@code replace}: a file (or .tmp) of that name left by an earlier run is written over;
     * otherwise the name must be new.
     */
    private void writeDurably(Path path, List<? extends StoredEvent> events, boolean replace) throws IOException {
        Path tmp = path.resolveSibling(path.getFileName() + ".tmp");
        java.util.Set<StandardOpenOption> open = replace
                ? java.util.Set.of(StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)
                : java.util.Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        try (FileChannel ch = FileChannel.open(tmp, open, JournalFiles.ownerOnly())) {
            ByteArrayOutputStream buf = new ByteArrayOutputStream(events.size() * 256);
            for (StoredEvent e : events) buf.write(line(json, e));
            ch.write(java.nio.ByteBuffer.wrap(buf.toByteArray()));
            ch.force(true);
        }
        if (replace) Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        else Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * The oldest segment other than the one being appended to, else that one, else null. The append
     * segment is the newest, except beside segments taken from a process that died while this one
     * ran (numbered from its own, later start): they must not wait behind a segment that keeps growing.
     */
    Segment oldest() {
        synchronized (segments) {
            for (Segment s : segments.values()) if (s != appendSegment) return s;
            return appendSegment;
        }
    }

    boolean isAppendSegment(Segment s) { return s == appendSegment; }

    /**
     * Reads up to {@code max} complete lines after the committed offset. A line is parsed where it
     * lies in the read buffer; only one that runs past the buffer's end is copied together first
     * (copying every line byte by byte took a tenth of the writer's time when it replayed a burst).
     */
    Chunk read(Segment s, int max) throws IOException {
        List<StoredEvent> events = new ArrayList<>();
        List<byte[]> corrupt = new ArrayList<>();
        long offset = s.committedOffset;
        try (RandomAccessFile f = new RandomAccessFile(s.path.toFile(), "r")) {
            long end = f.length();
            f.seek(offset);
            byte[] buf = new byte[64 * 1024];
            ByteArrayOutputStream partial = new ByteArrayOutputStream(512); // the start of a line the buffer cut
            long pos = offset; // the file position of buf[0]
            outer:
            while (pos < end && events.size() < max) {
                int n = f.read(buf, 0, (int) Math.min(buf.length, end - pos));
                if (n <= 0) break;
                int from = 0;
                for (int i = 0; i < n; i++) {
                    if (buf[i] != '\n') continue;
                    long lineStart = offset;
                    offset = pos + i + 1;
                    if (partial.size() == 0) {
                        parse(buf, from, i - from, events, corrupt, s, lineStart);
                    } else {
                        partial.write(buf, from, i - from);
                        byte[] whole = partial.toByteArray();
                        partial.reset();
                        parse(whole, 0, whole.length, events, corrupt, s, lineStart);
                    }
                    from = i + 1;
                    if (events.size() >= max) break outer;
                }
                partial.write(buf, from, n - from);
                pos += n;
            }
        }
        return new Chunk(events, offset, corrupt);
    }

    /** One line without its newline: an event, nothing (a blank line), or a corrupt line kept as it was. */
    private void parse(byte[] b, int off, int len, List<StoredEvent> events, List<byte[]> corrupt, Segment s, long lineStart) {
        boolean blank = true;
        for (int i = off; i < off + len && blank; i++) blank = (b[i] & 0xff) <= ' ';
        if (blank) return;
        try {
            StoredEvent e = json.readValue(b, off, len, StoredEvent.class);
            if (e == null || e.eventId() == null) throw new IOException("not a journal record");
            events.add(e);
        } catch (IOException | RuntimeException bad) {
            corrupt.add(java.util.Arrays.copyOfRange(b, off, off + len));
            LOG.warn("journal {}: an unreadable line at offset {} goes to {}", s.path.getFileName(), lineStart, JournalFiles.REJECTED_LINES);
        }
    }

    /** Marks a chunk committed; deletes a fully committed segment unless it is the open append segment. */
    void committed(Segment s, Chunk chunk) throws IOException {
        for (byte[] bad : chunk.corruptLines()) JournalFiles.reject(dir, s.path.getFileName() + " at offset " + s.committedOffset, bad);
        s.committedOffset = chunk.endOffset();
        pendingEvents.addAndGet(-(chunk.events().size() + chunk.corrupt()));
        if (s == appendSegment) return;
        if (chunk.events().isEmpty() && chunk.corrupt() == 0 && s.committedOffset < Files.size(s.path)) {
            JournalFiles.repairTail(s.path); // a closed segment never grows: what follows the last newline is torn
        }
        if (s.committedOffset >= Files.size(s.path)) remove(s);
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
        try (OutputStream out = JournalFiles.append(dir.resolve(REJECTED))) {
            for (StoredEvent e : events) out.write(line(json, e));
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

    /** A write-ahead log in this journal's directory, its file names unique among the segments'. */
    WriteAheadLog writeAheadLog(boolean fsync) { return new WriteAheadLog(dir, json, nonce, fsync, segmentCounter); }

    static byte[] line(ObjectMapper json, StoredEvent e) throws IOException {
        if (e instanceof StoredEvent.Usage u) return usageLine(json.getFactory(), u);
        byte[] b = json.writeValueAsBytes(e);
        byte[] out = new byte[b.length + 1];
        System.arraycopy(b, 0, out, 0, b.length);
        out[b.length] = '\n';
        return out;
    }

    /**
     * A usage record's line: the same bytes as {@code json.writeValueAsBytes(u)} plus the newline
     * (a property test holds them equal), without the reflective record serialiser: encoded
     * directly ({@link UsageLine}) when no string needs an escape, as in every real record, else
     * written field by field with Jackson's streaming generator.
     */
    static byte[] usageLine(com.fasterxml.jackson.core.JsonFactory factory, StoredEvent.Usage u) throws IOException {
        if (UsageLine.fits(u)) {
            UsageLine line = new UsageLine();
            int length = line.encode(u);
            return java.util.Arrays.copyOf(line.bytes(), length);
        }
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(320);
        try (com.fasterxml.jackson.core.JsonGenerator g = factory.createGenerator(out, com.fasterxml.jackson.core.JsonEncoding.UTF8)) {
            g.writeStartObject();
            g.writeStringField("t", "usage");
            g.writeNumberField("seq", u.seq());
            g.writeStringField("eventId", u.eventId());
            g.writeStringField("provider", u.provider());
            g.writeStringField("scope", u.scope());
            g.writeStringField("keyFp", u.keyFp());
            g.writeStringField("model", u.model());
            g.writeNumberField("ts", u.ts());
            g.writeNumberField("requests", u.requests());
            g.writeNumberField("promptTokens", u.promptTokens());
            g.writeNumberField("completionTokens", u.completionTokens());
            g.writeNumberField("chargedTokens", u.chargedTokens());
            g.writeStringField("outcome", u.outcome());
            g.writeNumberField("status", u.status());
            g.writeEndObject();
            g.writeRaw('\n');
        }
        return out.toByteArray();
    }

    private Segment newSegment(long firstSeq) {
        // The counter keeps names unique when the same events are journaled twice (close racing the writer).
        String name = JournalFiles.name(SEGMENT_PREFIX, firstSeq, nonce, segmentCounter.incrementAndGet());
        return new Segment(dir.resolve(name), firstSeq);
    }

    private void remove(Segment s) throws IOException {
        synchronized (segments) { segments.remove(s.path.getFileName().toString()); }
        Files.deleteIfExists(s.path);
    }

    /**
     * Turns each dead process's file of calls in flight ({@link CallsInFlight}) into a segment of
     * usage records, then deletes the file. A file a live process still holds (its store closed with
     * calls open) is left alone. The segment is named after the dead process (its nonce,
     * file number 0, which its own counter never gives) and its records carry ids fixed by the file,
     * so a crash in the middle of this leaves only copies that the replay skips by id.
     */
    private void recoverCallsInFlight() throws IOException {
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, CallsInFlight.PREFIX + "*" + CallsInFlight.SUFFIX)) {
            for (Path p : ds) if (Files.isRegularFile(p)) files.add(p);
        }
        for (Path f : files) {
            if (CallsInFlight.heldByALiveProcess(f)) {
                // a store closed with calls open, in a process still running: they settle into its journal
                LOG.info("journal {}: {} belongs to a store whose process still runs (closed with calls in flight); "
                        + "its calls are left to it", dir, f.getFileName());
                continue;
            }
            recoverCallsInFlight(f);
        }
    }

    /** One dead process's file of calls in flight as a segment; returns the segment, or null when it held no call. */
    private Path recoverCallsInFlight(Path f) throws IOException {
        Path segment = null;
        List<StoredEvent.Usage> calls = CallsInFlight.recover(f);
        if (!calls.isEmpty()) {
            long first = Long.MAX_VALUE;
            int unfinished = 0;
            for (StoredEvent.Usage u : calls) {
                first = Math.min(first, u.seq());
                if (StoredEvent.UNFINISHED.equals(u.outcome())) unfinished++;
            }
            String nonceHex = f.getFileName().toString().substring(CallsInFlight.PREFIX.length(),
                    f.getFileName().toString().length() - CallsInFlight.SUFFIX.length());
            int deadNonce;
            try {
                deadNonce = Integer.parseUnsignedInt(nonceHex, 16);
            } catch (NumberFormatException e) {
                deadNonce = 0;
            }
            // a crash during an earlier recovery may have left this very segment, or its .tmp: written over
            segment = dir.resolve(JournalFiles.name(SEGMENT_PREFIX, Math.max(0, first), deadNonce, 0));
            writeDurably(segment, calls, true);
            LOG.info("journal {}: {} call(s) were in flight when the process that left {} stopped: {} recorded as {} "
                    + "(one request and its reserved tokens each), {} settled ones kept from the file", dir, calls.size(),
                    f.getFileName(), unfinished, StoredEvent.UNFINISHED, calls.size() - unfinished);
        }
        Files.deleteIfExists(f);
        return segment;
    }

    /** This process's file of calls in flight, in this journal's directory (null: not kept, see the log). */
    CallsInFlight callsInFlight(int slots) { return CallsInFlight.open(dir, nonce, slots); }

    private void scan() throws IOException {
        recoverCallsInFlight();
        List<Path> entries = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) entries.add(p);
        }
        for (Path p : entries) {
            String name = p.getFileName().toString();
            if (name.equals(JournalOwner.LOCK) || name.equals(JournalAdoption.DATABASE) || name.equals(REJECTED) || name.equals(JournalFiles.REJECTED_LINES)
                    || (name.startsWith(JournalAdoption.PROC_PREFIX) && Files.isDirectory(p)) || TrustStores.isTrustStore(name)
                    || CallsInFlight.isSlotsFile(name)) {
                continue;
            }
            Path segment = asSegment(p, name);
            if (segment == null) {
                LOG.warn("journal {}: ignoring {}, which is not a journal file", dir, name);
                continue;
            }
            register(segment, true);
        }
        if (!segments.isEmpty()) {
            LOG.info("journal {}: {} events left by a previous run will be replayed", dir, pendingEvents.get());
        }
    }

    /**
     * Adds a segment file found in the directory to the replay: its torn tail cut, its lines counted.
     * {@code ownSeq}: its numbers count toward this journal's highest (at the start, so that new
     * events are numbered after them); not for a segment of a process that ran beside this one.
     * Returns its events.
     */
    private long register(Path segment, boolean ownSeq) throws IOException {
        String segName = segment.getFileName().toString();
        Segment s = new Segment(segment, Long.parseLong(segName.substring(4, 24)));
        JournalFiles.repairTail(segment);
        Chunk all = read(s, Integer.MAX_VALUE);
        s.events = all.events().size() + all.corrupt();
        if (ownSeq) for (StoredEvent e : all.events()) maxSeq.accumulateAndGet(e.seq(), Math::max);
        synchronized (segments) { segments.put(segName, s); }
        pendingEvents.addAndGet(s.events);
        return s.events;
    }

    /**
     * From the writer thread while the store runs: takes the journal files of each process of this
     * machine that died after this store opened and left them in a directory beside this one
     * ({@link JournalAdoption#ofTheDead}), and adds them to the replay: its calls in flight become a
     * segment of usage records, its write-ahead files segments. Returns the events added.
     */
    long adoptTheDead() throws IOException {
        List<Path> moved = JournalAdoption.ofTheDead(root, dir, database);
        long events = 0;
        for (Path p : moved) {
            String name = p.getFileName().toString();
            Path segment = CallsInFlight.isSlotsFile(name) ? recoverCallsInFlight(p) : asSegment(p, name);
            if (segment != null) events += register(segment, false);
        }
        return events;
    }

    /**
     * The segment a file is, renaming a write-ahead file or a leftover temporary segment to a
     * segment name; null for a file the journal does not know.
     */
    private static Path asSegment(Path p, String name) throws IOException {
        if (!Files.isRegularFile(p)) return null;
        String base = name;
        if (base.startsWith(WriteAheadLog.PREFIX)) base = SEGMENT_PREFIX + base.substring(WriteAheadLog.PREFIX.length());
        if (base.endsWith(".jsonl.tmp")) base = base.substring(0, base.length() - 4);
        if (!JournalFiles.SEGMENT_NAME.matcher(base).matches()) return null;
        if (base.equals(name)) return p;
        Path target = p.resolveSibling(base);
        Files.move(p, target, StandardCopyOption.ATOMIC_MOVE);
        return target;
    }

    private static void writeDatabase(Path dir, String database) throws IOException {
        Path f = dir.resolve(JournalAdoption.DATABASE);
        Path tmp = dir.resolve(JournalAdoption.DATABASE + "." + Long.toHexString(System.nanoTime()) + ".tmp");
        Files.writeString(tmp, database + "\n", StandardCharsets.UTF_8);
        Files.move(tmp, f, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** True if {@code dir} itself holds segments or write-ahead files (not counting proc- subdirectories). */
    private static boolean holdsJournalFiles(Path dir) throws IOException {
        try (DirectoryStream<Path> any = Files.newDirectoryStream(dir, p -> JournalAdoption.isJournalFile(p.getFileName().toString()))) {
            return any.iterator().hasNext();
        }
    }

}
