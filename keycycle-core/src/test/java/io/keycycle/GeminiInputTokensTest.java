package io.keycycle;

import io.keycycle.core.KeycycleEvent;
import io.keycycle.core.NoAvailableKeyException;
import io.keycycle.sim.SimLimits;
import io.keycycle.sim.SimProvider;
import io.keycycle.sim.Simulator;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Gemini's token quotas ({@code GenerateContentInputTokensPerModelPerMinute}, {@code …PerDay}) count
 * the prompt only. The engine reserves the prompt estimate for a Gemini call, not prompt +
 * {@code max_tokens}, and charges the reported prompt tokens: a request Google takes is not refused
 * as one that could never fit, and the answer's tokens do not fill a window they do not count in.
 * The simulator counts Gemini's token limits the same way (the prompt only), against the
 * catalog's 15,000 tokens a minute of Gemma 3 27B.
 */
class GeminiInputTokensTest {

    static final String MODEL = "gemma-3-27b-it";

    static Simulator sim() {
        return Simulator.builder().provider(SimProvider.gemini().fakeKeys(1).model(MODEL, SimLimits.UNLIMITED.tpm(15_000)).build())
                .build().start();
    }

    /** A prompt of about {@code tokens} tokens (the estimate counts four characters a token). */
    static String prompt(int tokens) {
        return "x".repeat(tokens * 4);
    }

    @Test
    void aPromptUnderTheMinutesTokensIsSentWhateverTheCompletionLimit() {
        try (Simulator sim = sim(); Keycycle kc = E2e.keycycle(sim, "{}").keys("gemini", E2e.keys("gemini", "project-1")).build()) {
            // 8,000 in + 8,000 out: above 15,000 together, which the provider does not count together
            var served = kc.chat("gemini/" + MODEL, E2e.chat(prompt(8_000), 8_000), CallSpec.defaults().withWait(false));
            assertThat(served.value().status()).isEqualTo(200);
            assertThat(sim.stats().total429()).isZero();
        }
    }

    @Test
    void aMinuteHoldsTheInputTheProviderCountsAndNoMore() {
        E2e.Recorder rec = new E2e.Recorder();
        try (Simulator sim = sim();
             Keycycle kc = E2e.keycycle(sim, "{}").keys("gemini", E2e.keys("gemini", "project-1")).listener(rec).build()) {
            for (int i = 0; i < 3; i++) {
                // each 4,000 in with room for 4,000 out: reserving both would refuse the second call
                assertThat(kc.chat("gemini/" + MODEL, E2e.chat(i + prompt(4_000), 4_000), CallSpec.defaults().withWait(false))
                        .value().status()).as("call %d", i).isEqualTo(200);
            }
            assertThatThrownBy(() -> kc.chat("gemini/" + MODEL, E2e.chat(prompt(4_000), 4_000), CallSpec.defaults().withWait(false)))
                    .as("a fourth 4,000 would put 16,000 input tokens in the minute").isInstanceOf(NoAvailableKeyException.class);
            assertThat(sim.stats().totalRequests()).as("the refusal was local").isEqualTo(3);
            assertThat(sim.stats().total429()).isZero();
            var row = sim.stats().total("gemini");
            assertThat(row.completionTokens()).as("the answers had tokens of their own").isPositive();
            assertThat(rec.settled("gemini").stream().mapToLong(KeycycleEvent.Settled::chargedTokens).sum())
                    .as("charged: the input tokens the provider reported").isEqualTo(row.promptTokens());
            assertThat(rec.settled("gemini").stream().mapToLong(KeycycleEvent.Settled::completionTokens).sum())
                    .as("the usage record keeps the completion").isEqualTo(row.completionTokens());
        }
    }
}
