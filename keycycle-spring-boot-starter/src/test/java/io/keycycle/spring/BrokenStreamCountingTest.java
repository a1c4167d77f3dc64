package io.keycycle.spring;

import io.keycycle.Keycycle;
import io.keycycle.core.KeycycleEvent;
import io.keycycle.core.KeycycleListener;
import io.keycycle.core.pool.PoolSnapshot;
import io.keycycle.sim.FaultKind;
import io.keycycle.sim.ProviderKind;
import io.keycycle.sim.SimKey;
import io.keycycle.sim.SimProvider;
import io.keycycle.sim.Simulator;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A stream that breaks after its first chunks reached the subscriber (an error event inside an
 * HTTP 200 stream) is surfaced, not repeated, and stays counted: the provider had the request.
 */
class BrokenStreamCountingTest {

    private static final String MODEL = "llama-3.1-8b-instant";
    static final List<KeycycleEvent.Settled> SETTLED = new CopyOnWriteArrayList<>();

    @Configuration(proxyBeanMethods = false)
    static class Listening {
        @Bean
        KeycycleListener recorder() {
            return e -> { if (e instanceof KeycycleEvent.Settled s) SETTLED.add(s); };
        }
    }

    @Test
    void aStreamThatBreaksAfterItsFirstChunkStaysCounted() {
        try (Simulator sim = Simulator.builder().port(0)
                .provider(SimProvider.groq().key(SimKey.fakeSecret(ProviderKind.GROQ, 1), "org-a").freeTierModels().build()).build().start();
             ConfigurableApplicationContext ctx = TestApp.run(new Class<?>[] {TestApp.class, Listening.class},
                     SimulatorEnv.keys(sim, 1, ProviderKind.GROQ), "keycycle.tiers.t=groq/" + MODEL, "keycycle.database.url=none")) {
            ChatModel model = ctx.getBean(KeycycleChatModels.class).chatModel("t");
            sim.provider("groq").failNext(1, FaultKind.MID_STREAM_ERROR);
            List<ChatResponse> chunks = new CopyOnWriteArrayList<>();

            assertThatThrownBy(() -> model.stream(new Prompt("Tell me about the sea.")).doOnNext(chunks::add)
                    .blockLast(Duration.ofSeconds(30))).isNotNull();

            assertThat(chunks).as("part of the answer reached the subscriber").isNotEmpty();
            assertThat(sim.stats().total("groq").requests()).isEqualTo(1);
            assertThat(SETTLED).singleElement().satisfies(s -> {
                assertThat(s.requests()).as("the provider has the request: it stays counted").isEqualTo(1);
                assertThat(s.chargedTokens()).as("with its estimate").isPositive();
            });
            PoolSnapshot.BucketView bucket = ctx.getBean(Keycycle.class).pool("groq").snapshot().buckets().stream()
                    .filter(b -> b.model().equals(MODEL)).findFirst().orElseThrow();
            assertThat(bucket.usage()).filteredOn(u -> u.metric().name().equals("RPM")).singleElement()
                    .extracting(PoolSnapshot.MetricUsage::used).isEqualTo(1L);
        }
    }
}
