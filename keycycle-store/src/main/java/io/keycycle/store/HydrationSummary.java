package io.keycycle.store;

import java.time.Duration;

/**
 * What {@link KeycycleStore#hydrate} replayed.
 *
 * @param usageRecords per-minute usage records passed to {@code restoreUsage}
 * @param requests     requests they carried
 * @param states       live states passed to {@code restoreState}
 * @param took         wall time of the hydration
 */
public record HydrationSummary(long usageRecords, long requests, long states, Duration took) { }
