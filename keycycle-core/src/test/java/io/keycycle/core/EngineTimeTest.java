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
}
