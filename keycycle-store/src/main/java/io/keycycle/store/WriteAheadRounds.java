package io.keycycle.store;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Objects;
import java.util.concurrent.Executor;

/**
 * Write-ahead lines by rounds, for a thread that settles many calls in one turn of a loop (a
 * gateway's event loop). Without it every usage event the store accepts is written to the
 * thread's write-ahead file by a {@code write} system call of its own before the caller goes on;
 * with it, on a thread that {@linkplain #enable enabled} it, the lines of a turn are gathered and
 * written in one {@code write} at the turn's end (a task given to the loop's executor, which runs
 * after the turn's I/O), and each answer that waits for them ({@link #afterLines}) goes out after
 * that write. On two cores a 300-byte {@code write} cost 4.8 µs of CPU, four lines in one 1.1 µs
 * each; a gateway event loop settles about five calls per turn at 32 connections.
 *
 * <p>The guarantee stays the one of the plain path: no answer that waits with {@link #afterLines}
 * leaves before the lines of the calls settled on its thread are in the operating system's hands,
 * so a client that has its answer knows a {@code kill -9} of the process cannot lose that call's
 * usage. A line that fails to be written is reported like a failed plain append (the store's
 * health names it; the event stays in memory until the database has it).
 *
 * <p>Thread confinement: every method acts on the calling thread's round only, and a round is only
 * touched by its thread (its end-of-turn task runs there too).
 */
public final class WriteAheadRounds {

    private static final Logger LOG = LoggerFactory.getLogger(WriteAheadRounds.class);
    private static final ThreadLocal<Round> ROUND = new ThreadLocal<>();

    private WriteAheadRounds() { }

    /**
     * From now on the calling thread's write-ahead lines wait for the end of its turn; {@code endOfTurn}
     * must run a task on this same thread after the I/O of the current turn (an event loop's
     * {@code execute}). Replaces an earlier executor of this thread; lines already waiting keep theirs.
     */
    public static void enable(Executor endOfTurn) {
        Objects.requireNonNull(endOfTurn, "endOfTurn");
        Round r = ROUND.get();
        if (r != null && !r.idle()) r.run();
        ROUND.set(new Round(endOfTurn));
    }

    /** True when the calling thread writes its lines by rounds. */
    public static boolean enabled() { return ROUND.get() != null; }

    /** Back to one {@code write} per line on the calling thread, after writing what waits. */
    public static void disable() {
        Round r = ROUND.get();
        if (r == null) return;
        ROUND.remove();
        r.run();
    }

    /**
     * Runs {@code answer} once every write-ahead line appended on the calling thread so far is
     * written: at once when none waits (or the thread does not use rounds), else at the end of the
     * turn, after the write, in the order given.
     */
    public static void afterLines(Runnable answer) {
        Round r = ROUND.get();
        if (r == null || r.pending.isEmpty()) answer.run();
        else r.waiting.add(answer);
    }

    /** The calling thread's round, or null: its lines are written one by one. */
    static Round current() { return ROUND.get(); }

    /** Something that holds lines of this thread and writes them in one go. */
    interface Batch {
        void flush();
    }

    static final class Round {
        private final Executor endOfTurn;
        private final Runnable task = this::run;
        final ArrayList<Batch> pending = new ArrayList<>(2);
        final ArrayList<Runnable> waiting = new ArrayList<>();
        private boolean scheduled;

        Round(Executor endOfTurn) { this.endOfTurn = endOfTurn; }

        boolean idle() { return pending.isEmpty() && waiting.isEmpty(); }

        /** {@code b} holds its first line of this turn: it is written at the turn's end. */
        void add(Batch b) {
            pending.add(b);
            if (scheduled) return;
            scheduled = true;
            try {
                endOfTurn.execute(task);
            } catch (RuntimeException refused) {
                // the loop is shutting down (RejectedExecutionException) or the executor failed: write
                // now rather than leave this thread's lines and answers waiting for a task that never runs
                run();
            }
        }

        /**
         * Writes every waiting batch, then runs the answers that waited for them. Both lists are
         * taken before anything runs: an answer may append again (its batch joins the next round, or,
         * when the loop refuses the task, is written by a nested call) or call afterLines, and a
         * nested call must find neither a written batch nor an answer that already ran.
         */
        void run() {
            scheduled = false;
            if (!pending.isEmpty()) {
                Batch[] batches = pending.toArray(new Batch[0]);
                pending.clear();
                for (Batch b : batches) b.flush(); // never throws: a failure goes to the store's health
            }
            if (waiting.isEmpty()) return;
            Runnable[] answers = waiting.toArray(new Runnable[0]);
            waiting.clear();
            for (Runnable answer : answers) {
                try {
                    answer.run();
                } catch (RuntimeException e) {
                    LOG.error("an answer that waited for its write-ahead line failed", e);
                }
            }
        }
    }
}
