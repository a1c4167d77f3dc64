package io.keycycle;

import io.keycycle.core.KeyState;
import io.keycycle.core.KeycycleEvent;
import io.keycycle.core.OutcomeKind;
import io.keycycle.core.client.ChatResult;
import io.keycycle.core.pool.PoolSnapshot;
import io.keycycle.sim.SimLimits;
import io.keycycle.sim.SimProvider;
import io.keycycle.sim.Simulator;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Gemini's 403 {@code PERMISSION_DENIED} about a consumer, end to end against the simulator: three
 * keys in two projects (keys 1 and 2 in project 578829824020, key 3 in another). A key Google
 * suspended ({@code CONSUMER_SUSPENDED} naming {@code api_key:…}) is disabled alone and its project's
 * other key keeps serving; a project without the API enabled ({@code SERVICE_DISABLED}) takes both
 * of its keys out and the other project serves. No call fails to the caller either way.
 */
class GeminiPermissionDeniedE2eTest {

    static final String GEMINI = "gemini";
    static final String MODEL = "gemini-3.5-flash";
    static final String PROJECT_A = "578829824020";
    static final String PROJECT_B = "project-b";
    static final int CALLS = 30;

    static Simulator sim() {
        SimProvider.Builder p = SimProvider.gemini().model(MODEL, SimLimits.UNLIMITED);
        p.key(E2e.secret(GEMINI, 1), PROJECT_A).key(E2e.secret(GEMINI, 2), PROJECT_A).key(E2e.secret(GEMINI, 3), PROJECT_B);
        return Simulator.builder().provider(p.build()).build().start();
    }

    static Keycycle keycycle(Simulator sim, E2e.Recorder rec) {
        return E2e.keycycle(sim, E2e.unlimited(GEMINI + "/" + MODEL))
                .keys(GEMINI, E2e.keys(GEMINI, PROJECT_A, PROJECT_A, PROJECT_B)).listener(rec).build();
    }

    static PoolSnapshot.KeyView view(Keycycle kc, String fingerprint) {
        return kc.pool(GEMINI).snapshot().keys().stream().filter(k -> k.fingerprint().equals(fingerprint)).findFirst().orElseThrow();
    }

    @Test
    void aSuspendedKeyIsDisabledAloneAndItsProjectsOtherKeyKeepsServing() {
        E2e.Recorder rec = new E2e.Recorder();
        try (Simulator sim = sim(); Keycycle kc = keycycle(sim, rec)) {
            sim.provider(GEMINI).setKeyState(E2e.secret(GEMINI, 1), io.keycycle.sim.KeyState.CONSUMER_SUSPENDED);
            List<String> fps = kc.pool(GEMINI).keys().stream().map(k -> k.fingerprint()).toList();
            String suspended = fps.get(0), sameProject = fps.get(1);

            for (int i = 0; i < CALLS; i++) {
                Served<ChatResult> s = kc.chat(GEMINI + "/" + MODEL, E2e.chat("call " + i), CallSpec.defaults());
                assertThat(s.value().status()).as("call %d", i).isEqualTo(200);
            }

            assertThat(sim.stats().total(GEMINI).successes()).as("no failure reached the caller").isEqualTo(CALLS);
            assertThat(E2e.simRow(sim, GEMINI, suspended).requests()).as("sent once, never again").isEqualTo(1);
            assertThat(rec.settled(GEMINI)).filteredOn(e -> e.fingerprint().equals(suspended)).singleElement().satisfies(e -> {
                assertThat(e.outcome()).isEqualTo(OutcomeKind.KEY_SUSPENDED);
                assertThat(e.status()).isEqualTo(403);
            });
            assertThat(rec.states(GEMINI, KeyState.DISABLED)).singleElement().satisfies(e -> {
                assertThat(e.level()).isEqualTo(KeycycleEvent.Level.KEY);
                assertThat(e.fingerprint()).isEqualTo(suspended);
                assertThat(e.reason()).contains("API key suspended").doesNotContain(E2e.secret(GEMINI, 1));
            });
            assertThat(view(kc, suspended).state()).isEqualTo(KeyState.DISABLED);
            assertThat(view(kc, sameProject).state()).as("the project is not suspended").isEqualTo(KeyState.READY);
            assertThat(E2e.simRow(sim, GEMINI, sameProject).successes()).as("the project's other key served").isPositive();
        }
    }

    @Test
    void aProjectWithoutTheApiEnabledIsTakenOutWholeAndTheOtherProjectServes() {
        E2e.Recorder rec = new E2e.Recorder();
        try (Simulator sim = sim(); Keycycle kc = keycycle(sim, rec)) {
            sim.provider(GEMINI).setKeyState(E2e.secret(GEMINI, 2), io.keycycle.sim.KeyState.API_DISABLED);
            List<String> fps = kc.pool(GEMINI).keys().stream().map(k -> k.fingerprint()).toList();

            for (int i = 0; i < CALLS; i++) {
                Served<ChatResult> s = kc.chat(GEMINI + "/" + MODEL, E2e.chat("call " + i), CallSpec.defaults());
                assertThat(s.value().status()).as("call %d", i).isEqualTo(200);
            }

            assertThat(sim.stats().total(GEMINI).successes()).as("no failure reached the caller").isEqualTo(CALLS);
            long projectA = E2e.simRow(sim, GEMINI, fps.get(0)).requests() + E2e.simRow(sim, GEMINI, fps.get(1)).requests();
            assertThat(projectA).as("one refused request takes the whole project out").isEqualTo(1);
            assertThat(E2e.simRow(sim, GEMINI, fps.get(2)).successes()).isEqualTo(CALLS);
            assertThat(rec.states(GEMINI, KeyState.DISABLED)).hasSize(2).allSatisfy(e -> {
                assertThat(e.scope()).isEqualTo(PROJECT_A);
                assertThat(e.reason()).contains("Generative Language API disabled for projects/" + PROJECT_A)
                        .contains("enable it for the project");
            });
            assertThat(view(kc, fps.get(0)).state()).isEqualTo(KeyState.DISABLED);
            assertThat(view(kc, fps.get(1)).state()).isEqualTo(KeyState.DISABLED);
            assertThat(view(kc, fps.get(2)).state()).isEqualTo(KeyState.READY);
        }
    }
}
