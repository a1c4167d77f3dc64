package io.keycycle;

import io.keycycle.core.KeyState;
import io.keycycle.core.KeycycleEvent;
import io.keycycle.core.OutcomeKind;
import io.keycycle.core.client.ChatResult;
import io.keycycle.core.pool.PoolSnapshot;
import io.keycycle.core.pool.Selection;
import io.keycycle.core.testing.ManualClock;
import io.keycycle.sim.SimLimits;
import io.keycycle.sim.SimProvider;
import io.keycycle.sim.Simulator;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Case 2: the provider is stricter than the configuration (simulator rpm 2, configuration rpm 10).
 * Upstream 429s happen, rotation absorbs them, and the tripped scopes cool for exactly the
 * provider's {@code retry-after}. First-fit selection (the Python behaviour) makes the order of
 * keys, and so of the 429s, deterministic; the simulator and the engine share a manual clock.
 */
class StrictProviderE2eTest {

    private static final String MODEL = "llama-3.3-70b-versatile";
    private static final Instant T0 = Instant.parse("2026-03-02T10:00:00Z");

    @Test
    void upstream429sAreAbsorbedByRotationAndCoolTheScopeForTheRetryAfter() {
        ManualClock clock = new ManualClock(T0);
        E2e.Recorder rec = new E2e.Recorder();
        String[] scopes = {"org-a", "org-b", "org-c"};
        SimProvider.Builder groq = SimProvider.groq().model(MODEL, SimLimits.UNLIMITED.rpm(2));
        for (int i = 1; i <= 3; i++) groq.key(E2e.secret("groq", i), scopes[i - 1]);
        String yaml = E2e.yaml(List.of("groq/" + MODEL + "={ rpm: 10, rph: unlimited, rpd: unlimited, tpm: unlimited, tph: unlimited, tpd: unlimited }"));
        try (Simulator sim = Simulator.builder().provider(groq.build()).clock(E2e.simClock(clock)).build().start();
             Keycycle kc = E2e.keycycle(sim, yaml).keys("groq", E2e.keys("groq", scopes)).clock(clock)
                     .selection(Selection.FIRST_FIT).listener(rec).build()) {
            List<Served<ChatResult>> served = new ArrayList<>();
            for (int i = 0; i < 6; i++) served.add(kc.chat("groq/" + MODEL, E2e.chat("q" + i, 30), CallSpec.defaults()));

            assertThat(served).allSatisfy(s -> assertThat(s.value().status()).isEqualTo(200));
            assertThat(served).extracting(s -> E2e.mask(s.fingerprint()))
                    .containsExactly("…0001", "…0001", "…0002", "…0002", "…0003", "…0003");
            assertThat(served).extracting(Served::attempts).containsExactly(1, 1, 2, 1, 2, 1);
            assertThat(sim.stats().total429()).as("upstream 429s absorbed by rotation").isEqualTo(2);
            assertThat(rec.outcomes("groq")).filteredOn(o -> o == OutcomeKind.RATE_LIMITED).hasSize(2);

            // the provider said retry-after: 60 (its oldest request leaves the window in 60 s): exactly that cooldown
            List<KeycycleEvent.StateChanged> cooling = rec.states("groq", KeyState.COOLING);
            assertThat(cooling).extracting(KeycycleEvent.StateChanged::scope).containsExactly("org-a", "org-b");
            assertThat(cooling).allSatisfy(c -> {
                assertThat(c.level()).isEqualTo(KeycycleEvent.Level.SCOPE);
                assertThat(c.model()).isEqualTo(MODEL);
                assertThat(c.until()).isEqualTo(T0.plusSeconds(60));
                assertThat(c.reason()).contains("RPM");
            });
            PoolSnapshot snap = kc.pool("groq").snapshot();
            assertThat(snap.buckets()).filteredOn(b -> b.model().equals(MODEL))
                    .extracting(PoolSnapshot.BucketView::scope, PoolSnapshot.BucketView::state, PoolSnapshot.BucketView::until)
                    .containsExactly(
                            org.assertj.core.groups.Tuple.tuple("org-a", KeyState.COOLING, T0.plusSeconds(60)),
                            org.assertj.core.groups.Tuple.tuple("org-b", KeyState.COOLING, T0.plusSeconds(60)),
                            org.assertj.core.groups.Tuple.tuple("org-c", KeyState.READY, null));

            // the next call does not try the cooling orgs again: org-c is full upstream too, nothing is left
            long before = sim.stats().totalRequests();
            clock.advance(Duration.ofSeconds(59));
            assertThat(kc.pool("groq").nextAdmissible(MODEL, 50)).isEqualTo(T0.plusSeconds(59));
            clock.advance(Duration.ofSeconds(1));
            Served<ChatResult> after = kc.chat("groq/" + MODEL, E2e.chat("after the cooldown", 30), CallSpec.defaults());
            assertThat(E2e.mask(after.fingerprint())).isEqualTo("…0001");
            assertThat(after.attempts()).isEqualTo(1);
            assertThat(sim.stats().totalRequests()).isEqualTo(before + 1);
            assertThat(sim.stats().total429()).isEqualTo(2);
        }
    }
}
