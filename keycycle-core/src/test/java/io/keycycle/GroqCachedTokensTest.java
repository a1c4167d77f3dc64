package io.keycycle;

import io.keycycle.core.KeycycleEvent;
import io.keycycle.core.client.StreamListener;
import io.keycycle.sim.SimLimits;
import io.keycycle.sim.SimProvider;
import io.keycycle.sim.Simulator;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Groq's cached prompt tokens do not count toward its limits. An answer reports them as
 * {@code prompt_tokens_details.cached_tokens}; the engine charges the usage less them, so a
 * conversation that resends its context is not throttled on tokens Groq does not count. The
 * simulator's Groq caches a prompt its scope sent within the hour and leaves the hit out of its TPM.
 */
class GroqCachedTokensTest {

    static final String MODEL = "openai/gpt-oss-120b";

    @Test
    void aResentPromptServedFromGroqsCacheCostsItsWindowsOnlyWhatGroqCounts() {
        E2e.Recorder rec = new E2e.Recorder();
        String yaml = E2e.yaml(List.of("groq/" + MODEL + "={ rpm: unlimited, rpd: unlimited, tpm: 1000, tpd: unlimited }"));
        try (Simulator sim = Simulator.builder().provider(SimProvider.groq().fakeKeys(1).model(MODEL, SimLimits.UNLIMITED.tpm(1000)).build())
                .build().start();
             Keycycle kc = E2e.keycycle(sim, yaml).keys("groq", E2e.keys("groq", "org-1")).listener(rec).build()) {
            sim.provider("groq").promptCaching(true);
            String context = "x".repeat(1_400); // ~350 tokens, resent with every turn
            for (int i = 0; i < 4; i++) {
                assertThat(kc.chat("groq/" + MODEL, E2e.chat(context, 20), CallSpec.defaults()).value().status()).as("turn %d", i)
                        .isEqualTo(200);
            }
            kc.stream("groq/" + MODEL, E2e.chat(context, 20), CallSpec.defaults(), StreamListener.of(e -> { }));
            assertThat(sim.stats().total429()).isZero();
            List<KeycycleEvent.Settled> settled = rec.settled("groq");
            assertThat(settled).hasSize(5);
            long prompt = settled.get(0).promptTokens();
            assertThat(settled.get(0).chargedTokens()).as("the first turn: nothing cached").isEqualTo(prompt + settled.get(0).completionTokens());
            assertThat(settled.subList(1, 5)).as("the cached turns, plain and streamed: the completion only")
                    .allSatisfy(s -> assertThat(s.chargedTokens()).isEqualTo(s.completionTokens()));
            assertThat(settled).as("the usage records keep the prompt").allSatisfy(s -> assertThat(s.promptTokens()).isEqualTo(prompt));
        }
    }
}
