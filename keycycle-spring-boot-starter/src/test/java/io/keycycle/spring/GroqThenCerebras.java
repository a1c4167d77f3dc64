package io.keycycle.spring;

import io.keycycle.sim.ProviderKind;
import io.keycycle.sim.SimKey;
import io.keycycle.sim.SimLimits;
import io.keycycle.sim.SimProvider;
import io.keycycle.sim.Simulator;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.beans.factory.annotation.BeanFactoryAnnotationUtils;
import org.springframework.context.ConfigurableApplicationContext;

import java.time.Duration;

/**
 * A simulator and an application with the tier {@code t} = Groq's {@code llama-3.1-8b-instant} (3
 * keys that the simulator lets through 2 requests a minute each, while the properties say 100)
 * then Cerebras' {@code gpt-oss-120b} (1 key, unlimited): each Groq key serves 2 calls and answers
 * the third with a real 429, after which the tier falls back to Cerebras.
 */
record GroqThenCerebras(Simulator sim, ConfigurableApplicationContext ctx) implements AutoCloseable {

    static GroqThenCerebras start() {
        Simulator sim = Simulator.builder().port(0).chunkInterval(Duration.ofMillis(2))
                .provider(SimProvider.builder(ProviderKind.GROQ).fakeKeys(3).model("llama-3.1-8b-instant", SimLimits.UNLIMITED.rpm(2)).build(),
                        SimProvider.builder(ProviderKind.CEREBRAS).fakeKeys(1).model("gpt-oss-120b", SimLimits.UNLIMITED).build())
                .build().start();
        try {
            return new GroqThenCerebras(sim, TestApp.run(SimulatorEnv.keys(sim, 3, ProviderKind.GROQ),
                    "NUM_CEREBRAS=1", "CEREBRAS_API_KEY_1=" + SimKey.fakeSecret(ProviderKind.CEREBRAS, 1),
                    "CEREBRAS_BASE_URL=" + sim.baseUrl(ProviderKind.CEREBRAS),
                    "keycycle.tiers.t=groq/llama-3.1-8b-instant,cerebras/gpt-oss-120b",
                    "keycycle.providers.groq.models[llama-3.1-8b-instant].rpm=100",
                    "keycycle.database.url=none"));
        } catch (RuntimeException e) {
            sim.close();
            throw e;
        }
    }

    /** The tier's rotating model (the bean qualified {@code t}). */
    ChatModel tier() {
        return BeanFactoryAnnotationUtils.qualifiedBeanOfType(ctx.getBeanFactory(), ChatModel.class, "t");
    }

    @Override
    public void close() {
        try {
            ctx.close();
        } finally {
            sim.close();
        }
    }
}
