package io.keycycle;

import io.keycycle.core.NoAvailableKeyException;
import io.keycycle.sim.SimLimits;
import io.keycycle.sim.SimProvider;
import io.keycycle.sim.Simulator;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Google routes {@code gemini-2.5-flash} to {@code gemini-3.5-flash-lite} since its shutdown and
 * counts both names against one quota per project (15 RPM). The catalog's {@code counts-as} makes
 * the engine admit both against one window: a minute takes 15 calls between them, not 5 + 15
 * (the 2.5 Flash row's own limits before 2026-12-06), which the provider would have refused in part.
 */
class CountsAsTest {

    static final String OLD = "gemini-2.5-flash";
    static final String NEW = "gemini-3.5-flash-lite";

    /** Google's side: 15 a minute for 3.5 Flash-Lite, and 2.5 Flash served by it, on its quota. */
    static Simulator sim() {
        return Simulator.builder().provider(SimProvider.gemini().fakeKeys(1).model(OLD, SimLimits.UNLIMITED)
                .model(NEW, SimLimits.UNLIMITED.rpm(15)).autoRoute(OLD, NEW).build()).build().start();
    }

    @Test
    void callsToARoutedModelAndToTheModelItIsRoutedToShareOneWindow() {
        try (Simulator sim = sim(); Keycycle kc = E2e.keycycle(sim, "{}").keys("gemini", E2e.keys("gemini", "project-1")).build()) {
            for (int i = 0; i < 15; i++) {
                String model = i % 3 == 0 ? OLD : NEW; // 5 to the old name, 10 to the new
                assertThat(kc.chat("gemini/" + model, E2e.chat("call " + i, 20), CallSpec.defaults().withWait(false)).value().status())
                        .as("call %d to %s", i, model).isEqualTo(200);
            }
            for (String model : new String[]{OLD, NEW}) {
                assertThatThrownBy(() -> kc.chat("gemini/" + model, E2e.chat("one more", 20), CallSpec.defaults().withWait(false)))
                        .as("the project's 15 a minute are spent, whichever name asks").isInstanceOf(NoAvailableKeyException.class);
            }
            assertThat(sim.stats().totalRequests()).as("the refusals were local").isEqualTo(15);
            assertThat(sim.stats().total429()).as("no call the provider refused").isZero();
            assertThat(kc.catalog().describe("gemini", OLD).limits().limits().rpm()).isEqualTo(15);
        }
    }

    @Test
    void aConfigurationThatListsTheRoutedModelKeepsItAModelOfItsOwn() {
        String yaml = "providers: { gemini: { models: { " + OLD + ": { rpm: 2 } } } }";
        try (Simulator sim = Simulator.builder().provider(SimProvider.gemini().fakeKeys(1).model(OLD, SimLimits.UNLIMITED)
                     .model(NEW, SimLimits.UNLIMITED.rpm(15)).build()).build().start(); // no routing: the file knows better
             Keycycle kc = E2e.keycycle(sim, yaml).keys("gemini", E2e.keys("gemini", "project-1")).build()) {
            for (int i = 0; i < 2; i++) kc.chat("gemini/" + OLD, E2e.chat("old " + i, 20), CallSpec.defaults().withWait(false));
            assertThatThrownBy(() -> kc.chat("gemini/" + OLD, E2e.chat("old 3", 20), CallSpec.defaults().withWait(false)))
                    .isInstanceOf(NoAvailableKeyException.class);
            for (int i = 0; i < 15; i++) {
                assertThat(kc.chat("gemini/" + NEW, E2e.chat("new " + i, 20), CallSpec.defaults().withWait(false)).value().status())
                        .as("the new model's window is its own").isEqualTo(200);
            }
        }
    }
}
