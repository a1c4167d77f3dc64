package io.keycycle.bench;

import io.keycycle.core.EngineClock;

/**
 * An {@link EngineClock} that moves only when told: {@link #step()} advances it by a fixed number
 * of microseconds ({@link #millis()} truncates). A benchmark calls {@code step()} once per
 * operation, so simulated time flows at a known rate per admission whatever the machine's speed:
 * windows roll forward and old usage leaves them exactly as it would under steady real traffic.
 *
 * <p>Not thread-safe: for single-threaded benchmarks only. Never parks (a benchmark that would
 * wait is a bug in the benchmark); {@link #parkUntil} returns at once, which the engine treats as
 * a spurious wake-up.
 */
final class SteppingClock implements EngineClock {

    private long micros;
    private final long stepMicros;

    SteppingClock(long startMillis, long stepMicros) {
        if (stepMicros < 0) throw new IllegalArgumentException("stepMicros must be >= 0, was " + stepMicros);
        this.micros = startMillis * 1000;
        this.stepMicros = stepMicros;
    }

    void step() { micros += stepMicros; }

    long stepMicros() { return stepMicros; }

    @Override public long millis() { return micros / 1000; }

    @Override public void parkUntil(long deadlineMillis) { }

    @Override public void wake(Thread thread) { }
}
