package io.keycycle.core;

import java.time.Instant;
import java.util.Objects;

/**
 * Engine time: milliseconds on the wall clock's scale that advance with the monotonic clock
 * ({@link EngineClock#nanos()}), anchored to the wall clock when this object is made. It never steps:
 * when the wall clock is stepped, engine time keeps its pace and the difference between the two
 * (the {@link #wallOffset() offset}) is the sum of the steps since then. Windows, cooldowns, waits,
 * timeouts and lease expiry run on engine time, so a wall clock stepped back does not freeze full
 * windows and one stepped forward does not end cooldowns early.
 *
 * <p>Instants that are calendar facts come from or go to the wall clock through
 * {@link #fromWall(long)} / {@link #toWall(long)}: a provider's daily reset, an absolute reset time
 * it sends, timestamps in events, snapshots and exceptions. Without steps, engine time and wall
 * time are equal (to the millisecond) and the conversions change nothing.
 */
public final class EngineTime {
    private final EngineClock clock;
    private final long anchorWall;
    private final long anchorNanos;

    private EngineTime(EngineClock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.anchorNanos = clock.nanos();
        this.anchorWall = clock.millis();
    }

    /** Engine time on {@code clock}, anchored to its wall clock now. */
    public static EngineTime of(EngineClock clock) { return new EngineTime(clock); }

    public EngineClock clock() { return clock; }

    /** Engine time now, in milliseconds on the wall clock's scale. Never goes backwards. */
    public long now() { return anchorWall + Math.floorDiv(clock.nanos() - anchorNanos, 1_000_000L); }

    /**
     * Wall clock minus engine time now: the sum of the wall clock's steps since the anchor.
     *
     * <p>The two clocks are read one after the other. Should time pass between the reads (a
     * preempted thread, or a test clock advanced by another thread), the difference would be off by
     * that much and every instant converted with it would be wrong by as much: the monotonic clock
     * is read on both sides of the wall clock and the pair is read again when it moved by a
     * millisecond or more in between (a few times at most; then the last pair is used).
     *
     * <p>Both clocks are cut to whole milliseconds, each at its own phase, so the raw difference of
     * an unstepped pair flips between two neighbouring values from one read to the next. Converted
     * with it, one wall instant went to engine time and back one millisecond early (a tier parked
     * "until 07:59:59.999" beside one parked "until 08:00:00" by the same answer). The offset kept
     * therefore moves only when a read differs from it by more than a millisecond: a step or a
     * slew's drift shows within a millisecond, and a flip of the cut never does.
     */
    public long wallOffset() {
        long raw = rawOffset();
        long kept = offset;
        if (Math.abs(raw - kept) <= 1) return kept;
        offset = raw;
        return raw;
    }

    private long rawOffset() {
        for (int attempt = 0; ; attempt++) {
            long before = clock.nanos();
            long wall = clock.millis();
            long after = clock.nanos();
            if (after - before < 1_000_000L || attempt == MAX_OFFSET_READS - 1) {
                return wall - (anchorWall + Math.floorDiv(before - anchorNanos, 1_000_000L));
            }
        }
    }

    /** The offset last taken to have moved (0 at the anchor); races between threads only store equal-enough values. */
    private volatile long offset;

    private static final int MAX_OFFSET_READS = 4;

    /** The wall-clock reading that corresponds to engine instant {@code engineMillis}, at today's offset. */
    public long toWall(long engineMillis) {
        if (engineMillis == Long.MAX_VALUE || engineMillis == Long.MIN_VALUE) return engineMillis;
        return engineMillis + wallOffset();
    }

    /** The engine instant that corresponds to wall-clock reading {@code wallMillis}, at today's offset. */
    public long fromWall(long wallMillis) {
        if (wallMillis == Long.MAX_VALUE || wallMillis == Long.MIN_VALUE) return wallMillis;
        return wallMillis - wallOffset();
    }

    /** Engine instant {@code engineMillis} as a wall-clock {@link Instant} (events, snapshots, exceptions). */
    public Instant instant(long engineMillis) { return Instant.ofEpochMilli(toWall(engineMillis)); }

    /** A wall-clock {@link Instant} (a provider's reset, a persisted record) as engine time. */
    public long at(Instant wall) { return fromWall(wall.toEpochMilli()); }

    /** The wall clock now, as an {@link Instant}. */
    public Instant wallNow() { return Instant.ofEpochMilli(clock.millis()); }

    /** Parks until engine instant {@code engineDeadline} (or a wake-up): a relative wait on the monotonic clock. */
    public void parkUntil(long engineDeadline) throws InterruptedException {
        if (engineDeadline == Long.MAX_VALUE) {
            clock.parkUntil(Long.MAX_VALUE);
            return;
        }
        long wait = Math.max(0, engineDeadline - now());
        clock.parkUntil(Saturated.add(clock.millis(), wait));
    }

    private static final class Saturated {
        static long add(long a, long b) {
            long r = a + b;
            return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
        }
    }
}
