package io.keycycle.langchain4j.examples;

import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.service.AiServices;
import dev.langchain4j.service.SystemMessage;
import dev.langchain4j.service.UserMessage;
import io.keycycle.Keycycle;
import io.keycycle.core.config.KeycycleConfig;
import io.keycycle.langchain4j.KeycycleChatModels;
import io.keycycle.sim.ProviderKind;
import io.keycycle.sim.SimKey;
import io.keycycle.sim.SimStats;
import io.keycycle.sim.Simulator;
import org.junit.jupiter.api.Test;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The README example: a LangChain4j agent on the tier "fast" through Keycycle, against the local
 * simulator (3 fake keys each for Cerebras and Groq, free-tier limits). Twenty questions: Cerebras'
 * three keys serve 5 requests a minute each, then the tier falls back to Groq.
 *
 * <pre>
 * ./mvnw -q -o -pl keycycle-langchain4j -am verify -Dtest=AgentOnTierExample -Dsurefire.failIfNoSpecifiedTests=false
 * </pre>
 */
public class AgentOnTierExample {

    interface Assistant {
        @SystemMessage("You are a concise assistant for an operations team.")
        String chat(@UserMessage String question);
    }

    public static void main(String[] args) {
        run(System.out);
    }

    static SimStats run(PrintStream out) {
        try (Simulator sim = Simulator.builder().port(0).freeTierProviders(3).build().start()) {
            // What a real deployment puts in its environment or .env; <P>_BASE_URL points at the simulator.
            Map<String, String> env = new LinkedHashMap<>();
            for (ProviderKind kind : List.of(ProviderKind.CEREBRAS, ProviderKind.GROQ)) {
                String p = kind.id().toUpperCase(Locale.ROOT);
                env.put("NUM_" + p, "3");
                for (int i = 1; i <= 3; i++) env.put(p + "_API_KEY_" + i, SimKey.fakeSecret(kind, i));
                env.put(p + "_BASE_URL", sim.baseUrl(kind));
            }

            // --8<-- [start:snippet]
            KeycycleConfig config = KeycycleConfig.parse("""
                    tiers:
                      fast: [cerebras/gpt-oss-120b, groq/openai/gpt-oss-20b]
                    """, env, "keycycle.yaml");
            try (Keycycle keycycle = Keycycle.builder().env(env).config(config).build()) {
                Assistant assistant = AiServices.builder(Assistant.class)
                        // Cerebras takes prompt + max tokens (16,384 when unset) from its tokens per
                        // minute when a request arrives: a limit keeps short answers cheap
                        .chatModel(KeycycleChatModels.of(keycycle).builder("fast")
                                .defaultRequestParameters(ChatRequestParameters.builder().maxOutputTokens(1024).build())
                                .build())
                        .build();
                for (int i = 1; i <= 20; i++) {
                    String answer = assistant.chat("Status of service #" + i + "?");
                    out.printf("%2d  %s…%n", i, answer.substring(0, Math.min(60, answer.length())));
                }
                keycycle.snapshots().forEach(s -> s.keys().forEach(k ->
                        out.printf("%-9s %s %s%n", s.provider(), k.fingerprint(), k.state())));
            }
            // --8<-- [end:snippet]
            out.println(sim.stats().table());
            return sim.stats();
        }
    }

    @Test
    void runsAndFallsBackToGroqWhenCerebrasIsFull() {
        SimStats stats = run(System.out);
        assertThat(stats.total("cerebras").successes()).isEqualTo(15);
        assertThat(stats.total("groq").successes()).isEqualTo(5);
        assertThat(stats.total429()).isZero();
    }
}
