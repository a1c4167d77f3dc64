package io.keycycle.spring;

import io.keycycle.core.KeycycleException;
import io.keycycle.sim.FaultKind;
import io.keycycle.sim.ProviderKind;
import io.keycycle.sim.SimKey;
import io.keycycle.sim.SimProvider;
import io.keycycle.sim.Simulator;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.context.ConfigurableApplicationContext;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code keycycle.calls.timeout} is the deadline of the whole call: an attempt started late gets
 * what is left of it, not a whole {@code keycycle.calls.request-timeout} of its own. Until
 * 2026-12-04 the Spring AI model gave every attempt its full request timeout, so a 2-s call whose
 * first key stalled for 1.8 s ran to 3.6 s (with the default request timeout of 120 s, a call with a
 * 5-s timeout waited up to two minutes on a silent provider).
 */
class CallDeadlineTest {

    private static final String MODEL = "llama-3.1-8b-instant";

    private static Simulator threeKeys() {
        return Simulator.builder().port(0)
                .provider(SimProvider.groq().key(SimKey.fakeSecret(ProviderKind.GROQ, 1), "org-a")
                        .key(SimKey.fakeSecret(ProviderKind.GROQ, 2), "org-b")
                        .key(SimKey.fakeSecret(ProviderKind.GROQ, 3), "org-c").freeTierModels().build()).build();
    }

    private static ConfigurableApplicationContext app(Simulator sim) {
        Map<String, String> env = SimulatorEnv.keys(sim, 3, ProviderKind.GROQ);
        return TestApp.run(env, "keycycle.database.url=none", "keycycle.selection=first-fit",
                "keycycle.calls.timeout=2s", "keycycle.calls.request-timeout=1800ms");
    }

    @Test
    void aPlainCallsSecondAttemptEndsAtTheCallsDeadline() {
        try (Simulator sim = threeKeys().start(); ConfigurableApplicationContext ctx = app(sim)) {
            ChatModel model = ctx.getBean(KeycycleChatModels.class).chatModel("groq/" + MODEL);
            model.call(new Prompt("warm up"));
            sim.provider("groq").failNext(3, FaultKind.STALL_AFTER_HEADERS);
            long start = System.nanoTime();
            CompletableFuture<Object> r = CompletableFuture.supplyAsync(() -> model.call(new Prompt("hello")));
            assertThatThrownBy(() -> r.get(15, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(KeycycleException.class);
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertThat(took).as("a 2 s call (the old code gave its second attempt another 1.8 s)").isLessThan(Duration.ofMillis(2_900));
        }
    }

    @Test
    void aStreamsSecondAttemptEndsAtTheCallsDeadline() {
        try (Simulator sim = threeKeys().start(); ConfigurableApplicationContext ctx = app(sim)) {
            ChatModel model = ctx.getBean(KeycycleChatModels.class).chatModel("groq/" + MODEL);
            model.stream(new Prompt("warm up")).blockLast(Duration.ofSeconds(10));
            sim.provider("groq").failNext(3, FaultKind.STALL_AFTER_HEADERS);
            long start = System.nanoTime();
            assertThatThrownBy(() -> model.stream(new Prompt("hello")).blockLast(Duration.ofSeconds(15)))
                    .isInstanceOf(KeycycleException.class);
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertThat(took).as("a 2 s call (the old code gave its second attempt another 1.8 s)").isLessThan(Duration.ofMillis(2_900));
        }
    }
}
