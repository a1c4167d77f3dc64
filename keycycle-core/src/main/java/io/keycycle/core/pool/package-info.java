/**
 * The key pool: quota buckets with sub-bucketed sliding windows, admission and reservation,
 * selection policies, FIFO waiting on an injected clock, the outcome state machine (cooldowns,
 * day parking, disabled keys, unavailable models, overload backoff), lease expiry, hydration and
 * the generic {@code call(key -> …)} retry loop and its non-blocking twin {@code callAsync} (both
 * take their decisions from one {@code CallAttempts}; async waits are tasks on a clock timer). {@link io.keycycle.core.pool.KeyPool} is the
 * only entry; buckets, rings and states are package-private. No I/O happens here.
 */
package io.keycycle.core.pool;
