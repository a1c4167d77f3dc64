/**
 * The key pool. {@link io.keycycle.core.pool.KeyPool} is the entry and a short front: admission and
 * FIFO waiting on an injected clock ({@code Admission}), settlement, abandonment and lease expiry
 * ({@code Leases}) with the outcome state machine (cooldowns, day parking, disabled keys,
 * unavailable models, overload backoff: {@code OutcomeEffects}), administration, snapshots,
 * hydration, the rings of each model, and the generic {@code call(key -> …)} retry loop and its
 * non-blocking twin {@code callAsync} (both take their decisions from one {@code CallAttempts};
 * async waits are tasks on a clock timer).
 *
 * <p>The state they share — windows and reservations of each bucket, holds, key and model flags,
 * learned limits — lives behind {@link io.keycycle.core.pool.PoolStateStore}: in this process by
 * default (sub-bucketed rings in {@code QuotaBucket}), or in a store several processes share. No I/O
 * happens here.
 */
package io.keycycle.core.pool;
