package io.keycycle.spring;

import io.keycycle.core.KeycycleEvent;
import io.keycycle.core.KeycycleListener;
import io.keycycle.sim.FaultKind;
import io.keycycle.sim.ProviderKind;
import io.keycycle.sim.SimLimits;
import io.keycycle.sim.SimProvider;
import io.keycycle.sim.SimStats;
import io.keycycle.sim.Simulator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.client.ChatClientRequest;
import org.springframework.ai.chat.client.ChatClientResponse;
import org.springframework.ai.chat.client.advisor.api.CallAdvisor;
import org.springframework.ai.chat.client.advisor.api.CallAdvisorChain;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.tool.annotation.Tool;
import org.springframework.beans.factory.annotation.BeanFactoryAnnotationUtils;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The tier model as applications use it: streaming through ChatClient (usage settled from the
 * last chunk, equal to the simulator's counts), a stream that fails before its first chunk is tried
 * again (the failed attempt settled as transient, nothing charged), and ChatClient's advisors and tool definitions pass through.
 */
class StreamingToolsAdvisorsTest {

    static Simulator sim;
    static ConfigurableApplicationContext ctx;
    static ChatModel fast;

    /** Collects the engine's settlements; a KeycycleListener bean is handed to the engine by the starter. */
    @Configuration(proxyBeanMethods = false)
    static class Listening {
        static final List<KeycycleEvent.Settled> SETTLED = new CopyOnWriteArrayList<>();

        @Bean
        KeycycleListener settledRecorder() {
            return e -> { if (e instanceof KeycycleEvent.Settled s) SETTLED.add(s); };
        }
    }

    @BeforeAll
    static void start() {
        sim = Simulator.builder().port(0).chunkInterval(Duration.ofMillis(2))
                .provider(SimProvider.builder(ProviderKind.GROQ).fakeKeys(2).model("llama-3.1-8b-instant", SimLimits.UNLIMITED).build())
                .build().start();
        ctx = TestApp.run(new Class<?>[] {TestApp.class, Listening.class}, SimulatorEnv.keys(sim, 2, ProviderKind.GROQ),
                "keycycle.tiers.fast=groq/llama-3.1-8b-instant", "keycycle.database.url=none");
        fast = BeanFactoryAnnotationUtils.qualifiedBeanOfType(ctx.getBeanFactory(), ChatModel.class, "fast");
    }

    @AfterAll
    static void stop() {
        ctx.close();
        sim.close();
    }

    @BeforeEach
    void reset() {
        sim.stats().reset();
        Listening.SETTLED.clear();
    }

    @Test
    void aStreamArrivesChunkByChunkAndIsSettledWithTheProvidersUsage() {
        List<String> chunks = ChatClient.create(fast).prompt().user("Tell me about the deployment").stream().content()
                .collectList().block(Duration.ofSeconds(30));
        assertThat(chunks).hasSizeGreaterThan(1);
        assertThat(String.join("", chunks)).isNotBlank();
        SimStats.Row row = sim.stats().total("groq");
        assertThat(row.successes()).isEqualTo(1);
        assertThat(Listening.SETTLED).hasSize(1);
        KeycycleEvent.Settled s = Listening.SETTLED.get(0);
        assertThat(s.promptTokens()).isEqualTo(row.promptTokens()).isPositive();
        assertThat(s.completionTokens()).isEqualTo(row.completionTokens()).isPositive();
    }

    @Test
    void aStreamThatFailsBeforeItsFirstChunkIsTriedAgain() {
        sim.provider(ProviderKind.GROQ).failNext(1, FaultKind.INTERNAL_500);
        List<ChatResponse> responses = fast.stream(new org.springframework.ai.chat.prompt.Prompt("status?"))
                .collectList().block(Duration.ofSeconds(30));
        assertThat(responses).isNotEmpty();
        SimStats stats = sim.stats();
        assertThat(stats.total("groq").otherErrors()).isEqualTo(1);
        assertThat(stats.total("groq").successes()).isEqualTo(1);
        assertThat(Listening.SETTLED).extracting(e -> e.outcome().name()).containsExactly("TRANSIENT", "SUCCESS");
        assertThat(responses.get(0).getMetadata().get(RotatingChatModel.KEY).toString()).isEqualTo(Listening.SETTLED.get(1).fingerprint());
    }

    static final class CountingAdvisor implements CallAdvisor {
        final AtomicInteger calls = new AtomicInteger();

        @Override public ChatClientResponse adviseCall(ChatClientRequest request, CallAdvisorChain chain) {
            calls.incrementAndGet();
            return chain.nextCall(request);
        }

        @Override public String getName() { return "counting"; }

        @Override public int getOrder() { return 0; }
    }

    static final class Clock {
        @Tool(description = "The current time in UTC")
        String now() { return java.time.Instant.now().toString(); }
    }

    @Test
    void advisorsAndToolDefinitionsWorkThroughChatClient() {
        CountingAdvisor advisor = new CountingAdvisor();
        ChatClient client = ChatClient.builder(fast).defaultAdvisors(advisor).build();
        String answer = client.prompt().user("What time is it?").tools(new Clock()).call().content();
        assertThat(answer).isNotBlank();
        assertThat(advisor.calls.get()).isEqualTo(1);
        assertThat(sim.stats().total("groq").successes()).isEqualTo(1);
        assertThat(Listening.SETTLED).hasSize(1);
        // the tool definition was part of the reservation: more than the messages alone
        assertThat(Listening.SETTLED.get(0).chargedTokens()).isPositive();
    }
}
