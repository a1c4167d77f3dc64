package io.keycycle.core.client;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TokenEstimatorTest {

    private static JsonNode json(String s) throws Exception { return Json.MAPPER.readTree(s); }

    @Test
    void estimatesCeilCharsOverFourPlusFourPerMessage() throws Exception {
        // "You are terse." = 14 chars -> 4 (+4); "Hello" = 5 chars -> 2 (+4)
        JsonNode body = json("{\"model\":\"m\",\"messages\":[{\"role\":\"system\",\"content\":\"You are terse.\"},"
                + "{\"role\":\"user\",\"content\":\"Hello\"}]}");
        assertThat(TokenEstimator.estimatePromptTokens(body)).isEqualTo(4 + 4 + 2 + 4);
    }

    @Test
    void countsTextPartsNameToolCallsAndToolDefinitions() throws Exception {
        String toolCalls = "[{\"id\":\"c1\",\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}]";
        String tools = "[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}]";
        JsonNode body = json("{\"messages\":[{\"role\":\"user\",\"name\":\"bob\",\"content\":[{\"type\":\"text\",\"text\":\"abcdefgh\"},"
                + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"http://x/very/long/url\"}}]},"
                + "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":" + toolCalls + "}],\"tools\":" + tools + "}");
        long expected = (3 + 8 + 3) / 4 + 4                          // "bob" + "abcdefgh", image not counted
                + (json(toolCalls).toString().length() + 3) / 4 + 4
                + (json(tools).toString().length() + 3) / 4;
        assertThat(TokenEstimator.estimatePromptTokens(body)).isEqualTo(expected);
    }

    @Test
    void maxTokensReadsEitherFieldAndTakesTheLarger() throws Exception {
        assertThat(TokenEstimator.maxTokens(json("{\"max_tokens\":256}"))).hasValue(256);
        assertThat(TokenEstimator.maxTokens(json("{\"max_completion_tokens\":512}"))).hasValue(512);
        assertThat(TokenEstimator.maxTokens(json("{\"max_tokens\":100,\"max_completion_tokens\":300}"))).hasValue(300);
        assertThat(TokenEstimator.maxTokens(json("{\"max_tokens\":null}"))).isEmpty();
        assertThat(TokenEstimator.maxTokens("{}".getBytes(StandardCharsets.UTF_8))).isEmpty();
    }

    @Test
    void reservationAddsMaxTokensOrTheDefaultBudget() throws Exception {
        JsonNode withMax = json("{\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}],\"max_tokens\":100}");
        JsonNode without = json("{\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}");
        assertThat(TokenEstimator.reservation(withMax, 1000)).isEqualTo(6 + 100);
        assertThat(TokenEstimator.reservation(without, 1000)).isEqualTo(6 + 1000);
        assertThat(TokenEstimator.reservation(without.toString().getBytes(StandardCharsets.UTF_8), 0)).isEqualTo(6);
    }

    @Test
    void badInputIsNamed() throws Exception {
        assertThatThrownBy(() -> TokenEstimator.maxTokens(json("{\"max_tokens\":\"lots\"}")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("max_tokens").hasMessageContaining("lots");
        assertThatThrownBy(() -> TokenEstimator.maxTokens(json("{\"max_completion_tokens\":-5}")))
                .hasMessageContaining("max_completion_tokens must be a non-negative integer, was -5");
        assertThatThrownBy(() -> TokenEstimator.estimatePromptTokens(json("[1,2]")))
                .hasMessageContaining("request body must be a JSON object");
        assertThatThrownBy(() -> TokenEstimator.estimatePromptTokens(json("{\"messages\":\"hi\"}")))
                .hasMessageContaining("messages must be an array");
        assertThatThrownBy(() -> TokenEstimator.estimatePromptTokens("{not json".getBytes(StandardCharsets.UTF_8)))
                .hasMessageContaining("not valid JSON");
        assertThatThrownBy(() -> TokenEstimator.reservation(json("{}"), -1)).hasMessageContaining("defaultCompletionBudget");
    }
}
