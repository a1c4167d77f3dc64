package io.keycycle.core.learn;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * When a disabled key is asked again whether it works. Pure: given why the key is disabled, how
 * many probes have failed since and when the last one ran, the instant of the next.
 *
 * <ul>
 *   <li>Invalid or suspended key: 1 h after it was disabled, then doubling — 2 h, 4 h, 8 h, 16 h —
 *       up to one probe a day.</li>
 *   <li>No credit, or a key's own spending limit: once a day (credit is bought by people, spending
 *       limits reset daily at the earliest); at the provider's reset instant when it named one.</li>
 * </ul>
 */
public record ProbeSchedule(Duration first, Duration max, Duration credit) {

    /** 1 h doubling to 24 h; credit daily. */
    public static final ProbeSchedule DEFAULT = new ProbeSchedule(Duration.ofHours(1), Duration.ofHours(24), Duration.ofHours(24));

    public ProbeSchedule {
        Objects.requireNonNull(first, "first");
        Objects.requireNonNull(max, "max");
        Objects.requireNonNull(credit, "credit");
        if (first.isNegative() || first.isZero() || max.compareTo(first) < 0 || credit.isNegative() || credit.isZero()) {
            throw new IllegalArgumentException("probe schedule needs 0 < first <= max and credit > 0, was " + this);
        }
    }

    /** Why a key is out of service, as far as re-probing goes. */
    public enum Cause {
        /** Wrong, revoked, expired, suspended: it may come back when someone fixes it. */
        KEY,
        /** No credit on the account, or the key's spending limit: it comes back when money does. */
        CREDIT
    }

    /**
     * The next probe after {@code failures} failed probes (0 = none yet), counting from {@code since}
     * (when the key was disabled, or the last probe ran). {@code providerReset}, when the provider named
     * the instant a limit resets, is used for {@link Cause#CREDIT} if it comes sooner.
     */
    public Instant next(Cause cause, int failures, Instant since, Instant providerReset) {
        Objects.requireNonNull(cause, "cause");
        Objects.requireNonNull(since, "since");
        Duration wait;
        if (cause == Cause.CREDIT) {
            wait = credit;
        } else {
            wait = first;
            for (int i = 0; i < failures && wait.compareTo(max) < 0; i++) wait = wait.multipliedBy(2);
            if (wait.compareTo(max) > 0) wait = max;
        }
        Instant at = since.plus(wait);
        if (cause == Cause.CREDIT && providerReset != null && providerReset.isAfter(since) && providerReset.isBefore(at)) {
            at = providerReset;
        }
        return at;
    }
}
