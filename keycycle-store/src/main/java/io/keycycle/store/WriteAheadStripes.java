package io.keycycle.store;

import java.io.Closeable;
import java.io.IOException;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * A few {@link WriteAheadLog}s side by side, each thread appending to its own: the threads that
 * settle calls (the gateway's event loops) never wait for one another's {@code write} system call.
 *
 * <p>With one log shared by every thread, an event loop preempted inside its append (on a busy
 * machine the kernel often switches threads on the way out of a system call) held up the other
 * loops at the log's monitor, which then parked and were woken in turn: measured on two cores, the
 * store cost the gateway about 30 µs per request with two event loops against 8 µs with one.
 *
 * <p>A thread is given a stripe the first time it appends, in turn, so the first {@value #STRIPES}
 * threads (a gateway's event loops among them) each have a file of their own; later threads share.
 * Files are opened on first use, so unused stripes cost nothing. Lines are not in number order
 * across files (nor, by a few, inside one), which nothing needs: a file is deleted once every event
 * it holds is committed (its highest number), and a replay skips committed events by id.
 *
 * <p>A thread that writes by rounds ({@link WriteAheadRounds}: a gateway's event loop) gathers the
 * lines of its turn in an array of its own and writes them to its stripe in one {@code write}.
 */
final class WriteAheadStripes implements Closeable {

    static final int STRIPES = 4;

    /** Told how each append went: the store's health follows it. */
    interface Listener {
        void written();

        void failed(Exception e);

        /**
         * The append of the event that held slot {@code slot} of the calls in flight is over (its
         * line is in the operating system's hands, or failed and the event stays in memory): the
         * slot may go. Called after {@link #written} or {@link #failed}, for every slot given.
         */
        default void released(int slot) { }
    }

    private final WriteAheadLog[] logs = new WriteAheadLog[STRIPES];
    private final AtomicInteger next = new AtomicInteger();
    private final Listener listener;
    private final ThreadLocal<Mine> mine;

    WriteAheadStripes(Supplier<WriteAheadLog> log, Listener listener) {
        for (int i = 0; i < STRIPES; i++) logs[i] = log.get();
        this.listener = listener;
        mine = ThreadLocal.withInitial(() -> new Mine(logs[Math.floorMod(next.getAndIncrement(), STRIPES)]));
    }

    /**
     * Appends to this thread's log. On a thread that writes by rounds ({@link WriteAheadRounds}) the
     * line waits in this thread's batch until the end of its turn; otherwise, when this returns the
     * line is in the operating system's hands. Never throws: the listener hears how it went.
     */
    void append(StoredEvent e) { append(e, -1); }

    /**
     * {@link #append(StoredEvent)}, and the listener hears {@link Listener#released} for {@code slot}
     * (a slot of the calls in flight, or -1 for none) once the line is written: at once on a plain
     * thread, after the round's write on one that writes by rounds.
     */
    void append(StoredEvent e, int slot) {
        Mine m = mine.get();
        WriteAheadRounds.Round round = WriteAheadRounds.current();
        if (round != null) {
            try {
                m.add(e, round, listener, slot);
                return;
            } catch (RuntimeException | IOException unexpected) {
                listener.failed(unexpected);
                if (slot >= 0) listener.released(slot);
                return;
            }
        }
        try {
            m.log.append(e);
            listener.written();
        } catch (IOException | RuntimeException io) {
            listener.failed(io);
        }
        if (slot >= 0) listener.released(slot);
    }

    /** Every event up to {@code seq} is in the database: each log deletes its rolled files that hold nothing newer. */
    void committedThrough(long seq) throws IOException { each(l -> l.committedThrough(seq)); }

    /** Everything was committed (clean close): deletes every file of every log. */
    void discard() throws IOException { each(WriteAheadLog::discard); }

    /** Closes the open files and keeps them all for the next open to replay. */
    @Override
    public void close() throws IOException { each(WriteAheadLog::close); }

    /**
     * One thread's stripe and, when it writes by rounds, the lines of its current turn: encoded into
     * one array, written in one {@code write} at the turn's end. Touched by its thread only.
     *
     * <p>Static, and holding the listener only while lines wait: it is the value of a thread-local
     * entry, and a value that reached these stripes (through an inner class's outer instance or the
     * listener, whose store holds them) would keep the entry's key alive, so a closed store would
     * never be collected while a thread that once appended to it lives.
     */
    private static final class Mine implements WriteAheadRounds.Batch {
        private static final int INITIAL_BUFFER = 8192;
        private static final int MAX_KEPT_BUFFER = 256 * 1024;
        final WriteAheadLog log;
        private Listener listener; // while lines wait: told how their write went
        private UsageLine usage;
        private byte[] buf;
        private int length;
        private long firstSeq;
        private long maxSeq;
        /** Slots of the calls in flight whose lines wait here: released after the write. */
        private int[] slots = new int[16];
        private int slotCount;

        Mine(WriteAheadLog log) { this.log = log; }

        void add(StoredEvent e, WriteAheadRounds.Round round, Listener listener, int slot) throws IOException {
            if (usage == null) {
                usage = new UsageLine();
                buf = new byte[INITIAL_BUFFER];
            }
            boolean first = length == 0;
            int n = usage.line(e, log.json()); // first: encoding may replace the array
            put(usage.bytes(), n);
            if (slot >= 0) {
                if (slotCount == slots.length) slots = Arrays.copyOf(slots, slotCount * 2);
                slots[slotCount++] = slot;
            }
            if (first) {
                this.listener = listener;
                firstSeq = e.seq();
                maxSeq = e.seq();
                round.add(this);
            } else {
                maxSeq = Math.max(maxSeq, e.seq());
            }
        }

        private void put(byte[] line, int n) {
            if (length + n > buf.length) buf = Arrays.copyOf(buf, Math.max(buf.length * 2, length + n));
            System.arraycopy(line, 0, buf, length, n);
            length += n;
        }

        @Override
        public void flush() {
            if (length == 0) return;
            int n = length;
            length = 0;
            byte[] lines = buf;
            // an unusually long turn grew the array: give the memory back after writing it
            if (buf.length > MAX_KEPT_BUFFER) buf = new byte[INITIAL_BUFFER];
            Listener listener = this.listener;
            this.listener = null;
            try {
                log.write(lines, n, firstSeq, maxSeq);
                listener.written();
            } catch (IOException | RuntimeException io) {
                listener.failed(io);
            }
            int held = slotCount;
            slotCount = 0;
            for (int i = 0; i < held; i++) listener.released(slots[i]);
            if (slots.length > 1024) slots = new int[16];
        }
    }

    private interface LogAction {
        void apply(WriteAheadLog log) throws IOException;
    }

    /** Applies {@code action} to every log, even after one failed; rethrows the first failure. */
    private void each(LogAction action) throws IOException {
        IOException first = null;
        for (WriteAheadLog l : logs) {
            try {
                action.apply(l);
            } catch (IOException e) {
                if (first == null) first = e;
            }
        }
        if (first != null) throw first;
    }
}
