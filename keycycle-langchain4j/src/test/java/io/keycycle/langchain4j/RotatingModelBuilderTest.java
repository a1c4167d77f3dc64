package io.keycycle.langchain4j;

import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.request.ChatRequest;
import io.keycycle.Keycycle;
import io.keycycle.core.ApiKey;
import io.keycycle.core.ConfigurationException;
import io.keycycle.core.config.KeycycleConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Builder validation, the get_model mapping, and the reservation rule. No HTTP. */
class RotatingModelBuilderTest {

    private Keycycle keycycle;

    @BeforeEach
    void engine() {
        keycycle = Keycycle.builder()
                .config(KeycycleConfig.parse("tiers:\n  fast: [groq/llama-3.1-8b-instant]\n", Map.of(), "test"))
                .keys("groq", List.of(ApiKey.of("groq", 1, "gsk_test_0000000000000000000001")))
                .shutdownHook(false).build();
    }

    @AfterEach
    void close() {
        keycycle.close();
    }

    @Test
    void getModelOptionsLandInTheCallSpec() {
        RotatingChatModel m = RotatingChatModel.builder().keycycle(keycycle).target("groq/llama-3.3-70b-versatile")
                .estimatedTokens(1000).waitForKey(true).timeout(Duration.ofSeconds(10)).maxRetries(5)
                .pinnedKey("1").sessionId("conversation-7").escalateTo("fast").build();
        assertThat(m.target()).isEqualTo("groq/llama-3.3-70b-versatile");
        assertThat(m.callSpec().estimatedTokens()).isEqualTo(1000);
        assertThat(m.callSpec().waitForKey()).isTrue();
        assertThat(m.callSpec().timeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(m.callSpec().maxRetries()).isEqualTo(5);
        assertThat(m.callSpec().pinnedKey()).isEqualTo("1");
        assertThat(m.callSpec().sessionId()).isEqualTo("conversation-7");
        assertThat(m.callSpec().escalateTo()).isEqualTo("fast");
    }

    @Test
    void theEnginesCallsSectionIsTheDefaultAndTheBuilderChangesOnlyWhatItSets() {
        String yaml = "calls: { timeout: 45s, request-timeout: 20s, max-retries: 2, estimated-tokens: 300 }\n";
        try (Keycycle k = Keycycle.builder().config(KeycycleConfig.parse(yaml, Map.of(), "test"))
                .keys("groq", List.of(ApiKey.of("groq", 1, "gsk_test_0000000000000000000001"))).shutdownHook(false).build()) {
            RotatingChatModel plain = RotatingChatModel.builder().keycycle(k).target("groq").build();
            assertThat(plain.callSpec().timeout()).isEqualTo(Duration.ofSeconds(45));
            assertThat(plain.callSpec().maxRetries()).isEqualTo(2);
            assertThat(plain.callSpec().estimatedTokens()).isEqualTo(300);
            // setters before the engine is named still apply on top of the engine's defaults
            RotatingStreamingChatModel tuned = RotatingStreamingChatModel.builder().maxRetries(4).keycycle(k).target("groq").build();
            assertThat(tuned.callSpec().maxRetries()).isEqualTo(4);
            assertThat(tuned.callSpec().timeout()).as("not set: the file's").isEqualTo(Duration.ofSeconds(45));
            assertThat(RotatingChatModel.builder().keycycle(k).target("groq").settings().requestTimeout())
                    .isEqualTo(Duration.ofSeconds(20));
            assertThat(RotatingChatModel.builder().keycycle(k).target("groq").requestTimeout(Duration.ofSeconds(3)).settings()
                    .requestTimeout()).isEqualTo(Duration.ofSeconds(3));
        }
    }

    @Test
    void badInputIsNamed() {
        assertThatThrownBy(() -> RotatingChatModel.builder().keycycle(keycycle).build())
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("target is required");
        assertThatThrownBy(() -> RotatingChatModel.builder().target("fast").build())
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("keycycle is required");
        assertThatThrownBy(() -> RotatingChatModel.builder().keycycle(keycycle).target("slow").build())
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("unknown model or tier 'slow'");
        assertThatThrownBy(() -> RotatingStreamingChatModel.builder().keycycle(keycycle).target("groq").escalateTo("strong").build())
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("unknown tier 'strong'");
        assertThatThrownBy(() -> RotatingChatModel.builder().estimatedTokens(-1))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("estimatedTokens must be >= 0, was -1");
        assertThatThrownBy(() -> RotatingChatModel.builder().maxRetries(-2))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("maxRetries must be >= 0, was -2");
        assertThatThrownBy(() -> RotatingChatModel.builder().timeout(Duration.ZERO))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("timeout must be > 0");
        assertThatThrownBy(() -> RotatingChatModel.builder().target(" "))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("target must name");
        assertThatThrownBy(() -> KeycycleChatModels.of(keycycle).chatModel("groq", ""))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("model must not be blank for provider groq");
    }

    @Test
    void theReservationIsThePromptEstimatePlusMaxOutputTokensElseTheBudget() {
        // "You are terse." = 14 chars -> 4 + 4; "Hello there, world" = 18 chars -> 5 + 4; "Hi!" = 3 chars -> 1 + 4
        ChatRequest r = ChatRequest.builder().messages(SystemMessage.from("You are terse."),
                UserMessage.from("Hello there, world"), AiMessage.from("Hi!")).build();
        assertThat(RequestEstimate.promptTokens(r)).isEqualTo(8 + 9 + 5);
        assertThat(RequestEstimate.reservation(r, 1000)).isEqualTo(22 + 1000);
        ChatRequest capped = r.toBuilder().maxOutputTokens(64).build();
        assertThat(RequestEstimate.reservation(capped, 1000)).isEqualTo(22 + 64);
        ChatRequest withTool = ChatRequest.builder().messages(UserMessage.from("Hi!"))
                .toolSpecifications(ToolSpecification.builder().name("glossary").description("Looks a term up").build()).build();
        assertThat(RequestEstimate.promptTokens(withTool)).isGreaterThan(5);
    }
}
