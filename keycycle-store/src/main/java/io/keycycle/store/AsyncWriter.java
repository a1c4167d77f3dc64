package io.keycycle.store;

import io.keycycle.core.KeycycleEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Moves events from the engine's threads to the database without ever making those threads wait
 * for the database.
 *
 * <p><b>Normal mode</b>: {@link #offer} numbers the event and puts it on a bounded queue (under the
 * lock), then appends it to this thread's {@link WriteAheadLog} ({@link WriteAheadStripes}; one
 * {@code write} call outside the lock: once {@code offer} returns a crash of the process cannot lose
 * it; on a thread that writes by rounds, {@link WriteAheadRounds}, the lines of a turn go in one
 * {@code write} at its end, before the answers that wait for them); one writer thread takes batches (up to {@code batchSize}, lingering up to
 * {@code batchInterval} for more) and commits each in one transaction, after which the write-ahead
 * files holding only committed events are deleted.
 *
 * <p><b>Journal mode</b> ("degraded"): entered when the queue is full or a write fails with a
 * transient error. From then on {@code offer} appends to the journal file instead of the queue;
 * a failed batch and the rest of the queue are written to the journal as an older segment. The
 * writer first writes what is still queued, then replays journal segments oldest first, retrying
 * with exponential backoff and jitter, deleting each segment only after it is committed. When the
 * journal is empty, under the same lock as {@code offer}, it switches back to normal mode. Event
 * numbers are assigned under that lock, so the database sees events in exactly the order they were
 * offered; event ids make every write idempotent, so a replay after an unacknowledged commit does
 * not double count.
 *
 * <p><b>Disk full</b>: when the journal cannot be written either, events wait in a bounded
 * in-memory overflow ({@link StoreConfig#overflowCapacity()}). From half of it the store reports
 * itself {@linkplain #full() full} so that callers (the gateway) take no new work; the other half
 * takes the events of calls already under way. An event beyond the bound is dropped, counted and
 * logged: memory never grows without bound.
 *
 * <p>Rows the database rejects as data errors (SQL state class 22/23) are retried one by one and
 * the ones that still fail go to {@code rejected.jsonl} in the journal directory; nothing is dropped.
 */
final class AsyncWriter {

    private static final Logger LOG = LoggerFactory.getLogger(AsyncWriter.class);
    /** How often a lingering writer looks at the queue again. */
    private static final long LINGER_STEP_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
    /** How often the writer looks for journal files a process that died left beside this store (a directory listing). */
    static final long ADOPT_EVERY_NANOS = TimeUnit.SECONDS.toNanos(5);
    /** Beyond the pool's connection timeout: SQLite's busy timeout (3 s) plus a margin. */
    private static final long STUCK_CALL_GRACE_MILLIS = 3_500;

    private final StoreConfig config;
    private final BatchWriter db;
    private final Journal journal;
    private final WriteAheadStripes writeAhead;
    /** The calls admitted and not yet settled, kept for the next start after a crash; null: not kept. */
    private final CallsInFlight calls;
    private final String where;
    private final int nonce;
    private final ArrayBlockingQueue<StoredEvent> queue;
    /** Events neither the write-ahead log nor the journal took (disk full): bounded, oldest first. */
    private final ArrayBlockingQueue<StoredEvent> overflow;
    private final int fullAt;
    private final ReentrantLock lock = new ReentrantLock();
    private final Object progress = new Object();
    private final Thread thread;

    private long seq;                       // guarded by lock
    private volatile boolean degraded;      // written under lock
    private volatile long lastSeq;          // highest number handed out
    private volatile long handledSeq;       // every event up to here is committed or dead-lettered
    private volatile boolean flushRequested;
    private volatile boolean stopping;
    private volatile long stopDeadlineNanos;
    private volatile List<StoredEvent> inFlight = List.of(); // memory-only events being written
    private volatile boolean evacuated = true;  // the writer thread's batch, if any, reached the journal at stop
    private long nextAdoptNanos;            // writer thread only: when to look for what a dead process left

    private final AtomicLong written = new AtomicLong();
    private final AtomicLong duplicates = new AtomicLong();
    private final AtomicLong spilled = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong lost = new AtomicLong();
    private volatile boolean full;
    private volatile boolean writeAheadBroken;
    private volatile String lastError;
    private volatile Instant lastErrorAt;
    private volatile Instant lastCommitAt;

    AsyncWriter(StoreConfig config, BatchWriter db, Journal journal, String where, int nonce) {
        this.config = config;
        this.db = db;
        this.journal = journal;
        this.writeAhead = new WriteAheadStripes(() -> journal.writeAheadLog(config.journalFsync()), new WriteAheadStripes.Listener() {
            @Override
            public void written() { writeAheadWritten(); }

            @Override
            public void failed(Exception e) { writeAheadFailed(e); }

            @Override
            public void released(int slot) { releaseCall(slot); }
        });
        this.calls = journal.callsInFlight(config.inFlightSlots());
        this.where = where;
        this.nonce = nonce;
        this.queue = new ArrayBlockingQueue<>(config.queueCapacity());
        this.overflow = new ArrayBlockingQueue<>(config.overflowCapacity());
        this.fullAt = config.overflowCapacity() / 2;
        this.seq = Math.max(System.currentTimeMillis() * 1000L, journal.maxSeq() + 1);
        this.handledSeq = journal.isEmpty() ? seq : 0; // leftovers are handled once the journal is replayed
        this.lastSeq = seq;
        this.degraded = !journal.isEmpty();
        this.nextAdoptNanos = System.nanoTime() + ADOPT_EVERY_NANOS;
        this.thread = new Thread(this::run, "keycycle-store-writer");
        this.thread.setDaemon(true);
    }

    void start() { thread.start(); }

    /** Never blocks on the database; appends one line to a write-ahead or journal file. Never throws. */
    void offer(KeycycleEvent event) {
        if (event instanceof KeycycleEvent.Admitted a) {
            if (calls != null) calls.admitted(a);
            return;
        }
        if (!StoredEvent.stored(event)) return;
        boolean spilling = false;
        boolean startedSpilling = false;
        RuntimeException failure = null;
        StoredEvent queued = null;
        int slot = -1;
        lock.lock();
        try {
            StoredEvent e = StoredEvent.of(event, ++seq, nonce);
            lastSeq = seq;
            if (!degraded && queue.offer(e)) {
                queued = e;
            } else {
                if (!degraded) {
                    degraded = true;
                    startedSpilling = true;
                }
                spilling = true;
                slot = settling(event, e);
                try {
                    journal.append(e);
                    spilled.incrementAndGet();
                } catch (IOException io) {
                    hold(e, io);
                }
                releaseCall(slot);
            }
        } catch (RuntimeException unexpected) {
            failure = unexpected;
            releaseCall(slot);
        } finally {
            lock.unlock();
        }
        if (queued != null) {
            // Outside the lock, in this thread's own file: no thread waits for another's system call.
            // The writer may have committed the event already; the line then only adds a copy that a
            // replay skips by its id. The line reaches the operating system before the caller goes on,
            // or, on a thread that writes by rounds, at the end of its turn, before the answers that
            // wait for it (WriteAheadRounds). The call's slot holds the numbered record until the line
            // is written, so a kill in between still leaves the call (under the same id) to the next start.
            writeAhead.append(queued, settling(event, queued));
            return;
        }
        if (spilling) LockSupport.unpark(thread);
        if (startedSpilling) {
            LOG.warn("store {}: queue full ({} events), spilling to the journal {}", where, config.queueCapacity(), journal.dir());
        }
        if (failure != null) {
            error("could not store an event: " + failure);
            LOG.error("store {}: could not store {}", where, event, failure);
        }
    }

    /** Under the lock: the disk took nothing, the event waits in memory if the bound allows. */
    private void hold(StoredEvent e, IOException io) {
        if (overflow.offer(e)) {
            error("journal append failed, holding the event in memory: " + io);
        } else {
            long n = lost.incrementAndGet();
            error("journal append failed and " + overflow.size() + " events already wait in memory (overflowCapacity): event dropped: " + io);
            if (n == 1 || n % 1000 == 0) {
                LOG.error("store {}: the journal {} takes nothing ({}) and {} events wait in memory: {} event(s) dropped so far",
                        where, journal.dir(), io.toString(), config.overflowCapacity(), n);
            }
        }
        updateFull();
    }

    private void updateFull() {
        boolean now = overflow.size() >= fullAt;
        if (now != full) {
            full = now;
            if (now) {
                LOG.error("store {}: full: neither the write-ahead log nor the journal {} can be written and {} events wait in memory; "
                        + "new work should be refused until the disk or the database takes events again", where, journal.dir(), fullAt);
            } else {
                LOG.info("store {}: no longer full ({} events in memory)", where, overflow.size());
            }
        }
    }

    /** True while the overflow holds half its capacity or more: take no new work. A volatile read. */
    boolean full() { return full; }

    /** The slot of the call {@code event} settles, now holding its numbered record {@code e}; -1 for none. */
    private int settling(KeycycleEvent event, StoredEvent e) {
        if (calls == null || !(e instanceof StoredEvent.Usage u)) return -1;
        if (event instanceof KeycycleEvent.Settled s) return calls.settling(s.provider(), s.leaseId(), s.fingerprint(), s.model(), u);
        if (event instanceof KeycycleEvent.LeaseExpired x) return calls.settling(x.provider(), x.leaseId(), x.fingerprint(), x.model(), u);
        return -1;
    }

    private void releaseCall(int slot) {
        if (slot >= 0 && calls != null) calls.release(slot);
    }

    /** Calls admitted without a slot (no room in the index near theirs, or names too long for one): a crash forgets them. */
    long callsUnrecorded() { return calls == null ? 0 : calls.unrecorded(); }

    /** The file of calls in flight, or null when none is kept (for tests). */
    CallsInFlight callsInFlight() { return calls; }

    private void writeAheadWritten() {
        if (writeAheadBroken) {
            writeAheadBroken = false;
            LOG.info("store {}: the write-ahead log {} works again", where, journal.dir());
        }
    }

    private void writeAheadFailed(Exception io) {
        error("write-ahead append failed, the event is held in memory only until it is committed: " + io);
        if (!writeAheadBroken) {
            writeAheadBroken = true;
            LOG.error("store {}: cannot append to the write-ahead log in {} ({}); events are not crash-safe until it works",
                    where, journal.dir(), io.toString());
        }
    }

    /** Waits until every event offered before this call is committed (or dead-lettered). */
    boolean flush(long timeoutMillis) {
        long target = lastSeq;
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        flushRequested = true;
        LockSupport.unpark(thread);
        synchronized (progress) {
            while (handledSeq < target) {
                long left = deadline - System.nanoTime();
                if (left <= 0 || !thread.isAlive()) return handledSeq >= target;
                try {
                    progress.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
        }
        return true;
    }

    /** Stops the writer: drains for up to {@code timeoutMillis}, then leaves the rest in the journal. */
    void stop(long timeoutMillis) {
        stopDeadlineNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        stopping = true;
        LockSupport.unpark(thread);
        try {
            thread.join(Math.max(1, timeoutMillis));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // From now on every event goes straight to the journal, for the next run to replay. If the
        // writer is stuck in a database call, what it holds is journaled too: should that call still
        // commit, the replay finds the event ids present and skips them.
        boolean durable = true;
        boolean writerAlive;
        int inFlightCount = 0; // the stuck writer's batch: counted here only if it never gets to evacuate it
        int queued = 0;        // each went through the write-ahead log when offered
        int memoryOnly = 0;    // held after the disk took nothing: never reached any file
        lock.lock();
        try {
            degraded = true;
            List<StoredEvent> rest = new ArrayList<>();
            writerAlive = thread.isAlive();
            if (writerAlive) {
                rest.addAll(inFlight);
                inFlightCount = rest.size();
                thread.interrupt();
            }
            queued = queue.drainTo(rest);
            memoryOnly = overflow.drainTo(rest);
            full = false;
            if (!rest.isEmpty()) {
                journal.writeSegment(rest);
                LOG.warn("store {}: closed before the database took {} events; they wait in the journal {}",
                        where, rest.size(), journal.dir());
            }
        } catch (IOException io) {
            durable = false;
            writerAlive = true;
            // Lost: what only memory held. A queued event's write-ahead line stays for the next start
            // (the files are kept below), unless the write-ahead log itself was failing.
            long dropped = memoryOnly + (writeAheadBroken ? queued : 0);
            lost.addAndGet(dropped);
            LOG.error("store {}: cannot journal {} events at close ({}): {} of them were held in memory only and are lost{}",
                    where, inFlightCount + queued + memoryOnly, io.toString(), dropped,
                    writeAheadBroken ? "" : "; the others wait in the write-ahead files for the next start");
        } finally {
            lock.unlock();
        }
        if (writerAlive) {
            // The writer is inside a database call. Let that call end by itself (a lock wait ends at
            // SQLite's busy timeout, a connection attempt at the pool's timeout) before the pool is
            // closed under it: a connection aborted in the middle of BEGIN IMMEDIATE can keep the
            // SQLite write lock after the store is gone. What the call holds is journaled above.
            try {
                thread.join(config.connectionTimeout().toMillis() + STUCK_CALL_GRACE_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            writerAlive = thread.isAlive();
            // A writer that exited evacuated (and counted) its own batch; one still stuck never will.
            if (writerAlive && !durable && writeAheadBroken) lost.addAndGet(inFlightCount);
        }
        try {
            // Everything is committed or in journal segments now: the write-ahead copies are no longer
            // needed. Otherwise (a journal write failed, or the writer is stuck) they stay for the next
            // start, which skips whatever turns out to be committed already.
            if (durable && !writerAlive && evacuated) writeAhead.discard();
            else writeAhead.close();
        } catch (IOException io) {
            LOG.warn("store {}: cannot remove the write-ahead log: {}", where, io.toString());
        }
        if (calls != null) {
            int open = calls.open();
            if (open > 0) {
                LOG.info("store {}: {} call(s) still in flight at close: their slots stay in {} until they settle; "
                        + "a process that ends first leaves them to the next start, as {}", where, open, journal.dir(), StoredEvent.UNFINISHED);
            }
            calls.close();
        }
    }

    StoreHealth health(boolean closed) {
        int memory = overflow.size();
        return new StoreHealth(!closed && thread.isAlive(), degraded, queue.size(), config.queueCapacity(),
                journal.pendingEvents() + memory, journal.pendingBytes(), written.get(), duplicates.get(),
                spilled.get(), rejected.get(), lastError, lastErrorAt, lastCommitAt, memory, config.overflowCapacity(),
                full, lost.get(), callsUnrecorded());
    }

    // ---------------------------------------------------------------- writer thread

    private void run() {
        Backoff backoff = new Backoff(config.retryBackoffMin(), config.retryBackoffMax());
        List<StoredEvent> batch = new ArrayList<>(config.batchSize());
        while (true) {
            if (stopping && (System.nanoTime() - stopDeadlineNanos > 0 || Thread.currentThread().isInterrupted())) {
                evacuate(batch);
                return;
            }
            try {
                if (!stopping && System.nanoTime() - nextAdoptNanos >= 0) adoptTheDead();
                boolean ok = degraded ? replayStep(batch, backoff) : normalStep(batch, backoff);
                if (ok && stopping && !degraded && queue.isEmpty() && batch.isEmpty()) return;
            } catch (RuntimeException | Error unexpected) {
                error("writer failure: " + unexpected);
                LOG.error("store {}: unexpected writer failure", where, unexpected);
                pause(backoff.nextDelayNanos());
            }
        }
    }

    /**
     * Takes what a process of this machine that died after this store opened left in a journal
     * directory beside this one, and replays it as after a database outage: new events go through
     * the journal until it is written.
     */
    private void adoptTheDead() {
        nextAdoptNanos = System.nanoTime() + ADOPT_EVERY_NANOS;
        long n;
        try {
            n = journal.adoptTheDead();
        } catch (IOException | RuntimeException e) {
            error("cannot take the journal files a process that died left: " + e);
            LOG.warn("store {}: cannot take the journal files a process that died left beside {} ({}); the next start takes them",
                    where, journal.dir(), e.toString());
            return;
        }
        if (n == 0) return;
        lock.lock();
        try {
            degraded = true;
        } finally {
            lock.unlock();
        }
        LOG.info("store {}: {} events a process that died left in its journal are being written", where, n);
    }

    /** Returns true when the step made progress or had nothing to do. */
    private boolean normalStep(List<StoredEvent> batch, Backoff backoff) {
        if (batch.isEmpty()) fill(batch);
        if (batch.isEmpty()) return true;
        inFlight = List.copyOf(batch);
        if (write(batch, backoff)) {
            batch.clear();
            inFlight = List.of();
            return true;
        }
        // The database is unreachable: make the batch and the queue durable, switch to the journal.
        lock.lock();
        try {
            degraded = true;
        } finally {
            lock.unlock();
        }
        queue.drainTo(batch);
        try {
            journal.writeSegment(batch);
            spilled.addAndGet(batch.size());
            LOG.warn("store {}: database unavailable ({}); {} events moved to the journal {}", where, lastError,
                    batch.size(), journal.dir());
            batch.clear();
            inFlight = List.of();
        } catch (IOException io) {
            error("cannot write the journal, holding " + batch.size() + " events in memory: " + io);
        }
        pause(backoff.nextDelayNanos());
        return false;
    }

    private boolean replayStep(List<StoredEvent> batch, Backoff backoff) {
        // 1. What is still in memory is older than anything in the journal.
        if (batch.isEmpty()) queue.drainTo(batch, config.batchSize());
        if (!batch.isEmpty()) {
            inFlight = List.copyOf(batch);
            // A batch held in memory after a failed journal write holds the whole queue too: it goes
            // to the database in pieces of batchSize (one transaction takes no more).
            List<StoredEvent> head = batch.subList(0, Math.min(batch.size(), config.batchSize()));
            if (write(new ArrayList<>(head), backoff)) {
                head.clear();
                inFlight = batch.isEmpty() ? List.of() : List.copyOf(batch);
                return true;
            }
            queue.drainTo(batch);
            try {
                journal.writeSegment(batch);
                batch.clear();
                inFlight = List.of();
            } catch (IOException io) {
                error("cannot write the journal, holding " + batch.size() + " events in memory: " + io);
            }
            pause(backoff.nextDelayNanos());
            return false;
        }
        // 2. The journal, oldest segment first.
        Journal.Segment seg = journal.oldest();
        if (seg != null) {
            Journal.Chunk chunk;
            try {
                chunk = journal.read(seg, config.batchSize());
            } catch (IOException io) {
                error("cannot read the journal " + seg.path + ": " + io);
                pause(backoff.nextDelayNanos());
                return false;
            }
            if (!chunk.events().isEmpty() || chunk.corrupt() > 0) {
                if (!write(chunk.events(), backoff)) {
                    pause(backoff.nextDelayNanos());
                    return false;
                }
                try {
                    journal.committed(seg, chunk);
                } catch (IOException io) {
                    error("cannot truncate the journal " + seg.path + ": " + io);
                }
                return true;
            }
            if (!journal.isAppendSegment(seg)) {
                try { journal.committed(seg, chunk); } catch (IOException ignored) { /* retried next round */ }
                return true;
            }
        }
        // 3. Whatever could not reach the disk.
        if (!overflow.isEmpty()) {
            List<StoredEvent> mem = new ArrayList<>();
            for (StoredEvent e : overflow) {
                if (mem.size() >= config.batchSize()) break;
                mem.add(e);
            }
            if (!write(mem, backoff)) {
                pause(backoff.nextDelayNanos());
                return false;
            }
            for (int i = 0; i < mem.size(); i++) overflow.poll();
            lock.lock();
            try {
                updateFull();
            } finally {
                lock.unlock();
            }
            return true;
        }
        // 4. Caught up: back to the queue, atomically with respect to offer().
        lock.lock();
        try {
            if (queue.isEmpty() && overflow.isEmpty() && journal.closeAppendIfDrained() && journal.isEmpty()) {
                degraded = false;
                synchronized (progress) {
                    handledSeq = Math.max(handledSeq, lastSeq); // everything handed out went through the journal
                    progress.notifyAll();
                }
                releaseWriteAhead();
                LOG.info("store {}: journal replayed, back to direct writes", where);
                return true;
            }
        } catch (IOException io) {
            error("cannot close the journal segment: " + io);
        } finally {
            lock.unlock();
        }
        pause(TimeUnit.MILLISECONDS.toNanos(Math.min(50, config.batchInterval().toMillis())));
        return true;
    }

    /** Takes the first event (waiting up to the batch interval), then lingers for a fuller batch. */
    private void fill(List<StoredEvent> batch) {
        try {
            long interval = config.batchInterval().toNanos();
            StoredEvent first = queue.poll(interval, TimeUnit.NANOSECONDS);
            if (first == null) return;
            batch.add(first);
            long deadline = System.nanoTime() + interval;
            while (batch.size() < config.batchSize()) {
                queue.drainTo(batch, config.batchSize() - batch.size());
                if (batch.size() >= config.batchSize() || stopping || flushRequested || degraded) break;
                long left = deadline - System.nanoTime();
                if (left <= 0) break;
                // Linger without waiting on the queue: a writer parked in queue.poll makes every offer()
                // wake it (a futex call on the engine's thread, per event: measured 621 ns -> 4.9 us median
                // admission with the store listening). flush(), stop() and a spill unpark us.
                LockSupport.parkNanos(this, Math.min(left, LINGER_STEP_NANOS));
            }
            flushRequested = false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One transaction; false on a transient failure (nothing committed, or a commit whose ack was lost). */
    private boolean write(List<StoredEvent> events, Backoff backoff) {
        if (events.isEmpty()) return true;
        try {
            BatchWriter.Result r = db.write(events);
            committed(events, r);
            backoff.reset();
            return true;
        } catch (SQLException e) {
            if (!isDataError(e)) {
                error(describe(e));
                return false;
            }
            error(describe(e));
            return writeOneByOne(events);
        } catch (RuntimeException driverOrPool) {
            // e.g. a connection aborted by the pool at close; nothing was committed that a replay would not skip
            error("write failed: " + driverOrPool);
            return false;
        }
    }

    private boolean writeOneByOne(List<StoredEvent> events) {
        List<StoredEvent> bad = new ArrayList<>();
        for (StoredEvent e : events) {
            try {
                committed(List.of(e), db.write(List.of(e)));
            } catch (SQLException single) {
                if (!isDataError(single)) return false;
                bad.add(e);
            }
        }
        if (!bad.isEmpty()) {
            try {
                journal.deadLetter(bad);
            } catch (IOException io) {
                LOG.error("store {}: cannot write rejected.jsonl; rejected events: {}", where, bad);
            }
            rejected.addAndGet(bad.size());
            LOG.error("store {}: the database rejected {} events ({}); kept in {}", where, bad.size(), lastError,
                    journal.dir().resolve("rejected.jsonl"));
        }
        markHandled(events);
        return true;
    }

    private void committed(List<StoredEvent> events, BatchWriter.Result r) {
        written.addAndGet(r.inserted() + r.states());
        duplicates.addAndGet(r.duplicates());
        lastCommitAt = Instant.now();
        markHandled(events);
    }

    private void markHandled(List<StoredEvent> events) {
        long max = handledSeq;
        for (StoredEvent e : events) max = Math.max(max, e.seq());
        // Events held in memory while the disk took nothing are older than what the journal took
        // after it recovered, and are written after it: nothing past the oldest of them is handled yet.
        StoredEvent waiting = overflow.peek();
        if (waiting != null) max = Math.min(max, waiting.seq() - 1);
        synchronized (progress) {
            if (max > handledSeq) handledSeq = max;
            progress.notifyAll();
        }
        releaseWriteAhead();
    }

    private void releaseWriteAhead() {
        try {
            writeAhead.committedThrough(handledSeq);
        } catch (IOException io) {
            error("cannot delete a committed write-ahead file: " + io);
        }
    }

    /** At the stop deadline: what this thread holds goes to the journal; {@link #stop} takes the queue. */
    private void evacuate(List<StoredEvent> batch) {
        Thread.interrupted(); // stop() may have interrupted a stuck call; the journal write must still happen
        if (batch.isEmpty()) return;
        try {
            journal.writeSegment(batch);
            LOG.warn("store {}: closed before the database took {} events; they wait in the journal {}",
                    where, batch.size(), journal.dir());
        } catch (IOException io) {
            evacuated = false;
            // The batch came from the queue: each event's write-ahead line stays for the next start
            // (the files are kept), unless the write-ahead log itself was failing.
            if (writeAheadBroken) lost.addAndGet(batch.size());
            LOG.error("store {}: cannot write {} events to the journal at close: {}{}", where, batch.size(), io.toString(),
                    writeAheadBroken ? "; they are lost" : "; they wait in the write-ahead files for the next start");
        }
        batch.clear();
        inFlight = List.of();
    }

    /** Waits, cut short by the stop deadline or an interrupt. */
    private void pause(long nanos) {
        long until = System.nanoTime() + nanos;
        while (true) {
            long end = stopping ? Math.min(until, stopDeadlineNanos) : until;
            long left = end - System.nanoTime();
            if (left <= 0 || Thread.currentThread().isInterrupted()) return;
            LockSupport.parkNanos(this, left);
        }
    }

    private void error(String message) {
        lastError = message;
        lastErrorAt = Instant.now();
    }

    private String describe(SQLException e) {
        return "SQLState " + e.getSQLState() + " (" + e.getErrorCode() + "): " + KeycycleStore.reason(e);
    }

    /** Data exceptions and constraint violations: retrying the same rows will not help. */
    static boolean isDataError(SQLException e) {
        String state = e.getSQLState();
        return state != null && (state.startsWith("22") || state.startsWith("23"));
    }
}
