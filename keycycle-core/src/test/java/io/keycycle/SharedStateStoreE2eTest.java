package io.keycycle;

import io.keycycle.core.NoAvailableKeyException;
import io.keycycle.core.client.ChatResult;
import io.keycycle.core.pool.PoolStateStore;
import io.keycycle.sim.ProviderKind;
import io.keycycle.sim.SimLimits;
import io.keycycle.sim.SimProvider;
import io.keycycle.sim.Simulator;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Two facades on one {@link PoolStateStore} — what two processes on a shared store are — admit one
 * key's limit together, not each: the provider never answers 429.
 */
class SharedStateStoreE2eTest {

    @Test
    void twoFacadesOnOneStoreShareTheLimitsOfTheirKeys() {
        String model = "llama-3.1-8b-instant";
        SimProvider groq = SimProvider.builder(ProviderKind.GROQ).model(model, SimLimits.UNLIMITED.rpm(4))
                .key(E2e.secret("groq", 1), "org").build();
        PoolStateStore shared = PoolStateStore.local();
        String yaml = E2e.yaml(List.of("groq/" + model + "={ rpm: 4 }"));
        try (Simulator sim = Simulator.builder().provider(groq).build().start();
             Keycycle a = E2e.keycycle(sim, yaml).keys("groq", E2e.keys("groq", "org")).stateStore(shared).build();
             Keycycle b = E2e.keycycle(sim, yaml).keys("groq", E2e.keys("groq", "org")).stateStore(shared).build()) {
            for (int i = 0; i < 2; i++) {
                Served<ChatResult> x = a.chat("groq/" + model, E2e.chat("a" + i), CallSpec.defaults());
                Served<ChatResult> y = b.chat("groq/" + model, E2e.chat("b" + i), CallSpec.defaults());
                assertThat(x.value().status()).isEqualTo(200);
                assertThat(y.value().status()).isEqualTo(200);
            }
            assertThatThrownBy(() -> a.chat("groq/" + model, E2e.chat("a3"), CallSpec.defaults())).isInstanceOf(NoAvailableKeyException.class);
            assertThatThrownBy(() -> b.chat("groq/" + model, E2e.chat("b3"), CallSpec.defaults())).isInstanceOf(NoAvailableKeyException.class);
            assertThat(sim.stats().totalRequests()).isEqualTo(4);
            assertThat(sim.stats().total429()).isZero();
        }
    }
}
