package io.keycycle.core.pool;

import java.time.Duration;

/** Time arithmetic that saturates instead of overflowing (a "forever" wait or deadline stays forever). */
final class Saturating {
    private Saturating() { }

    /** {@code d} in milliseconds; about 73 million years when it does not fit a long. */
    static long millis(Duration d) {
        try {
            return d.toMillis();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE / 4;
        }
    }

    /** {@code a + b}, or {@link Long#MAX_VALUE} on overflow. */
    static long add(long a, long b) {
        long r = a + b;
        return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
    }
}
