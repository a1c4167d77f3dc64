package io.keycycle.store;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.Closeable;
import java.io.IOException;
import java.io.FileOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Makes every event the store accepts crash-safe before its caller goes on: in normal mode (events
 * travel to the database through the in-memory queue) each one is also appended, as one JSON line
 * and one {@code write} system call (the file is opened with {@code O_APPEND}), to a
 * {@code wal-<first seq>-<nonce>-<n>.jsonl} file in the journal directory. Once the write returns the bytes belong to the operating system, so a
 * {@code kill -9} of the process cannot lose them (a power loss can, unless {@code fsync} is on:
 * then each append waits for the disk as well).
 *
 * <p>Files roll at {@link #ROLL_BYTES}; a rolled file is deleted once the writer has committed
 * every event in it, and all of them are deleted after a clean close. A file left by a process
 * that died is turned into an ordinary journal segment at the next open ({@link Journal}) and
 * replayed: the events already in the database are recognised by their ids and skipped, the others
 * are written. Thread-safety: {@link #append} runs on the threads of its stripe ({@link WriteAheadStripes}); {@link #committedThrough}
 * and {@link #discard} from any thread; all take this object's monitor ({@link #committedThrough}
 * only to take the finished files off its list: it deletes them outside).
 */
final class WriteAheadLog implements Closeable {

    /** Size at which the current file is closed and a new one started. */
    static final long ROLL_BYTES = 1 << 20;
    static final String PREFIX = "wal-";

    private record Closed(Path path, long maxSeq) { }

    private final Path dir;
    private final ObjectMapper json;
    private final int nonce;
    private final boolean fsync;
    private final AtomicLong counter;
    private final ArrayDeque<Closed> closed = new ArrayDeque<>();
    /**
     * The open file. A {@code FileOutputStream}, not a {@code FileChannel}: its {@code write} of a
     * byte array goes to the system call through a buffer on the native stack, where the channel's
     * takes a temporary direct buffer from a thread-local cache and gives it back, and registers the
     * thread for interruption (in the gateway's profile 1.7 % of its CPU went to the append outside the
     * system call with the channel, 1.3 % with this stream). Nor does an interrupt of the appending
     * thread close it: a library caller's thread interrupted while it settled a call (a cancelled
     * future) closed the channel, and every later append of that stripe failed until a restart. For
     * the same reason fsync goes through the descriptor ({@code fsync}), not the stream's channel.
     */
    private FileOutputStream current;
    private Path currentPath;
    private long currentBytes;
    private long currentMaxSeq;
    /**
     * Set by {@link #discard} (a clean close: every event is committed or in a journal segment). A
     * line that arrives later (a round of an event loop that ends after the close) belongs to one of
     * those events: it is dropped rather than starting a file the next open would replay as a crash's.
     */
    private boolean discarded;

    WriteAheadLog(Path dir, ObjectMapper json, int nonce, boolean fsync, AtomicLong counter) {
        this.dir = dir;
        this.json = json;
        this.nonce = nonce;
        this.fsync = fsync;
        this.counter = counter;
    }

    /**
     * A usage record's line (nearly every append), encoded into a reused array without a string or
     * a generator; other records (key states, fallbacks: rare) take {@link Journal#line}.
     */
    private final UsageLine usage = new UsageLine();

    /** Appends one event; when this returns the line is in the operating system's hands (or on disk with fsync). */
    synchronized void append(StoredEvent e) throws IOException {
        int length = usage.line(e, json);
        write(usage.bytes(), length, e.seq(), e.seq());
    }

    /** The mapper for the lines of the rare records {@link UsageLine} does not encode ({@link Journal#line}). */
    ObjectMapper json() { return json; }

    /**
     * Appends whole lines in one {@code write} system call ({@link WriteAheadStripes}: a round's lines
     * of one thread): {@code firstSeq} names a file this opens, {@code maxSeq} is the highest event
     * number among them. When this returns they are in the operating system's hands.
     */
    synchronized void write(byte[] bytes, int length, long firstSeq, long maxSeq) throws IOException {
        if (discarded) return;
        if (current == null) open(firstSeq);
        try {
            current.write(bytes, 0, length);
            if (fsync) current.getFD().sync();
        } catch (IOException io) {
            // A full disk may have taken part of the line: end this file here (its torn tail is cut at
            // replay), so that the next event starts a new file instead of continuing that line.
            currentMaxSeq = Math.max(currentMaxSeq, maxSeq);
            try {
                roll();
            } catch (IOException ignored) {
                // the file ends here anyway
            }
            throw io;
        }
        currentBytes += length;
        currentMaxSeq = Math.max(currentMaxSeq, maxSeq);
        if (currentBytes >= ROLL_BYTES) roll();
    }

    /**
     * Every event up to {@code seq} is in the database: deletes the rolled files that hold nothing
     * newer. The files are taken off the list under the monitor and deleted outside it, so that the
     * thread appending (an event loop) never waits for an {@code unlink}: on ext4 one can take
     * milliseconds while the file system's journal commits, and the writer thread that calls this
     * could also be preempted while holding the monitor.
     */
    void committedThrough(long seq) throws IOException {
        List<Path> done;
        synchronized (this) {
            if (closed.isEmpty() || closed.peekFirst().maxSeq() > seq) return;
            done = new ArrayList<>(2);
            while (!closed.isEmpty() && closed.peekFirst().maxSeq() <= seq) done.add(closed.pollFirst().path());
        }
        IOException first = null;
        for (Path p : done) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException e) {
                if (first == null) first = e;
            }
        }
        if (first != null) throw first;
    }

    /** Everything was committed (clean close): deletes every file of this log. */
    synchronized void discard() throws IOException {
        discarded = true;
        closeChannel();
        if (currentPath != null) Files.deleteIfExists(currentPath);
        currentPath = null;
        while (!closed.isEmpty()) Files.deleteIfExists(closed.pollFirst().path());
    }

    /** Closes the open file and keeps every file: the next open replays what was not committed. */
    @Override
    public synchronized void close() throws IOException { closeChannel(); }

    private void open(long firstSeq) throws IOException {
        String name = JournalFiles.name(PREFIX, firstSeq, nonce, counter.incrementAndGet());
        currentPath = dir.resolve(name);
        Files.createFile(currentPath, JournalFiles.ownerOnly());
        current = new FileOutputStream(currentPath.toFile(), true);
        currentBytes = 0;
        currentMaxSeq = 0;
    }

    /** Closes the current file and lists it for deletion once committed, even when closing it failed. */
    private void roll() throws IOException {
        Path path = currentPath;
        currentPath = null;
        try {
            closeChannel();
        } finally {
            if (path != null) closed.addLast(new Closed(path, currentMaxSeq));
        }
    }

    private void closeChannel() throws IOException {
        if (current == null) return;
        try {
            if (fsync) current.getFD().sync();
            current.close();
        } finally {
            current = null;
        }
    }
}
