package io.keycycle.redis;

/**
 * What one {@link RedisBucket}'s last round trips said of when a request fits, kept to answer the
 * questions a refusal brings without asking Redis again. It only feeds retry instants: admission
 * always asks Redis.
 *
 * <ul>
 *   <li><b>The last refusal</b>: at which instant, and when a request of no tokens fits, as the
 *       reservation call answered. The pool asks exactly that right after a refusal at the same
 *       instant: this saves a round trip per key.</li>
 *   <li><b>The last look</b>: the answer to "when does a request of {@code tokens} fit" from a
 *       peek, or from a refusal, which carries the same answer; reused for
 *       {@value #REUSE_MILLIS} ms. While keys are full every refused call asks this of every key
 *       to compute its retry instant, and a storm of refusals would otherwise send one peek per
 *       key per refusal. Dropped as soon as capacity may have come back: a settlement or release
 *       here, a change announced by another instance, a hold, a learned limit.</li>
 * </ul>
 */
final class RetryInstants {

    /** How long a look is reused, engine milliseconds. */
    static final long REUSE_MILLIS = 100;
    /** {@link #known} has no answer: ask Redis. */
    static final long UNKNOWN = Long.MIN_VALUE;

    private record Refusal(long at, long bare) { }

    private record Look(long at, long tokens, long admissible) { }

    private static final Refusal NO_REFUSAL = new Refusal(Long.MIN_VALUE, 0);
    private static final Look NO_LOOK = new Look(Long.MIN_VALUE, -1, 0);

    private volatile Refusal refused = NO_REFUSAL;
    private volatile Look look = NO_LOOK;

    /** A refusal at {@code now}: a request of no tokens fits at {@code bare}. */
    void refused(long now, long bare) { refused = new Refusal(now, bare); }

    /** Remembers what a round trip (a peek or a refusal) said of {@code tokens} at {@code now}; returns it, never before {@code now}. */
    long looked(long now, long tokens, long admissible) {
        long at = admissible == Long.MAX_VALUE ? Long.MAX_VALUE : Math.max(now, admissible);
        look = new Look(now, tokens, at);
        return at;
    }

    /**
     * When a request of {@code tokens} fits, as far as known without a round trip, or
     * {@link #UNKNOWN}. The last refusal answers for no tokens at its own instant; the last look
     * only while the bucket is shared ({@code lookValid}), for the same tokens, within
     * {@link #REUSE_MILLIS} after it.
     */
    long known(long now, long tokens, boolean lookValid) {
        Refusal last = refused;
        if (tokens == 0 && now == last.at()) return last.bare();
        if (lookValid) {
            Look before = look;
            if (tokens == before.tokens() && now >= before.at() && now - before.at() < REUSE_MILLIS) {
                return before.admissible() == Long.MAX_VALUE ? Long.MAX_VALUE : Math.max(now, before.admissible());
            }
        }
        return UNKNOWN;
    }

    /** Capacity may have come back here (a settlement, an expiry): the look goes, the refusal stays. */
    void forgetLook() { look = NO_LOOK; }

    /** Forgets the last refusal and look (a hold, a learned limit, a change another instance announced). */
    void forget() {
        refused = NO_REFUSAL;
        look = NO_LOOK;
    }
}
