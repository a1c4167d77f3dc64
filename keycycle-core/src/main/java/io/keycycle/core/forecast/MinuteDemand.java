package io.keycycle.core.forecast;

/**
 * The calls of one provider and model in one minute, by how they ended.
 *
 * @param minute   start of the minute, epoch milliseconds
 * @param answered calls the provider answered
 * @param limited  calls the provider turned away with a rate limit or an exhausted quota (429)
 * @param refused  calls refused locally because no key had room (they never left)
 * @param tokens   tokens charged for the answered calls
 */
public record MinuteDemand(long minute, long answered, long limited, long refused, long tokens) {

    /** Every call that wanted capacity: answered, turned away by the provider, or refused locally. */
    public long calls() { return answered + limited + refused; }
}
