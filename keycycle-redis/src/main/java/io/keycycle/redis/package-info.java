/**
 * One pool for many processes: the state every Keycycle process holding the same keys must share
 * (the windows and reservations of each bucket, holds, disabled keys, model states, learned
 * limits) kept in Redis, so that N gateways or library processes together never pass a limit.
 *
 * <p>{@link io.keycycle.redis.RedisCluster} is this process in the fleet: found by
 * {@code Keycycle.fromEnv()} / {@code Keycycle.builder().redis(url)} through
 * {@link io.keycycle.redis.RedisClusterProvider} ({@code ServiceLoader}), it connects
 * ({@link io.keycycle.redis.RedisLink}: one Lettuce connection; Keycycle's Lua loaded once as a
 * function library and called with {@code FCALL}, or as a script called by its SHA where functions
 * are refused), beats every second ({@link io.keycycle.redis.Fleet}: instances, mode, the sweep of dead
 * instances' reservations) and listens to the fleet's channel
 * ({@link io.keycycle.redis.StateChannel}). Its {@link io.keycycle.redis.RedisStateStore} is the
 * {@code PoolStateStore} the pools use: {@link io.keycycle.redis.SharedWindows} makes each
 * admission, settlement and release one script call (the arithmetic of the in-process rings, done
 * atomically in {@code keycycle.lua}); holds and flags are cached here and written through
 * ({@link io.keycycle.redis.SharedHold}, {@link io.keycycle.redis.SharedKeyFlag},
 * {@link io.keycycle.redis.SharedModelFlag}); other instances' changes arrive as messages
 * ({@code FleetNews}); while Redis does not answer, {@code Outage} admits this instance's share of
 * each limit locally and replays or re-seeds when Redis is back. The store's step threads run the
 * non-blocking call API's admissions ({@code PoolStateStore#blockingExecutor()}), so that no
 * event loop of the gateway waits for a round trip.
 *
 * <p>Redis holds provider, scope and model names, fingerprints, counters, instants and reasons —
 * never a key. What is guaranteed, and what holds while Redis is unreachable: {@code docs/cluster.md}.
 */
package io.keycycle.redis;
