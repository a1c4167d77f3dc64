package io.keycycle.langchain4j;

import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.openai.OpenAiChatRequestParameters;
import io.keycycle.Keycycle;
import io.keycycle.core.NoAvailableKeyException;
import io.keycycle.sim.ProviderKind;
import io.keycycle.sim.SimProvider;
import io.keycycle.sim.Simulator;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Cerebras takes prompt + max tokens (16,384 when the request sets none) from its tokens per minute
 * when a request arrives, whatever the answer costs. A library model's request must reserve the
 * same, as a gateway request does, or the engine sends what Cerebras refuses. Until 2026-12-03 a
 * LangChain4j (or Spring AI) request reserved its prompt + the configured completion budget (1,000)
 * on every candidate: on a free-tier key (30,000 a minute) the second request of the minute went out
 * and met a 429.
 */
class CerebrasReservationTest {

    private static final String MODEL = "gpt-oss-120b";

    private static ChatRequest ask(String text, Integer maxTokens) {
        ChatRequest.Builder b = ChatRequest.builder().messages(UserMessage.from(text));
        if (maxTokens != null) b.maxOutputTokens(maxTokens);
        return b.build();
    }

    @Test
    void anUnboundedRequestReservesWhatCerebrasTakesSoNoneIsSentIntoA429() {
        try (Simulator sim = Simulator.builder().port(0).provider(SimProvider.freeTier(ProviderKind.CEREBRAS, 1)).build().start();
             Keycycle k = Engines.over(sim, "{}").build()) {
            ChatModel model = KeycycleChatModels.of(k).chatModel("cerebras/" + MODEL);

            assertThat(model.chat(ask("one", null)).aiMessage().text()).isNotBlank();
            assertThatThrownBy(() -> model.chat(ask("two", null)))
                    .as("the engine foresees what Cerebras would refuse")
                    .isInstanceOf(NoAvailableKeyException.class);
            assertThat(sim.stats().total429()).as("no request the provider refused").isZero();
            assertThat(sim.stats().totalRequests()).isEqualTo(1);
        }
    }

    @Test
    void aRequestWithAMaxTokensLimitReservesThatLimitSoSeveralFitAMinute() {
        try (Simulator sim = Simulator.builder().port(0).provider(SimProvider.freeTier(ProviderKind.CEREBRAS, 1)).build().start();
             Keycycle k = Engines.over(sim, "{}").build()) {
            ChatModel model = KeycycleChatModels.of(k).chatModel("cerebras/" + MODEL);
            for (int i = 0; i < 3; i++) assertThat(model.chat(ask("bounded " + i, 1024)).aiMessage().text()).isNotBlank();
            assertThat(sim.stats().total429()).isZero();
        }
    }

    /**
     * LangChain4j's OpenAI parameters carry their own completion limit, {@code maxCompletionTokens}
     * (sent as {@code max_completion_tokens}, what Cerebras reads). Until 2026-12-04 the reservation
     * read only {@code maxOutputTokens}: such a request reserved prompt + 16,384 on Cerebras although
     * it asked for 1,024, so the second request of the minute was refused without being sent.
     */
    @Test
    void aMaxCompletionTokensLimitOfTheOpenAiParametersIsTheReservedLimit() {
        try (Simulator sim = Simulator.builder().port(0).provider(SimProvider.freeTier(ProviderKind.CEREBRAS, 1)).build().start();
             Keycycle k = Engines.over(sim, "{}").build()) {
            ChatModel model = KeycycleChatModels.of(k).chatModel("cerebras/" + MODEL);
            for (int i = 0; i < 3; i++) {
                ChatRequest r = ChatRequest.builder().messages(UserMessage.from("bounded " + i))
                        .parameters(OpenAiChatRequestParameters.builder().maxCompletionTokens(1024).build()).build();
                assertThat(model.chat(r).aiMessage().text()).isNotBlank();
            }
            assertThat(sim.stats().total429()).isZero();
            assertThat(sim.stats().totalRequests()).isEqualTo(3);
        }
    }

    @Test
    void theStreamingModelReadsMaxCompletionTokensToo() throws Exception {
        try (Simulator sim = Simulator.builder().port(0).provider(SimProvider.freeTier(ProviderKind.CEREBRAS, 1)).build().start();
             Keycycle k = Engines.over(sim, "{}").build()) {
            dev.langchain4j.model.chat.StreamingChatModel model = KeycycleChatModels.of(k).streamingChatModel("cerebras/" + MODEL);
            for (int i = 0; i < 3; i++) {
                ChatRequest r = ChatRequest.builder().messages(UserMessage.from("streamed " + i))
                        .parameters(OpenAiChatRequestParameters.builder().maxCompletionTokens(1024).build()).build();
                java.util.concurrent.CompletableFuture<dev.langchain4j.model.chat.response.ChatResponse> done = new java.util.concurrent.CompletableFuture<>();
                model.chat(r, new dev.langchain4j.model.chat.response.StreamingChatResponseHandler() {
                    @Override public void onPartialResponse(String partial) { }
                    @Override public void onCompleteResponse(dev.langchain4j.model.chat.response.ChatResponse response) { done.complete(response); }
                    @Override public void onError(Throwable error) { done.completeExceptionally(error); }
                });
                assertThat(done.get(30, java.util.concurrent.TimeUnit.SECONDS).aiMessage().text()).isNotBlank();
            }
            assertThat(sim.stats().total429()).isZero();
            assertThat(sim.stats().totalRequests()).isEqualTo(3);
        }
    }
}
