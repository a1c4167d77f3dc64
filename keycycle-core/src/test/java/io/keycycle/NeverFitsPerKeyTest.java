package io.keycycle;

import io.keycycle.core.NoAvailableKeyException;
import io.keycycle.sim.SimLimits;
import io.keycycle.sim.SimProvider;
import io.keycycle.sim.Simulator;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Cerebras reserves prompt + max_completion_tokens when a request arrives, so a request larger than
 * the tokens-per-minute limit can never be served and is refused unsent. The limit it is held to is
 * the largest any key of the pool has: a paid key tier's, or what the provider's headers reported,
 * not only the table's 30,000. Until 2026-12-06 only the table's counted, and a request a paid
 * organisation's key could take was refused without being sent.
 */
class NeverFitsPerKeyTest {

    static final String MODEL = "gpt-oss-120b";
    /** About 20,000 tokens of prompt: with the 16,384 Cerebras assumes, 36,000 against the table's 30,000. */
    static final String LONG = "x".repeat(80_000);

    static Simulator sim(long tpm) {
        return Simulator.builder().provider(SimProvider.cerebras().fakeKeys(1).model(MODEL, SimLimits.UNLIMITED.tpm(tpm)).build()).build().start();
    }

    @Test
    void aPaidKeyTiersLimitIsTheOneARequestMustFit() {
        String yaml = """
                providers:
                  cerebras:
                    key-tiers:
                      paid: { scopes: [org-paid], models: { %s: { tpm: 100000 } } }
                """.formatted(MODEL);
        try (Simulator sim = sim(1_000_000);
             Keycycle kc = E2e.keycycle(sim, yaml).keys("cerebras", E2e.keys("cerebras", "org-paid")).build()) {
            assertThat(kc.chat("cerebras/" + MODEL, E2e.chat(LONG), CallSpec.defaults().withWait(false)).value().status()).isEqualTo(200);
            assertThat(sim.stats().totalRequests()).isEqualTo(1);
        }
    }

    @Test
    void aLimitTheProviderReportedIsTheOneARequestMustFitAndTheTablesOtherwise() {
        try (Simulator sim = sim(100_000);
             Keycycle kc = E2e.keycycle(sim, "{}").keys("cerebras", E2e.keys("cerebras", "org-1")).build()) {
            assertThatThrownBy(() -> kc.chat("cerebras/" + MODEL, E2e.chat(LONG), CallSpec.defaults().withWait(false)))
                    .as("before any answer: the table's 30,000").isInstanceOf(NoAvailableKeyException.class)
                    .hasMessageContaining("can never fit");
            assertThat(sim.stats().totalRequests()).isZero();
            // a higher limit is believed once three answers in a row report it
            for (int i = 0; i < 3; i++) {
                assertThat(kc.chat("cerebras/" + MODEL, E2e.chat("hello " + i, 20), CallSpec.defaults()).value().status()).isEqualTo(200);
            }
            assertThat(kc.chat("cerebras/" + MODEL, E2e.chat(LONG), CallSpec.defaults().withWait(false)).value().status()).isEqualTo(200);
            assertThat(sim.stats().totalRequests()).isEqualTo(4);
        }
    }
}
