package io.keycycle.langchain4j;

import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import io.keycycle.Keycycle;
import io.keycycle.core.KeycycleException;
import io.keycycle.sim.FaultKind;
import io.keycycle.sim.ProviderKind;
import io.keycycle.sim.SimKey;
import io.keycycle.sim.SimProvider;
import io.keycycle.sim.Simulator;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code timeout} is the deadline of the whole call: an attempt started late gets what is left of
 * it, not a whole request timeout of its own.
 */
class CallDeadlineTest {

    private static final String MODEL = "llama-3.1-8b-instant";
    private static final Duration TIMEOUT = Duration.ofSeconds(2);
    private static final Duration REQUEST_TIMEOUT = Duration.ofMillis(1800);

    private static Simulator threeStallingKeys() {
        return Simulator.builder().port(0)
                .provider(SimProvider.groq().key(SimKey.fakeSecret(ProviderKind.GROQ, 1), "org-a")
                        .key(SimKey.fakeSecret(ProviderKind.GROQ, 2), "org-b")
                        .key(SimKey.fakeSecret(ProviderKind.GROQ, 3), "org-c").freeTierModels().build()).build();
    }

    @Test
    void aStreamsSecondAttemptEndsAtTheCallsDeadline() throws Exception {
        try (Simulator sim = threeStallingKeys().start()) {
            try (Keycycle k = Engines.over(sim, "selection: first-fit").build()) {
                StreamingChatModel model = KeycycleChatModels.of(k).streamingBuilder("groq/" + MODEL)
                        .requestTimeout(REQUEST_TIMEOUT).timeout(TIMEOUT).build();
                RotatingStreamingChatModelTest.Collector warmUp = new RotatingStreamingChatModelTest.Collector();
                model.chat(ChatRequest.builder().messages(UserMessage.from("warm up")).build(), warmUp);
                warmUp.await();
                sim.provider("groq").failNext(3, FaultKind.STALL_AFTER_HEADERS);
                long start = System.nanoTime();
                RotatingStreamingChatModelTest.Collector c = new RotatingStreamingChatModelTest.Collector();
                model.chat(ChatRequest.builder().messages(UserMessage.from("hello")).build(), c);
                assertThatThrownBy(() -> c.complete.get(15, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                        .hasCauseInstanceOf(KeycycleException.class);
                Duration took = Duration.ofNanos(System.nanoTime() - start);
                assertThat(took).as("a 2 s call (the old code gave its second attempt another 1.8 s)").isLessThan(Duration.ofMillis(2_900));
                assertThat(sim.stats().total("groq").requests()).isEqualTo(3); // the warm-up and two stalled attempts
            }
        }
    }

    @Test
    void aPlainCallsSecondAttemptEndsAtTheCallsDeadline() throws Exception {
        try (Simulator sim = threeStallingKeys().start()) {
            try (Keycycle k = Engines.over(sim, "selection: first-fit").build()) {
                ChatModel model = KeycycleChatModels.of(k).builder("groq/" + MODEL)
                        .requestTimeout(REQUEST_TIMEOUT).timeout(TIMEOUT).build();
                model.chat(ChatRequest.builder().messages(UserMessage.from("warm up")).build());
                sim.provider("groq").failNext(3, FaultKind.STALL_AFTER_HEADERS);
                long start = System.nanoTime();
                CompletableFuture<Object> r = CompletableFuture.supplyAsync(() -> model.chat(
                        ChatRequest.builder().messages(UserMessage.from("hello")).build()));
                assertThatThrownBy(() -> r.get(15, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                        .hasCauseInstanceOf(KeycycleException.class);
                Duration took = Duration.ofNanos(System.nanoTime() - start);
                assertThat(took).as("a 2 s call (the old code gave its second attempt another 1.8 s)").isLessThan(Duration.ofMillis(2_900));
                assertThat(sim.stats().total("groq").requests()).isEqualTo(3); // the warm-up and two stalled attempts
            }
        }
    }
}
