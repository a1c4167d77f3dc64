package io.keycycle.core;

import java.time.Instant;

/**
 * What the pools of a failed call could offer when it gave up: the earliest instant a key becomes
 * admissible (null: none will by itself) and how many keys there are, cooling, parked for the day
 * or disabled — for the call's model. Carried by {@link RateLimitException}, so whoever maps the
 * failure (the gateway's 429 with {@code Retry-After}) need not ask the pools again.
 */
public record PoolAvailability(Instant retryAt, int keys, int cooling, int parked, int disabled) {

    /** True when a key is admissible at {@code now} (the attempts failed for another reason). */
    public boolean admissibleAt(Instant now) { return retryAt != null && !retryAt.isAfter(now); }

    /** Both together: the earliest retry instant of either, the key counts summed. */
    public PoolAvailability plus(PoolAvailability o) {
        Instant r = retryAt == null ? o.retryAt : o.retryAt == null || retryAt.isBefore(o.retryAt) ? retryAt : o.retryAt;
        return new PoolAvailability(r, keys + o.keys, cooling + o.cooling, parked + o.parked, disabled + o.disabled);
    }

    /** The availability a {@link NoAvailableKeyException} reports. */
    public static PoolAvailability of(NoAvailableKeyException n) {
        return new PoolAvailability(n.retryAt(), n.totalKeys(), n.cooling(), n.parked(), n.disabled());
    }
}
