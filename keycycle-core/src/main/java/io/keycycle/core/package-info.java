/**
 * The public vocabulary of the engine: keys and their fingerprints, limits, provider
 * descriptions, outcomes, events, the clock and the exception hierarchy. The key pool that
 * uses them lives in {@code io.keycycle.core.pool}; provider classification in
 * {@code io.keycycle.core.classify}; catalog, configuration and key loading in
 * {@code io.keycycle.core.config}. Nothing here does I/O.
 */
package io.keycycle.core;
