package io.keycycle.langchain4j;

import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import io.keycycle.Keycycle;
import io.keycycle.sim.FaultKind;
import io.keycycle.sim.ProviderKind;
import io.keycycle.sim.SimKey;
import io.keycycle.sim.SimProvider;
import io.keycycle.sim.Simulator;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** A provider that sends its headers and then nothing: the request timeout bounds the attempt and the next key serves. */
class StalledUpstreamTest {

    private static final String MODEL = "llama-3.1-8b-instant";

    @Test
    void aPlainAnswerThatStallsAfterItsHeadersTimesOutAndTheNextKeyServes() throws Exception {
        try (Simulator sim = Simulator.builder().port(0)
                .provider(SimProvider.groq().key(SimKey.fakeSecret(ProviderKind.GROQ, 1), "org-a")
                        .key(SimKey.fakeSecret(ProviderKind.GROQ, 2), "org-b").freeTierModels().build()).build().start()) {
            sim.provider("groq").failNext(1, FaultKind.STALL_AFTER_HEADERS);
            try (Keycycle k = Engines.over(sim, "{}").build()) {
                ChatModel model = KeycycleChatModels.of(k).builder("groq/" + MODEL)
                        .requestTimeout(Duration.ofSeconds(1)).timeout(Duration.ofSeconds(20)).build();
                long start = System.nanoTime();
                CompletableFuture<ChatResponse> r = CompletableFuture.supplyAsync(() -> model.chat(
                        ChatRequest.builder().messages(UserMessage.from("hello")).build()));
                ChatResponse answer = r.get(15, TimeUnit.SECONDS);
                assertThat(answer.aiMessage().text()).isNotBlank();
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
            }
        }
    }

    @Test
    void aStreamThatStallsAfterItsHeadersTimesOutAndTheNextKeyServes() throws Exception {
        try (Simulator sim = Simulator.builder().port(0)
                .provider(SimProvider.groq().key(SimKey.fakeSecret(ProviderKind.GROQ, 1), "org-a")
                        .key(SimKey.fakeSecret(ProviderKind.GROQ, 2), "org-b").freeTierModels().build()).build().start()) {
            sim.provider("groq").failNext(1, FaultKind.STALL_AFTER_HEADERS);
            Engines.Recorder rec = new Engines.Recorder();
            try (Keycycle k = Engines.over(sim, "{}").listener(rec).build()) {
                StreamingChatModel model = KeycycleChatModels.of(k).streamingBuilder("groq/" + MODEL)
                        .requestTimeout(Duration.ofSeconds(1)).timeout(Duration.ofSeconds(20)).build();
                long start = System.nanoTime();
                RotatingStreamingChatModelTest.Collector c = new RotatingStreamingChatModelTest.Collector();
                model.chat(ChatRequest.builder().messages(UserMessage.from("hello")).build(), c);
                ChatResponse answer = c.complete.get(15, TimeUnit.SECONDS);
                assertThat(answer.aiMessage().text()).isNotBlank().isEqualTo(String.join("", c.partials));
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
                assertThat(rec.settled()).hasSize(2);
                assertThat(rec.settled().get(0).requests()).as("the stalled request reached the provider: it stays counted").isEqualTo(1);
            }
        }
    }
}
