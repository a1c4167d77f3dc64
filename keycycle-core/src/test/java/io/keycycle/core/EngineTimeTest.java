package io.keycycle.core;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Converting engine instants to wall-clock instants while time passes between the two clock reads
 * (a thread preempted between them, or a test clock advanced by another thread).
 */
class EngineTimeTest {

    /** A clock that, once armed, lets {@code jump} pass right after its wall clock is read. */
    static final class JumpAfterWallRead implements EngineClock {
        long wall = Instant.parse("2026-11-28T22:30:00Z").toEpochMilli();
        long mono = 5_000L;
        long jump;

        @Override public long millis() {
            long w = wall;
            if (jump > 0) { // the other thread advances the clock just after this read
                wall += jump;
                mono += jump;
                jump = 0;
            }
            return w;
        }

        @Override public long nanos() { return mono * 1_000_000L; }

        @Override public void parkUntil(long deadlineMillis) { }

        @Override public void wake(Thread thread) { }
    }

    @Test
    void anInstantIsConvertedWithTheOffsetOfOneMomentEvenWhenTimePassesBetweenTheReads() {
        JumpAfterWallRead clock = new JumpAfterWallRead();
        EngineTime time = EngineTime.of(clock);
        long engine = time.now();
        clock.jump = Duration.ofMinutes(48).toMillis();
        // the wall clock was never stepped: engine time and wall time are the same instant
        assertThat(time.instant(engine)).isEqualTo(Instant.ofEpochMilli(engine));
        assertThat(time.wallOffset()).isZero();
    }

    @Test
    void aSteppedWallClockStillShowsItsStepWhileTimePasses() {
        JumpAfterWallRead clock = new JumpAfterWallRead();
        EngineTime time = EngineTime.of(clock);
        clock.wall -= Duration.ofHours(2).toMillis();
        clock.jump = Duration.ofMinutes(5).toMillis();
        assertThat(time.wallOffset()).isEqualTo(-Duration.ofHours(2).toMillis());
    }

    /**
     * A wall clock and a monotonic clock a fraction of a millisecond apart, each cut to whole
     * milliseconds: the raw difference flips between 0 and 1 as time passes. A wall instant taken to
     * engine time and back must come back the same at every read, while a real step still shows.
     */
    @Test
    void theCutOfTwoClocksAtDifferentPhasesDoesNotMoveAConvertedInstant() {
        final class Phased implements EngineClock {
            long nanos = 7_000_000_000L;           // the monotonic clock, in nanoseconds
            long step;                             // wall clock steps, in milliseconds
            @Override public long millis() {       // the wall clock runs 0.6 ms ahead of the monotonic one
                return Instant.parse("2026-12-05T11:53:18Z").toEpochMilli() + Math.floorDiv(nanos + 600_000L, 1_000_000L) + step;
            }
            @Override public long nanos() { return nanos; }
            @Override public void parkUntil(long deadlineMillis) { }
            @Override public void wake(Thread thread) { }
        }
        Phased clock = new Phased();
        EngineTime time = EngineTime.of(clock);
        Instant reset = Instant.parse("2026-12-06T08:00:00Z");
        long engine = time.at(reset);
        java.util.Set<Long> raw = new java.util.HashSet<>();
        for (int i = 0; i < 1_000; i++) {
            clock.nanos += 130_000L;              // 0.13 ms between reads: every phase of the cut is met
            raw.add(Math.floorDiv(clock.nanos + 600_000L, 1_000_000L) - Math.floorDiv(clock.nanos, 1_000_000L));
            assertThat(time.instant(engine)).as("read %d", i).isEqualTo(reset);
            assertThat(time.at(reset)).as("read %d", i).isEqualTo(engine);
        }
        assertThat(raw).as("the raw difference did flip").containsExactlyInAnyOrder(0L, 1L);

        clock.step = 5;                            // a real step of the wall clock shows
        assertThat(time.instant(engine)).isEqualTo(reset.plusMillis(5));
        clock.step = -3_600_000L;
        assertThat(time.wallOffset()).isBetween(-3_600_001L, -3_599_999L);
    }
}
