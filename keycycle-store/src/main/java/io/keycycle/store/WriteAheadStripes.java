package io.keycycle.store;

import java.io.Closeable;
import java.io.IOException;
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
 */
final class WriteAheadStripes implements Closeable {

    static final int STRIPES = 4;

    private final WriteAheadLog[] logs = new WriteAheadLog[STRIPES];
    private final AtomicInteger next = new AtomicInteger();
    private final ThreadLocal<WriteAheadLog> mine;

    WriteAheadStripes(Supplier<WriteAheadLog> log) {
        for (int i = 0; i < STRIPES; i++) logs[i] = log.get();
        mine = ThreadLocal.withInitial(() -> logs[Math.floorMod(next.getAndIncrement(), STRIPES)]);
    }

    /** Appends to this thread's log; when this returns the line is in the operating system's hands. */
    void append(StoredEvent e) throws IOException { mine.get().append(e); }

    /** Every event up to {@code seq} is in the database: each log deletes its rolled files that hold nothing newer. */
    void committedThrough(long seq) throws IOException { each(l -> l.committedThrough(seq)); }

    /** Everything was committed (clean close): deletes every file of every log. */
    void discard() throws IOException { each(WriteAheadLog::discard); }

    /** Closes the open files and keeps them all for the next open to replay. */
    @Override
    public void close() throws IOException { each(WriteAheadLog::close); }

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
