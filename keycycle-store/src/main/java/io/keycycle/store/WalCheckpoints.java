package io.keycycle.store;

import java.time.Duration;

/**
 * What the SQLite store's checkpointer has done so far: it copies the write-ahead log (WAL) back
 * into the database file on a thread of its own, so that the writer's commits do not
 * ({@link KeycycleStore#walCheckpoints()}). A log that stays long ({@code logFrames} rising from one
 * scrape to the next) means checkpoints cannot finish, usually because a reader keeps an old
 * snapshot open; every read then looks through the whole log.
 *
 * @param running     false once the checkpointer thread has stopped (the store closed)
 * @param checkpoints checkpoints run so far, passive ones on the checkpointer's thread and the
 *                    writer's restarts of a long log (not the tries that found the other one's
 *                    checkpoint under way: SQLite answers those at once, copying nothing)
 * @param restarts    of those, the writer's {@code RESTART} checkpoints that completed (the log had
 *                    reached 64 MiB; its next transaction starts it over)
 * @param failures    checkpoints that failed (logged; retried after the next commit)
 * @param time        time spent in checkpoints so far
 * @param logFrames   pages in the log at the last checkpoint (4 KiB each), 0 before the first
 */
public record WalCheckpoints(boolean running, long checkpoints, long restarts, long failures, Duration time, int logFrames) { }
