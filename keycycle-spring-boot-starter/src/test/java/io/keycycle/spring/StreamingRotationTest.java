package io.keycycle.spring;

import io.keycycle.sim.SimStats;
import io.keycycle.sim.Simulator;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Streaming through a tier takes the same engine path as a blocking call: the simulator's Groq keys
 * allow 2 requests a minute while the properties say 100, so each key streams 2 answers, answers
 * the third stream with a real 429 before any chunk; the engine cools that key, rotates, and after
 * the last Groq key falls back to Cerebras. No chunk of a refused attempt reaches the caller.
 */
class StreamingRotationTest {

    @Test
    void aStreamAnswered429RotatesAndFallsBackAlongTheTier() {
        try (GroqThenCerebras app = GroqThenCerebras.start()) {
            Simulator sim = app.sim();
            ChatModel tier = app.tier();
            ChatClient client = ChatClient.create(tier);
            List<String> servedBy = new ArrayList<>();
            for (int i = 1; i <= 7; i++) {
                List<ChatResponse> chunks = client.prompt().user("Question " + i).stream().chatResponse()
                        .collectList().block(Duration.ofSeconds(30));
                assertThat(chunks).as("stream %d", i).hasSizeGreaterThan(1);
                StringBuilder text = new StringBuilder();
                for (ChatResponse c : chunks) {
                    if (c.getResult() != null && c.getResult().getOutput().getText() != null) text.append(c.getResult().getOutput().getText());
                }
                assertThat(text.toString()).as("stream %d", i).isNotBlank();
                servedBy.add((String) chunks.get(0).getMetadata().get(RotatingChatModel.PROVIDER));
            }
            SimStats stats = sim.stats();
            assertThat(servedBy).containsExactly("groq", "groq", "groq", "groq", "groq", "groq", "cerebras");
            assertThat(stats.total("groq").successes()).isEqualTo(6);
            assertThat(stats.total("groq").minute429()).as("each Groq key answered one 429, and was not asked again").isEqualTo(3);
            assertThat(stats.total("cerebras").successes()).isEqualTo(1);
        }
    }
}
