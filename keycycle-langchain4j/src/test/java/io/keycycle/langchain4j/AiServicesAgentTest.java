package io.keycycle.langchain4j;

import dev.langchain4j.agent.tool.Tool;
import dev.langchain4j.service.AiServices;
import dev.langchain4j.service.SystemMessage;
import dev.langchain4j.service.UserMessage;
import dev.langchain4j.service.V;
import io.keycycle.Keycycle;
import io.keycycle.core.KeycycleEvent;
import io.keycycle.sim.ProviderKind;
import io.keycycle.sim.SimKey;
import io.keycycle.sim.SimProvider;
import io.keycycle.sim.SimStats;
import io.keycycle.sim.Simulator;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** A LangChain4j agent (AiServices, a system message, a tool) on a tier, through Keycycle, against the simulator. */
class AiServicesAgentTest {

    interface Researcher {
        @SystemMessage("You are a terse research assistant. Use the tools when they help.")
        @UserMessage("Summarise {{topic}} in one sentence.")
        String summarise(@V("topic") String topic);
    }

    static final class Library {
        @Tool("Looks a term up in the glossary")
        String glossary(String term) {
            return term + ": a word in the glossary";
        }
    }

    @Test
    void anAgentOnATierGetsTheProvidersAnswerAndItsUsageIsRecorded() {
        try (Simulator sim = Simulator.builder().port(0)
                .provider(SimProvider.cerebras().key(SimKey.fakeSecret(ProviderKind.CEREBRAS, 1), "acct-c").freeTierModels().build())
                .provider(SimProvider.groq().key(SimKey.fakeSecret(ProviderKind.GROQ, 1), "org-a").freeTierModels().build())
                .build().start()) {
            Engines.Recorder rec = new Engines.Recorder();
            String yaml = "tiers:\n  fast: [cerebras/gpt-oss-120b, groq/llama-3.1-8b-instant]\n";
            try (Keycycle k = Engines.over(sim, yaml).listener(rec).build()) {
                Researcher agent = AiServices.builder(Researcher.class)
                        .chatModel(KeycycleChatModels.of(k).chatModel("fast"))
                        .tools(new Library())
                        .build();

                String answer = agent.summarise("key rotation");

                SimStats.Row row = sim.stats().total("cerebras");
                assertThat(row.successes()).isEqualTo(1);
                // the simulator answers with as many filler words as it reports completion tokens
                assertThat(answer.trim().split("\\s+")).hasSize((int) row.completionTokens());
                KeycycleEvent.Settled s = rec.settled().get(0);
                assertThat(rec.settled()).hasSize(1);
                assertThat(s.provider()).isEqualTo("cerebras");
                assertThat(s.promptTokens()).isEqualTo(row.promptTokens());
                assertThat(s.completionTokens()).isEqualTo(row.completionTokens());
                // the reservation counted the tool definitions too
                KeycycleEvent.Admitted a = rec.events.stream().filter(KeycycleEvent.Admitted.class::isInstance)
                        .map(KeycycleEvent.Admitted.class::cast).findFirst().orElseThrow();
                assertThat(a.estimatedTokens()).isGreaterThan(row.promptTokens() + 1000);
            }
        }
    }
}
