package io.keycycle.sim;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SimulatorExtensionTest {

    @RegisterExtension
    static final SimulatorExtension SIM = SimulatorExtension.configure(b -> b.provider(
            SimProvider.groq().fakeKeys(1).model("m", SimLimits.UNLIMITED.rpm(1)).build()));

    static Simulator first;

    @Test
    @Order(1)
    void injectsAStartedSimulator(Simulator sim) {
        first = sim;
        assertThat(sim.providers()).containsExactly(ProviderKind.GROQ);
        assertThat(Http.chat(sim.baseUrl("groq"), SimKey.fakeSecret(ProviderKind.GROQ, 1), Http.body("m", "a")).statusCode())
                .isEqualTo(200);
    }

    @Test
    @Order(2)
    void sameSimulatorPerClassButResetBetweenTests(Simulator sim) {
        assertThat(sim).isSameAs(first);
        assertThat(sim.stats().totalRequests()).isZero();
        // rpm 1 was used by the previous test; the reset forgot it
        assertThat(Http.chat(sim.baseUrl("groq"), SimKey.fakeSecret(ProviderKind.GROQ, 1), Http.body("m", "a")).statusCode())
                .isEqualTo(200);
    }
}
