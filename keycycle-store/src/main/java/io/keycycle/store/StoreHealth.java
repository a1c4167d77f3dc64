package io.keycycle.store;

import java.time.Instant;

/**
 * A snapshot of the writer, for {@code /readyz} and metrics. Reading it never touches the database
 * (use {@link KeycycleStore#ping()} for that).
 *
 * @param writerAlive      the writer thread runs and the store is open
 * @param journaling       events currently go to the journal (database down, or the queue overflowed)
 * @param queueDepth       events waiting in memory
 * @param queueCapacity    bound of the in-memory queue
 * @param journalEvents    events waiting in the journal (and, if the disk failed, in memory)
 * @param journalBytes     bytes of journal not yet committed
 * @param eventsWritten    usage and state rows committed by this process
 * @param eventsDuplicate  events skipped because their id was already stored (replays)
 * @param eventsSpilled    events that went through the journal
 * @param eventsRejected   events the database refused as bad data, kept in {@code rejected.jsonl}
 * @param lastError        the last database or journal error (password redacted), or null
 * @param lastErrorAt      when it happened, or null
 * @param lastCommitAt     the last successful commit, or null
 * @param memoryEvents     events held in memory only because neither the write-ahead log nor the journal could
 *                         be written (disk full, directory unwritable); included in {@code journalEvents}
 * @param memoryCapacity   bound of those ({@link StoreConfig#overflowCapacity()})
 * @param full             the store holds half of {@code memoryCapacity} or more: callers should take no new work
 *                         until it drains (the gateway answers new requests 503)
 * @param eventsLost       events dropped because {@code memoryCapacity} was reached (each logged)
 * @param callsUnrecorded  calls admitted without a slot in the file of calls in flight (more calls open at once
 *                         than {@link StoreConfig#inFlightSlots()} leaves room for, or names too long for a slot):
 *                         a {@code kill -9} while such a call is in flight forgets it
 */
public record StoreHealth(boolean writerAlive, boolean journaling, int queueDepth, int queueCapacity,
                          long journalEvents, long journalBytes, long eventsWritten, long eventsDuplicate,
                          long eventsSpilled, long eventsRejected, String lastError, Instant lastErrorAt,
                          Instant lastCommitAt, int memoryEvents, int memoryCapacity, boolean full, long eventsLost,
                          long callsUnrecorded) {

    /** True when events reach the database directly and nothing is backed up. */
    public boolean healthy() { return writerAlive && !journaling && journalEvents == 0 && !full; }
}
