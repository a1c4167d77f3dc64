package io.keycycle.store;

import java.time.Instant;

/**
 * How big the database is and what is kept: for the status page and {@code keycycle status}.
 *
 * @param bytes          size of the keycycle tables (MySQL family: data and indexes; SQLite: the file's pages)
 * @param oldestUsage    the oldest raw usage row, or null when there is none
 * @param retention      the retention in force
 * @param lastPruneAt    when the pruner last ran in this process, or null
 * @param lastPruneRows  rows it deleted then (all tables)
 */
public record StorageInfo(long bytes, Instant oldestUsage, Retention retention, Instant lastPruneAt, long lastPruneRows) { }
