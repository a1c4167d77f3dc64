package io.keycycle.spring;

import io.keycycle.core.NoAvailableKeyException;
import io.keycycle.sim.FaultKind;
import io.keycycle.sim.ProviderKind;
import io.keycycle.sim.SimProvider;
import io.keycycle.sim.Simulator;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.openai.OpenAiChatOptions;
import org.springframework.context.ConfigurableApplicationContext;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Cerebras takes prompt + max tokens (16,384 when the request sets none) from its 30,000 tokens a
 * minute when a request arrives. A Spring AI request reserves the same on a Cerebras candidate,
 * reading the max tokens that is actually sent: the prompt's, else the model's default options'.
 */
class CerebrasReservationTest {

    private static final String TARGET = "cerebras/gpt-oss-120b";

    @Test
    void anUnboundedPromptReservesWhatCerebrasTakesSoNoneIsSentIntoA429() {
        try (Simulator sim = Simulator.builder().port(0).provider(SimProvider.freeTier(ProviderKind.CEREBRAS, 1)).build().start();
             ConfigurableApplicationContext ctx = TestApp.run(new Class<?>[] {TestApp.class},
                     SimulatorEnv.keys(sim, 1, ProviderKind.CEREBRAS), "keycycle.database.url=none")) {
            ChatModel model = ctx.getBean(KeycycleChatModels.class).chatModel(TARGET);
            assertThat(model.call(new Prompt("one")).getResult().getOutput().getText()).isNotBlank();
            assertThatThrownBy(() -> model.call(new Prompt("two"))).isInstanceOf(NoAvailableKeyException.class);
            assertThat(sim.stats().total429()).as("no request the provider refused").isZero();
        }
    }

    @Test
    void theModelsDefaultMaxTokensIsWhatIsReserved() throws Exception {
        try (Simulator sim = Simulator.builder().port(0).provider(SimProvider.freeTier(ProviderKind.CEREBRAS, 1)).build().start();
             ConfigurableApplicationContext ctx = TestApp.run(new Class<?>[] {TestApp.class},
                     SimulatorEnv.keys(sim, 1, ProviderKind.CEREBRAS), "keycycle.database.url=none")) {
            ChatModel model = ctx.getBean(KeycycleChatModels.class).builder(TARGET)
                    .defaultOptions(OpenAiChatOptions.builder().maxTokens(1024).build()).build();
            // Two calls in flight at once (the first held 2 s by the provider): each reserves ~1,030
            // of the 30,000; at 16,000 each the second would not be admitted.
            sim.provider("cerebras").failNext(1, FaultKind.SLOW(Duration.ofSeconds(2)));
            CompletableFuture<String> first = CompletableFuture.supplyAsync(() -> model.call(new Prompt("slow one")).getResult().getOutput().getText());
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> sim.stats().totalRequests() == 1);
            assertThat(model.call(new Prompt("while the first is in flight")).getResult().getOutput().getText()).isNotBlank();
            assertThat(first.get(20, TimeUnit.SECONDS)).isNotBlank();
            assertThat(sim.stats().total429()).isZero();
        }
    }
}
