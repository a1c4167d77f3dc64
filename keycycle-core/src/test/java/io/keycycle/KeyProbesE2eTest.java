package io.keycycle;

import io.keycycle.core.KeyState;
import io.keycycle.core.KeycycleEvent;
import io.keycycle.core.client.ChatResult;
import io.keycycle.core.learn.ProbeSchedule;
import io.keycycle.core.pool.PoolSnapshot;
import io.keycycle.core.testing.ManualClock;
import io.keycycle.sim.SimLimits;
import io.keycycle.sim.SimProvider;
import io.keycycle.sim.Simulator;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Keys come back: a key revoked in the simulator is disabled at its first rejection, probed on the
 * schedule (1 h, then 2 h, …) on the injected clock, still disabled while revoked, re-enabled by the
 * probe once restored — every probe an event — and serves again.
 */
class KeyProbesE2eTest {

    static final Instant T0 = Instant.parse("2026-11-30T08:00:00Z");

    static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting for " + what);
            Thread.sleep(10);
        }
    }

    static KeyState state(Keycycle kc, String provider, String fp) {
        for (PoolSnapshot.KeyView k : kc.pool(provider).snapshot().keys()) if (k.fingerprint().equals(fp)) return k.state();
        throw new AssertionError(fp);
    }

    @Test
    void aRevokedThenRestoredKeyIsDisabledThenReEnabledByTheProbe() throws Exception {
        ManualClock clock = new ManualClock(T0);
        E2e.Recorder rec = new E2e.Recorder();
        SimProvider groq = SimProvider.groq().fakeKeys(2).model("openai/gpt-oss-120b", SimLimits.UNLIMITED).build();
        try (Simulator sim = Simulator.builder().provider(groq).clock(E2e.simClock(clock)).build().start();
             Keycycle kc = E2e.keycycle(sim, E2e.unlimited("groq/openai/gpt-oss-120b"))
                     .keys("groq", E2e.keys("groq", "org-1", "org-2")).clock(clock).listener(rec)
                     .keyProbes(ProbeSchedule.DEFAULT).build()) {
            sim.provider("groq").killKey(E2e.secret("groq", 1));
            String revoked = kc.pool("groq").keys().get(0).fingerprint();
            for (int i = 0; i < 4; i++) {
                Served<ChatResult> s = kc.chat("groq/openai/gpt-oss-120b", E2e.chat("call " + i), CallSpec.defaults());
                assertThat(s.value().status()).isEqualTo(200);
            }
            assertThat(state(kc, "groq", revoked)).isEqualTo(KeyState.DISABLED);
            KeyReprober probes = kc.keyProbes().orElseThrow();
            assertThat(probes.nextProbe()).as("an hour after it was disabled").isEqualTo(T0.plus(Duration.ofHours(1)));
            clock.advance(Duration.ofMinutes(59));
            Thread.sleep(100);
            assertThat(rec.states("groq", KeyState.DISABLED)).as("not probed before it is due").hasSize(1);
            assertThat(probes.nextProbe()).isEqualTo(T0.plus(Duration.ofHours(1)));

            clock.advance(Duration.ofMinutes(1));                      // still revoked: probed, stays disabled
            await(() -> rec.states("groq", KeyState.DISABLED).size() == 2, "the probe's event");
            assertThat(probes.nextProbe()).as("the next probe 2 h later").isEqualTo(T0.plus(Duration.ofHours(3)));
            assertThat(state(kc, "groq", revoked)).isEqualTo(KeyState.DISABLED);
            List<KeycycleEvent.StateChanged> disabled = rec.states("groq", KeyState.DISABLED);
            assertThat(disabled).hasSize(2);
            assertThat(disabled.get(1).reason()).contains("probe at 2026-11-30T09:00:00Z: invalid (HTTP 401)")
                    .contains("next probe at 2026-11-30T11:00:00Z");
            assertThat(disabled.get(1).until()).isEqualTo(T0.plus(Duration.ofHours(3)));

            sim.provider("groq").reviveKey(E2e.secret("groq", 1));   // the operator fixed it at the provider
            clock.advance(Duration.ofHours(2));
            await(() -> !rec.states("groq", KeyState.READY).isEmpty(), "the probe to re-enable the key");
            assertThat(state(kc, "groq", revoked)).isEqualTo(KeyState.READY);
            assertThat(rec.states("groq", KeyState.READY)).last().satisfies(e -> {
                assertThat(e.fingerprint()).isEqualTo(revoked);
                assertThat(e.reason()).startsWith("probe at 2026-11-30T11:00:00Z: valid (HTTP 200)").endsWith("back in service");
            });
            await(() -> probes.nextProbe() == null, "the key to be forgotten");
            assertThat(kc.chat("groq/openai/gpt-oss-120b", E2e.chat("back"), CallSpec.defaults().withPinnedKey(revoked))
                    .value().status()).isEqualTo(200);
        }
    }

    @Test
    void aKeyAnOperatorDisabledIsNotProbed() throws Exception {
        ManualClock clock = new ManualClock(T0);
        SimProvider groq = SimProvider.groq().fakeKeys(1).model("openai/gpt-oss-120b", SimLimits.UNLIMITED).build();
        E2e.Recorder rec = new E2e.Recorder();
        try (Simulator sim = Simulator.builder().provider(groq).clock(E2e.simClock(clock)).build().start();
             Keycycle kc = E2e.keycycle(sim, E2e.unlimited("groq/openai/gpt-oss-120b"))
                     .keys("groq", E2e.keys("groq", "org-1")).clock(clock).listener(rec).keyProbes(ProbeSchedule.DEFAULT).build()) {
            kc.pool("groq").disable("1", "rotating it out");
            assertThat(kc.keyProbes().orElseThrow().nextProbe()).isNull();
            clock.advance(Duration.ofDays(2));
            Thread.sleep(100);
            assertThat(rec.states("groq", KeyState.DISABLED)).hasSize(1);
            assertThat(rec.states("groq", KeyState.READY)).isEmpty();
        }
    }

    /** The state an earlier process left: one key disabled after a probe found its account out of credit. */
    static final class EarlierProcess implements io.keycycle.core.Persistence {
        final KeycycleEvent.StateChanged left;

        EarlierProcess(KeycycleEvent.StateChanged left) { this.left = left; }

        @Override public void restore(io.keycycle.core.EngineRestorer restorer, Instant now) { restorer.restoreState(left); }

        @Override public void onEvent(KeycycleEvent event) { }

        @Override public void close() { }
    }

    @Test
    void aKeyLeftDisabledByAnEarlierProcessIsWatchedWithItsCause() {
        ManualClock clock = new ManualClock(T0);
        SimProvider cerebras = SimProvider.cerebras().fakeKeys(1).model("gpt-oss-120b", SimLimits.UNLIMITED).build();
        try (Simulator sim = Simulator.builder().provider(cerebras).clock(E2e.simClock(clock)).build().start()) {
            String fp = io.keycycle.core.ApiKey.of("cerebras", 1, E2e.secret("cerebras", 1)).fingerprint();
            KeycycleEvent.StateChanged credit = new KeycycleEvent.StateChanged(T0.minusSeconds(60), "cerebras",
                    KeycycleEvent.Level.KEY, "org-1", fp, "*", KeyState.DISABLED, null,
                    "probe at 2026-11-29T08:00:00Z: no-credit (HTTP 402): payment required; still disabled, next probe at …");
            try (Keycycle kc = E2e.keycycle(sim, "{}").keys("cerebras", E2e.keys("cerebras", "org-1")).clock(clock)
                    .persistence(new EarlierProcess(credit)).keyProbes(ProbeSchedule.DEFAULT).build()) {
                assertThat(state(kc, "cerebras", fp)).isEqualTo(KeyState.DISABLED);
                assertThat(kc.keyProbes().orElseThrow().nextProbe()).as("credit: daily, not in an hour").isEqualTo(T0.plus(Duration.ofDays(1)));
            }
            KeycycleEvent.StateChanged invalid = new KeycycleEvent.StateChanged(T0.minusSeconds(60), "cerebras",
                    KeycycleEvent.Level.KEY, "org-1", fp, "*", KeyState.DISABLED, null, "key invalid: wrong API key");
            try (Keycycle kc = E2e.keycycle(sim, "{}").keys("cerebras", E2e.keys("cerebras", "org-1")).clock(clock)
                    .persistence(new EarlierProcess(invalid)).keyProbes(ProbeSchedule.DEFAULT).build()) {
                assertThat(kc.keyProbes().orElseThrow().nextProbe()).isEqualTo(T0.plus(Duration.ofHours(1)));
            }
        }
    }
}
