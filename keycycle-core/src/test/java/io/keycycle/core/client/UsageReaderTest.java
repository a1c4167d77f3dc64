package io.keycycle.core.client;

import io.keycycle.core.Usage;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class UsageReaderTest {

    @Test
    void readsTopLevelUsage() {
        assertThat(UsageReader.fromBody("{\"usage\":{\"prompt_tokens\":543,\"completion_tokens\":1500,\"total_tokens\":2043}}"))
                .contains(new Usage(543, 1500, 2043));
    }

    @Test
    void fallsBackToGroqXGroqUsageWhenTopLevelUsageIsNull() {
        assertThat(UsageReader.fromBody("{\"usage\":null,\"x_groq\":{\"id\":\"req_1\",\"usage\":{\"queue_time\":0.05,"
                + "\"prompt_tokens\":16,\"completion_tokens\":19,\"total_tokens\":35}}}"))
                .contains(new Usage(16, 19, 35));
    }

    @Test
    void keepsAGeminiTotalLargerThanPromptPlusCompletion() {
        Usage u = UsageReader.fromBody("{\"usage\":{\"completion_tokens\":2,\"prompt_tokens\":17,\"total_tokens\":49}}").orElseThrow();
        assertThat(u).isEqualTo(new Usage(17, 2, 49));
        assertThat(u.charged()).isEqualTo(49);
    }

    @Test
    void readsGeminiNativeUsageMetadata() {
        assertThat(UsageReader.fromBody("{\"candidates\":[],\"usageMetadata\":{\"promptTokenCount\":15,"
                + "\"candidatesTokenCount\":6,\"totalTokenCount\":21,\"thoughtsTokenCount\":0}}"))
                .contains(new Usage(15, 6, 21));
    }

    @Test
    void computesAMissingTotal() {
        assertThat(UsageReader.fromBody("{\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":4}}")).contains(new Usage(3, 4, 7));
    }

    @Test
    void garbageAndBadCountsMeanNoUsageAndNeverThrow() {
        assertThat(UsageReader.fromBody("<html>502 Bad Gateway</html>")).isEmpty();
        assertThat(UsageReader.fromBody("")).isEmpty();
        assertThat(UsageReader.fromBody("[{\"error\":{}}]")).isEmpty();
        assertThat(UsageReader.fromBody("{\"usage\":{}}")).isEmpty();
        assertThat(UsageReader.fromBody("{\"usage\":{\"prompt_tokens\":-1,\"completion_tokens\":2}}")).isEmpty();
        assertThat(UsageReader.fromBody("{\"usage\":{\"prompt_tokens\":\"429\",\"completion_tokens\":2}}")).isEmpty();
        assertThat(UsageReader.fromBody("{\"usage\":\"lots\"}")).isEmpty();
    }
}
