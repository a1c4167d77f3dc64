package io.keycycle.langchain4j;

import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import io.keycycle.Keycycle;
import io.keycycle.core.KeyState;
import io.keycycle.core.KeycycleEvent;
import io.keycycle.core.NoAvailableKeyException;
import io.keycycle.core.OutcomeKind;
import io.keycycle.sim.FaultKind;
import io.keycycle.sim.ProviderKind;
import io.keycycle.sim.SimKey;
import io.keycycle.sim.SimLimits;
import io.keycycle.sim.SimProvider;
import io.keycycle.sim.SimStats;
import io.keycycle.sim.Simulator;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** RotatingStreamingChatModel over real SSE against the simulator. */
class RotatingStreamingChatModelTest {

    private static final String MODEL = "llama-3.1-8b-instant";
    private static final String GROQ_1 = SimKey.fakeSecret(ProviderKind.GROQ, 1);
    private static final String GROQ_2 = SimKey.fakeSecret(ProviderKind.GROQ, 2);

    /** Collects what a stream hands on, and whether the final response was already there at the first token. */
    static final class Collector implements StreamingChatResponseHandler {
        final List<String> partials = new CopyOnWriteArrayList<>();
        final CompletableFuture<ChatResponse> complete = new CompletableFuture<>();
        volatile Boolean completeAtFirstToken;

        @Override public void onPartialResponse(String text) {
            if (partials.isEmpty()) completeAtFirstToken = complete.isDone();
            partials.add(text);
        }

        @Override public void onCompleteResponse(ChatResponse r) { complete.complete(r); }

        @Override public void onError(Throwable t) { complete.completeExceptionally(t); }

        ChatResponse await() throws Exception { return complete.get(10, TimeUnit.SECONDS); }
    }

    private static ChatRequest ask(String text) {
        return ChatRequest.builder().messages(UserMessage.from(text)).build();
    }

    @Test
    void streamsTokensAsTheyComeAndRecordsUsageFromTheFinalChunk() throws Exception {
        try (Simulator sim = Simulator.builder().port(0).chunkInterval(Duration.ofMillis(3))
                .provider(SimProvider.groq().key(GROQ_1, "org-a").freeTierModels().build()).build().start()) {
            Engines.Recorder rec = new Engines.Recorder();
            try (Keycycle k = Engines.over(sim, "{}").listener(rec).build()) {
                StreamingChatModel model = KeycycleChatModels.of(k).streamingChatModel("groq", MODEL);
                Collector c = new Collector();

                model.chat(ask("Tell me about the sea."), c);
                ChatResponse r = c.await();

                assertThat(c.partials).hasSizeGreaterThan(1);
                assertThat(c.completeAtFirstToken).isFalse();
                assertThat(String.join("", c.partials)).isEqualTo(r.aiMessage().text());
                SimStats.Row row = sim.stats().total("groq");
                assertThat(row.successes()).isEqualTo(1);
                // settled before the handler heard of the end
                KeycycleEvent.Settled s = rec.settled().get(0);
                assertThat(rec.settled()).hasSize(1);
                assertThat(s.promptTokens()).isEqualTo(row.promptTokens());
                assertThat(s.completionTokens()).isEqualTo(row.completionTokens());
                assertThat(s.chargedTokens()).isEqualTo(row.totalTokens());
                assertThat(r.tokenUsage().totalTokenCount()).isEqualTo((int) row.totalTokens());
            }
        }
    }

    @Test
    void cancellingAStreamAtItsFirstTokenKeepsTheRequestCounted() throws Exception {
        try (Simulator sim = Simulator.builder().port(0).chunkInterval(Duration.ofMillis(50))
                .provider(SimProvider.groq().key(GROQ_1, "org-a").freeTierModels().build()).build().start()) {
            Engines.Recorder rec = new Engines.Recorder();
            try (Keycycle k = Engines.over(sim, "{}").listener(rec).build()) {
                StreamingChatModel model = KeycycleChatModels.of(k).streamingChatModel("groq", MODEL);
                CompletableFuture<Void> cancelled = new CompletableFuture<>();
                model.chat(ask("Tell me a long story."), new StreamingChatResponseHandler() {
                    @Override public void onPartialResponse(dev.langchain4j.model.chat.response.PartialResponse p,
                                                            dev.langchain4j.model.chat.response.PartialResponseContext ctx) {
                        ctx.streamingHandle().cancel();
                        cancelled.complete(null);
                    }

                    @Override public void onCompleteResponse(ChatResponse r) { }

                    @Override public void onError(Throwable t) { cancelled.completeExceptionally(t); }
                });
                cancelled.get(10, TimeUnit.SECONDS);
                org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> k.pool("groq").openLeases() == 0);
                assertThat(rec.settled()).singleElement().satisfies(s -> {
                    assertThat(s.requests()).as("the provider has the request: it stays counted").isEqualTo(1);
                    assertThat(s.chargedTokens()).as("with its estimate").isPositive();
                });
            }
        }
    }

    @Test
    void a429BeforeTheFirstTokenRotatesAndOnlyOneStreamReachesTheHandler() throws Exception {
        try (Simulator sim = Simulator.builder().port(0)
                .provider(SimProvider.groq().key(GROQ_1, "org-a").key(GROQ_2, "org-b")
                        .model(MODEL, SimLimits.UNLIMITED.rpm(1)).build()).build().start()) {
            try (Keycycle k = Engines.over(sim, "selection: first-fit").build()) {
                StreamingChatModel model = KeycycleChatModels.of(k).streamingChatModel("groq/" + MODEL);
                Collector first = new Collector();
                model.chat(ask("one"), first);
                first.await();

                Collector second = new Collector();
                model.chat(ask("two"), second);
                ChatResponse r = second.await();

                assertThat(String.join("", second.partials)).isEqualTo(r.aiMessage().text());
                assertThat(sim.stats().total(row -> row.scope().equals("org-a")).minute429()).isEqualTo(1);
                assertThat(sim.stats().total(row -> row.scope().equals("org-b")).successes()).isEqualTo(1);
                assertThat(Engines.bucket(k, "groq", "org-a", MODEL).state()).isEqualTo(KeyState.COOLING);
            }
        }
    }

    @Test
    void aStreamThatBreaksAfterItsFirstTokenIsSurfacedNotRetried() throws Exception {
        try (Simulator sim = Simulator.builder().port(0)
                .provider(SimProvider.groq().key(GROQ_1, "org-a").key(GROQ_2, "org-b").freeTierModels().build())
                .build().start()) {
            sim.provider("groq").failNext(1, FaultKind.MID_STREAM_ERROR);
            Engines.Recorder rec = new Engines.Recorder();
            try (Keycycle k = Engines.over(sim, "{}").listener(rec).build()) {
                StreamingChatModel model = KeycycleChatModels.of(k).streamingChatModel("groq/" + MODEL);
                Collector c = new Collector();

                model.chat(ask("one"), c);

                // LangChain4j alone would report the truncated answer as complete
                assertThatThrownBy(c::await).hasCauseInstanceOf(ProviderStatusException.class);
                assertThat(c.partials).isNotEmpty();
                assertThat(sim.stats().total("groq").requests()).isEqualTo(1);
                assertThat(rec.settled()).singleElement().extracting(KeycycleEvent.Settled::outcome).isNotEqualTo(OutcomeKind.SUCCESS);

                Collector next = new Collector();
                model.chat(ask("two"), next);
                assertThat(next.await().aiMessage().text()).isEqualTo(String.join("", next.partials));
            }
        }
    }

    @Test
    void aStreamThatBreaksAfterItsFirstTokenStaysCounted() throws Exception {
        try (Simulator sim = Simulator.builder().port(0)
                .provider(SimProvider.groq().key(GROQ_1, "org-a").freeTierModels().build()).build().start()) {
            sim.provider("groq").failNext(1, FaultKind.MID_STREAM_ERROR);
            Engines.Recorder rec = new Engines.Recorder();
            try (Keycycle k = Engines.over(sim, "{}").listener(rec).build()) {
                StreamingChatModel model = KeycycleChatModels.of(k).streamingChatModel("groq/" + MODEL);
                Collector c = new Collector();

                model.chat(ask("one"), c);

                assertThatThrownBy(c::await).hasCauseInstanceOf(ProviderStatusException.class);
                assertThat(c.partials).as("tokens were delivered: the provider had the request").isNotEmpty();
                assertThat(rec.settled()).singleElement().satisfies(s -> {
                    assertThat(s.requests()).as("the provider has the request: it stays counted").isEqualTo(1);
                    assertThat(s.chargedTokens()).as("with its estimate").isPositive();
                });
                assertThat(Engines.bucket(k, "groq", "org-a", MODEL).usage())
                        .filteredOn(u -> u.metric().name().equals("RPM")).singleElement()
                        .extracting(io.keycycle.core.pool.PoolSnapshot.MetricUsage::used).isEqualTo(1L);
            }
        }
    }

    @Test
    void nothingAdmissibleReachesTheHandlerAsKeycyclesException() throws Exception {
        try (Simulator sim = Simulator.builder().port(0)
                .provider(SimProvider.groq().key(GROQ_1, "org-a").freeTierModels().build()).build().start()) {
            String yaml = "providers:\n  groq:\n    models:\n      " + MODEL + ": { rpm: 1 }\n";
            try (Keycycle k = Engines.over(sim, yaml).build()) {
                StreamingChatModel model = KeycycleChatModels.of(k).streamingChatModel("groq/" + MODEL);
                Collector first = new Collector();
                model.chat(ask("one"), first);
                first.await();

                Collector second = new Collector();
                model.chat(ask("two"), second);

                assertThatThrownBy(second::await).hasCauseInstanceOf(NoAvailableKeyException.class);
                assertThat(second.partials).isEmpty();
                assertThat(sim.stats().total("groq").requests()).isEqualTo(1);
            }
        }
    }
}
