package io.keycycle.gateway;

import io.keycycle.store.StateChange;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class TimelineTest {

    static final Instant T = Instant.parse("2026-03-10T12:00:00Z");

    static StateChange key(String fp, String state, long atSec, Long untilSec, String reason) {
        return new StateChange("groq", "KEY", fp, "*", "s", fp, state, T.plusSeconds(atSec), untilSec == null ? null : T.plusSeconds(untilSec), reason);
    }

    @Test
    void aCooldownEndsAtItsUntilOrAtTheNextChangeAndADisabledKeyIsStillDisabledAtTheEnd() {
        List<StateChange> changes = List.of(
                key("a", "COOLING", 10, 70L, "429: rpm"),            // ends at its until (70)
                key("a", "READY", 200, null, null),
                key("a", "COOLING", 300, 900L, "429: tpm"),          // cut short by the next change at 400
                key("a", "PARKED", 400, 5_000L, "rpd exhausted"),    // runs past the end of the range: clipped, ongoing
                key("b", "DISABLED", -600, null, "401"),             // began before the range: clipped to its start
                key("c", "COOLING", 3_000, 3_100L, "after the range"));
        List<Timeline.Interval> is = Timeline.intervals(changes, T, T.plusSeconds(1_000));

        assertThat(is).extracting(i -> i.subject() + " " + i.state() + " " + i.from().getEpochSecond() % 10_000 + "-"
                        + i.to().getEpochSecond() % 10_000 + (i.ongoing() ? " ongoing" : ""))
                .containsExactly(
                        "a COOLING " + (T.getEpochSecond() + 10) % 10_000 + "-" + (T.getEpochSecond() + 70) % 10_000,
                        "a COOLING " + (T.getEpochSecond() + 300) % 10_000 + "-" + (T.getEpochSecond() + 400) % 10_000,
                        "a PARKED " + (T.getEpochSecond() + 400) % 10_000 + "-" + (T.getEpochSecond() + 1_000) % 10_000 + " ongoing",
                        "b DISABLED " + T.getEpochSecond() % 10_000 + "-" + (T.getEpochSecond() + 1_000) % 10_000 + " ongoing");
        assertThat(is.get(0).reason()).isEqualTo("429: rpm");
    }

    @Test
    void readyAndEndedStatesDrawNothing() {
        assertThat(Timeline.intervals(List.of(key("a", "READY", 10, null, null), key("a", "COOLING", -100, -50L, "old")),
                T, T.plusSeconds(1_000))).isEmpty();
    }
}
