package io.keycycle.gateway;

import io.keycycle.core.KeycycleEvent;
import io.keycycle.core.OutcomeKind;
import io.keycycle.store.OutcomeMinute;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The gateway's in-memory history counts calls as the store does: a late usage report (the usage of
 * a call whose client hung up, arriving after it was settled as abandoned) corrects that call's
 * tokens and is not a second call.
 */
class LiveHistoryLateReportTest {

    @Test
    void aLateUsageReportIsNotASecondCall() {
        Instant m1 = Instant.parse("2026-03-10T11:00:00Z");
        Instant admitted = m1.plusSeconds(1);
        LiveHistory h = new LiveHistory(() -> m1.plusSeconds(30).toEpochMilli());
        h.onEvent(new KeycycleEvent.Settled(admitted.plusMillis(200), admitted, "groq", "scope-a", "0a1b2c3d…0001", "llama",
                OutcomeKind.TRANSIENT, 0, 1, 0, 0, 4000, 7));
        h.onEvent(new KeycycleEvent.Settled(admitted.plusMillis(900), admitted, "groq", "scope-a", "0a1b2c3d…0001", "llama",
                OutcomeKind.SUCCESS, 200, 0, 40, 6, -3954, 7));

        List<OutcomeMinute> minutes = h.outcomes(m1, m1.plusSeconds(60));
        assertThat(minutes.stream().mapToLong(OutcomeMinute::calls).sum()).as("one call: " + minutes).isEqualTo(1);
        assertThat(minutes.stream().mapToLong(OutcomeMinute::tokens).sum()).isEqualTo(46);
    }
}
