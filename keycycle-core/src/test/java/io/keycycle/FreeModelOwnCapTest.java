package io.keycycle;

import io.keycycle.core.ConfigurationException;
import io.keycycle.core.KeyState;
import io.keycycle.core.KeycycleEvent;
import io.keycycle.core.KeycycleException;
import io.keycycle.core.pool.PoolSnapshot;
import io.keycycle.sim.SimLimits;
import io.keycycle.sim.SimProvider;
import io.keycycle.sim.Simulator;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * OpenRouter's {@code :free} models share one account-wide budget (20 a minute, 50 a day), and a
 * model may also have a cap of its own, whose 429 ({@code per-model-per-day},
 * {@code openrouter_per_model_daily}, its own {@code X-RateLimit-Limit} and reset) is about that
 * model only. It parks that model for the account until the cap's reset; the other free models keep
 * the shared budget, and the cap's number is not learned as the budget's limit. The simulator caps
 * one free model at 2 a day on top of the account's budget.
 */
class FreeModelOwnCapTest {

    static final String CAPPED = "meta-llama/llama-3.3-70b-instruct:free";
    static final String OTHER = "qwen/qwen3-coder:free";

    static Simulator sim() {
        return Simulator.builder().provider(SimProvider.openrouter().fakeKeys(1)
                .model(CAPPED, SimLimits.UNLIMITED.rpd(2)).model(OTHER, SimLimits.UNLIMITED).build()).build().start();
    }

    static Object call(Keycycle kc, String model) {
        return kc.chat("openrouter/" + model, E2e.chat("hello", 20), CallSpec.defaults().withWait(false)).value().status();
    }

    @Test
    void aFreeModelsOwnDailyCapParksThatModelNotTheAccountsFreeBudget() {
        E2e.Recorder rec = new E2e.Recorder();
        try (Simulator sim = sim();
             Keycycle kc = E2e.keycycle(sim, "{}").keys("openrouter", E2e.keys("openrouter", "account-1")).listener(rec).build()) {
            assertThat(call(kc, CAPPED)).isEqualTo(200);
            assertThat(call(kc, CAPPED)).isEqualTo(200);
            assertThatThrownBy(() -> call(kc, CAPPED)).as("the model's own cap of 2 a day").isInstanceOf(KeycycleException.class);
            assertThat(sim.stats().total429()).isEqualTo(1);

            assertThat(call(kc, OTHER)).as("another free model still has the account's budget").isEqualTo(200);
            assertThatThrownBy(() -> call(kc, CAPPED)).as("the capped model stays parked").isInstanceOf(KeycycleException.class);
            assertThat(sim.stats().totalRequests()).as("that refusal was local").isEqualTo(4);
            assertThat(rec.of(KeycycleEvent.LimitLearned.class, e -> true)).as("2 a day is the model's, not the budget's")
                    .isEmpty();

            PoolSnapshot s = kc.pool("openrouter").snapshot();
            assertThat(s.buckets()).filteredOn(b -> b.model().equals(CAPPED)).singleElement()
                    .satisfies(b -> assertThat(b.state()).isEqualTo(KeyState.PARKED));
            assertThat(s.buckets()).filteredOn(b -> b.model().equals("*")).singleElement()
                    .satisfies(b -> assertThat(b.state()).isEqualTo(KeyState.READY));

            // a restart puts the model's hold back where it was, not on the shared budget
            try (Keycycle again = E2e.keycycle(sim, "{}").keys("openrouter", E2e.keys("openrouter", "account-1")).build()) {
                for (KeycycleEvent.StateChanged st : rec.states("openrouter", KeyState.PARKED)) again.pool("openrouter").restoreState(st);
                assertThatThrownBy(() -> call(again, CAPPED)).isInstanceOf(KeycycleException.class);
                assertThat(call(again, OTHER)).isEqualTo(200);
                assertThat(sim.stats().totalRequests()).isEqualTo(5);
                assertThat(again.pool("openrouter").release("1").holds()).as("an operator's release ends it")
                        .containsExactly(CAPPED);
            }
        }
    }

    @Test
    void aFreeModelTheTableDoesNotListYetIsServedOnTheSharedBudgetAPaidOneIsNot() {
        String unlisted = "acme/brand-new-model:free";
        try (Simulator sim = Simulator.builder().provider(SimProvider.openrouter().fakeKeys(1)
                     .model(unlisted, SimLimits.UNLIMITED).model("acme/brand-new-model", SimLimits.UNLIMITED).build()).build().start();
             Keycycle kc = E2e.keycycle(sim, "{}").keys("openrouter", E2e.keys("openrouter", "account-1")).build()) {
            assertThat(call(kc, unlisted)).isEqualTo(200);
            assertThat(kc.pool("openrouter").snapshot().buckets()).as("counted in the shared free budget")
                    .anySatisfy(b -> {
                        assertThat(b.model()).isEqualTo("*");
                        assertThat(b.usage()).anySatisfy(u -> assertThat(u.used()).isEqualTo(1));
                    });
            assertThatThrownBy(() -> call(kc, "acme/brand-new-model")).isInstanceOf(ConfigurationException.class)
                    .hasMessageContaining("unknown model 'acme/brand-new-model'");
            assertThat(sim.stats().totalRequests()).isEqualTo(1);
        }
    }
}
