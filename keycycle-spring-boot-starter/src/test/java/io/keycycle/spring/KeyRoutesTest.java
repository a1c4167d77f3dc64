package io.keycycle.spring;

import io.keycycle.Keycycle;
import io.keycycle.core.RateLimitException;
import io.keycycle.sim.ProviderKind;
import io.keycycle.sim.SimLimits;
import io.keycycle.sim.SimProvider;
import io.keycycle.sim.Simulator;
import io.micrometer.observation.ObservationRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.prompt.Prompt;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The HTTP-level key hook against the simulator: the admitted key is sent, the error answer's headers come back, no route means no request. */
class KeyRoutesTest {

    private static Simulator groq(long rpm) {
        return Simulator.builder().port(0)
                .provider(SimProvider.builder(ProviderKind.GROQ).fakeKeys(2).model("llama-3.1-8b-instant", SimLimits.UNLIMITED.rpm(rpm)).build())
                .build().start();
    }

    private static Keycycle keycycle(Simulator sim, String... yamlLines) {
        return Keycycle.builder().env(SimulatorEnv.keys(sim, 2, ProviderKind.GROQ))
                .config(io.keycycle.core.config.KeycycleConfig.parse(String.join("\n", yamlLines), java.util.Map.of(), "test"))
                .shutdownHook(false).build();
    }

    @Test
    void eachKeyIsSentAsItsOwnBearerToken() {
        try (Simulator sim = groq(100); Keycycle kc = keycycle(sim, "{}");
             ProviderClients clients = new ProviderClients(kc, Duration.ofSeconds(10), ObservationRegistry.NOOP)) {
            RotatingChatModel model = new KeycycleChatModels(kc, clients, io.keycycle.CallSpec.defaults()).chatModel("groq/llama-3.1-8b-instant");
            for (int i = 0; i < 4; i++) model.call(new Prompt("hello " + i));
            // the simulator accepts only its own keys: both were used, 2 requests each (headroom selection)
            assertThat(sim.stats().rows()).extracting(SimStats -> SimStats.keyIndex() + ":" + SimStats.successes())
                    .containsExactlyInAnyOrder("1:2", "2:2");
            assertThat(sim.stats().total().otherErrors()).isZero();
            assertThat(clients.routes().open()).as("every route closed").isZero();
        }
    }

    @Test
    void theErrorAnswersHeadersAndBodyReachTheEngine() {
        try (Simulator sim = groq(1); Keycycle kc = keycycle(sim, "providers:", "  groq:", "    models:",
                "      llama-3.1-8b-instant: { rpm: 100 }");
             ProviderClients clients = new ProviderClients(kc, Duration.ofSeconds(10), ObservationRegistry.NOOP)) {
            RotatingChatModel model = new KeycycleChatModels(kc, clients, io.keycycle.CallSpec.defaults()).chatModel("groq/llama-3.1-8b-instant");
            model.call(new Prompt("one"));
            model.call(new Prompt("two"));
            assertThatThrownBy(() -> model.call(new Prompt("three")))
                    .isInstanceOf(RateLimitException.class)
                    .satisfies(e -> {
                        Throwable cause = e.getCause();
                        assertThat(cause).isInstanceOf(UpstreamHttpException.class);
                        UpstreamHttpException u = (UpstreamHttpException) cause;
                        assertThat(u.statusCode()).isEqualTo(429);
                        assertThat(u.headers().keySet()).anyMatch(h -> h.equalsIgnoreCase("retry-after"));
                        assertThat(u.body()).contains("Rate limit reached");
                        assertThat(u.getMessage()).doesNotContain(io.keycycle.sim.SimKey.fakeSecret(ProviderKind.GROQ, 1));
                    });
            assertThat(sim.stats().total().minute429()).isEqualTo(2);
        }
    }

    @Test
    void cancellingAStreamKeepsItsRequestCountedAndClosesItsRoute() {
        try (Simulator sim = Simulator.builder().port(0).chunkInterval(Duration.ofMillis(50))
                .provider(SimProvider.builder(ProviderKind.GROQ).fakeKeys(2).model("llama-3.1-8b-instant", SimLimits.UNLIMITED).build())
                .build().start();
             Keycycle kc = keycycle(sim, "{}");
             ProviderClients clients = new ProviderClients(kc, Duration.ofSeconds(10), ObservationRegistry.NOOP)) {
            java.util.List<io.keycycle.core.KeycycleEvent> events = new java.util.concurrent.CopyOnWriteArrayList<>();
            kc.addListener(events::add);
            RotatingChatModel model = new KeycycleChatModels(kc, clients, io.keycycle.CallSpec.defaults()).chatModel("groq/llama-3.1-8b-instant");
            var first = model.stream(new Prompt("tell me a long story")).take(1).blockLast(Duration.ofSeconds(10));
            assertThat(first).isNotNull();
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                assertThat(clients.routes().open()).isZero();
                // the provider has the request: it stays counted with its estimated tokens (no usage arrived)
                assertThat(used(kc, io.keycycle.core.Limits.Metric.RPM)).isEqualTo(1);
                assertThat(used(kc, io.keycycle.core.Limits.Metric.TPM)).isPositive();
            });
            assertThat(events).noneMatch(e -> e instanceof io.keycycle.core.KeycycleEvent.Settled s && s.outcome() == io.keycycle.core.OutcomeKind.SUCCESS);
        }
    }

    @Test
    void aRequestWithoutAnAdmittedKeyIsNeverSent() {
        try (Simulator sim = groq(100); Keycycle kc = keycycle(sim, "{}");
             ProviderClients clients = new ProviderClients(kc, Duration.ofSeconds(10), ObservationRegistry.NOOP)) {
            assertThatThrownBy(() -> clients.model("groq").call(new Prompt("who am I?")))
                    .hasStackTraceContaining("carries no key admitted by Keycycle");
            assertThat(sim.stats().totalRequests()).isZero();
        }
    }

    private static long used(Keycycle kc, io.keycycle.core.Limits.Metric metric) {
        return kc.pool("groq").snapshot().buckets().stream()
                .flatMap(b -> b.usage().stream())
                .filter(u -> u.metric() == metric)
                .mapToLong(io.keycycle.core.pool.PoolSnapshot.MetricUsage::used).sum();
    }
}
