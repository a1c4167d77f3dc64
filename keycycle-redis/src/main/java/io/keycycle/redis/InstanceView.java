package io.keycycle.redis;

import java.time.Instant;

/**
 * One process of the fleet as Redis last heard from it.
 *
 * @param id            its instance id
 * @param lastHeartbeat when it last said it was alive (its Redis-clock instant)
 * @param inFlight      calls it had admitted and not yet settled
 * @param mode          the mode it reported ({@code shared} or {@code degraded})
 * @param alive         heard from within the instance TTL
 */
public record InstanceView(String id, Instant lastHeartbeat, long inFlight, String mode, boolean alive) { }
