package io.keycycle.langchain4j;

import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import io.keycycle.Keycycle;
import io.keycycle.sim.ProviderKind;
import io.keycycle.sim.SimKey;
import io.keycycle.sim.SimProvider;
import io.keycycle.sim.Simulator;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The caller's own handler throws: that is the caller's failure, never the provider's or the key's. */
class CallerHandlerFailureTest {

    private static final String MODEL = "llama-3.1-8b-instant";

    @Test
    void anExceptionFromTheCallersOnPartialResponseIsNotJudgedAgainstTheKey() throws Exception {
        try (Simulator sim = Simulator.builder().port(0).chunkInterval(Duration.ofMillis(5))
                .provider(SimProvider.groq().key(SimKey.fakeSecret(ProviderKind.GROQ, 1), "org-a")
                        .key(SimKey.fakeSecret(ProviderKind.GROQ, 2), "org-b").freeTierModels().build()).build().start()) {
            Engines.Recorder rec = new Engines.Recorder();
            try (Keycycle k = Engines.over(sim, "{}").listener(rec).build()) {
                StreamingChatModel model = KeycycleChatModels.of(k).streamingChatModel("groq/" + MODEL);
                IllegalStateException mine = new IllegalStateException("the caller's own bug");
                CompletableFuture<Throwable> error = new CompletableFuture<>();
                java.util.concurrent.atomic.AtomicInteger partials = new java.util.concurrent.atomic.AtomicInteger();
                model.chat(ChatRequest.builder().messages(UserMessage.from("hello")).build(), new StreamingChatResponseHandler() {
                    @Override public void onPartialResponse(String text) {
                        partials.incrementAndGet();
                        throw mine;
                    }

                    @Override public void onCompleteResponse(ChatResponse r) { error.complete(null); }

                    @Override public void onError(Throwable t) { error.complete(t); }
                });
                Throwable t = error.get(10, TimeUnit.SECONDS);
                org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> k.pool("groq").openLeases() == 0);
                assertThat(t).as("the caller hears of its own failure").isSameAs(mine);
                assertThat(sim.stats().total("groq").requests()).as("not repeated with another key").isEqualTo(1);
                assertThat(partials).as("nothing more after the caller's failure").hasValue(1);
                assertThat(rec.settled()).singleElement().satisfies(s -> assertThat(s.requests()).as("the provider has it").isEqualTo(1));
                assertThat(k.pool("groq").snapshot().keys()).allSatisfy(v -> assertThat(v.state()).isEqualTo(io.keycycle.core.KeyState.READY));
                assertThat(Engines.bucket(k, "groq", "org-a", MODEL).state()).isEqualTo(io.keycycle.core.KeyState.READY);
            }
        }
    }
}
