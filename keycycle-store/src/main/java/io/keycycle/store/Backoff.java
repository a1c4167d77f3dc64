package io.keycycle.store;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/** Exponential backoff with full jitter: attempt n waits a random time in [min, min(max, min·2ⁿ)]. */
final class Backoff {
    private final long minNanos;
    private final long maxNanos;
    private int attempt;

    Backoff(Duration min, Duration max) {
        this.minNanos = min.toNanos();
        this.maxNanos = max.toNanos();
    }

    long nextDelayNanos() {
        long ceiling = minNanos << Math.min(attempt++, 20);
        if (ceiling <= 0 || ceiling > maxNanos) ceiling = maxNanos;
        return minNanos + (ceiling > minNanos ? ThreadLocalRandom.current().nextLong(ceiling - minNanos + 1) : 0);
    }

    void reset() { attempt = 0; }
}
