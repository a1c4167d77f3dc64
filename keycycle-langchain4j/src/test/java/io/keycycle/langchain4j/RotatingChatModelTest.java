package io.keycycle.langchain4j;

import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import io.keycycle.Keycycle;
import io.keycycle.core.KeyState;
import io.keycycle.core.KeycycleEvent;
import io.keycycle.core.Limits;
import io.keycycle.core.OutcomeKind;
import io.keycycle.core.pool.PoolSnapshot;
import io.keycycle.core.testing.ManualClock;
import io.keycycle.sim.ProviderKind;
import io.keycycle.sim.SimKey;
import io.keycycle.sim.SimLimits;
import io.keycycle.sim.SimProvider;
import io.keycycle.sim.SimStats;
import io.keycycle.sim.Simulator;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** RotatingChatModel over real HTTP against the simulator. */
class RotatingChatModelTest {

    private static final String GROQ_70B = "llama-3.3-70b-versatile";
    private static final String GROQ_1 = SimKey.fakeSecret(ProviderKind.GROQ, 1);
    private static final String GROQ_2 = SimKey.fakeSecret(ProviderKind.GROQ, 2);

    private static ChatRequest ask(String text) {
        return ChatRequest.builder().messages(SystemMessage.from("Answer briefly."), UserMessage.from(text)).build();
    }

    @Test
    void plainCallSettlesWithExactlyTheUsageTheProviderReported() {
        try (Simulator sim = Simulator.builder().port(0)
                .provider(SimProvider.groq().key(GROQ_1, "org-a").freeTierModels().build()).build().start()) {
            Engines.Recorder rec = new Engines.Recorder();
            try (Keycycle k = Engines.over(sim, "{}").listener(rec).build()) {
                ChatModel model = KeycycleChatModels.of(k).chatModel("groq", GROQ_70B);

                ChatResponse r = model.chat(ask("Name three prime numbers."));

                SimStats.Row row = sim.stats().total("groq");
                assertThat(row.successes()).isEqualTo(1);
                assertThat(r.aiMessage().text()).isNotBlank();
                assertThat(r.tokenUsage().inputTokenCount()).isEqualTo((int) row.promptTokens());

                KeycycleEvent.Settled s = rec.settled().get(0);
                assertThat(rec.settled()).hasSize(1);
                assertThat(s.outcome()).isEqualTo(OutcomeKind.SUCCESS);
                assertThat(s.model()).isEqualTo(GROQ_70B);
                assertThat(s.promptTokens()).isEqualTo(row.promptTokens());
                assertThat(s.completionTokens()).isEqualTo(row.completionTokens());
                assertThat(s.chargedTokens()).isEqualTo(row.totalTokens());

                // the reservation: the simulator's prompt rule (ceil(chars/4)+4 per message) + the default budget
                KeycycleEvent.Admitted a = rec.events.stream().filter(KeycycleEvent.Admitted.class::isInstance)
                        .map(KeycycleEvent.Admitted.class::cast).findFirst().orElseThrow();
                assertThat(a.estimatedTokens()).isEqualTo(row.promptTokens() + 1000);

                // the minute window now holds the actual tokens, not the reservation
                PoolSnapshot.BucketView b = Engines.bucket(k, "groq", "org-a", GROQ_70B);
                assertThat(b.usage()).filteredOn(u -> u.metric() == Limits.Metric.TPM)
                        .singleElement().extracting(PoolSnapshot.MetricUsage::used).isEqualTo(row.totalTokens());
            }
        }
    }

    @Test
    void a429IsAbsorbedByRotationAndCoolsTheScopeForTheRetryAfterTheProviderSent() throws Exception {
        Instant t0 = Instant.parse("2026-03-02T10:00:00Z");
        Engines.SettableClock simClock = new Engines.SettableClock(t0);
        ManualClock engineClock = new ManualClock(t0);
        try (Simulator sim = Simulator.builder().port(0).clock(simClock)
                .provider(SimProvider.groq().key(GROQ_1, "org-a").key(GROQ_2, "org-b")
                        .model(GROQ_70B, SimLimits.UNLIMITED.rpm(1)).build())   // stricter than the built-in 30 RPM
                .build().start()) {
            try (Keycycle k = Engines.over(sim, "selection: first-fit").clock(engineClock).build()) {
                RotatingChatModel model = KeycycleChatModels.of(k).chatModel("groq/" + GROQ_70B);

                assertThat(model.chat(ask("first")).aiMessage().text()).isNotBlank();
                simClock.advance(Duration.ofMillis(300));
                engineClock.advance(Duration.ofMillis(300));
                ChatResponse second = model.chat(ask("second"));

                assertThat(second.aiMessage().text()).isNotBlank();
                SimStats.Row orgA = sim.stats().total(r -> r.scope().equals("org-a"));
                SimStats.Row orgB = sim.stats().total(r -> r.scope().equals("org-b"));
                assertThat(orgA.successes()).isEqualTo(1);
                assertThat(orgA.minute429()).isEqualTo(1);
                assertThat(orgB.successes()).isEqualTo(1);
                assertThat(model.delegateCount()).isEqualTo(2);

                // what the simulator says to key 1 at this instant (its body says "try again in 59.7s")
                HttpResponse<String> probe = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(sim.baseUrl("groq") + "/chat/completions"))
                        .header("Authorization", "Bearer " + GROQ_1).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"" + GROQ_70B + "\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"))
                        .build(), HttpResponse.BodyHandlers.ofString());
                assertThat(probe.statusCode()).isEqualTo(429);
                long retryAfter = Long.parseLong(probe.headers().firstValue("retry-after").orElseThrow());
                assertThat(retryAfter).isEqualTo(60);

                PoolSnapshot.BucketView cooled = Engines.bucket(k, "groq", "org-a", GROQ_70B);
                assertThat(cooled.state()).isEqualTo(KeyState.COOLING);
                assertThat(cooled.until()).isEqualTo(Instant.ofEpochMilli(engineClock.millis()).plusSeconds(retryAfter));
                assertThat(Engines.bucket(k, "groq", "org-b", GROQ_70B).state()).isEqualTo(KeyState.READY);
            }
        }
    }

    @Test
    void anInvalidGeminiKeyIsDisabledAndNeverUsedAgain() {
        String dead = SimKey.fakeSecret(ProviderKind.GEMINI, 1);
        String live = SimKey.fakeSecret(ProviderKind.GEMINI, 2);
        try (Simulator sim = Simulator.builder().port(0)
                .provider(SimProvider.gemini().key(dead, "project-a").key(live, "project-b").freeTierModels().build())
                .build().start()) {
            sim.provider("gemini").killKey(dead);
            try (Keycycle k = Engines.over(sim, "selection: first-fit").build()) {
                ChatModel model = KeycycleChatModels.of(k).chatModel("gemini", "gemini-3.5-flash");

                for (int i = 0; i < 3; i++) assertThat(model.chat(ask("question " + i)).aiMessage().text()).isNotBlank();

                SimStats.Row a = sim.stats().total(r -> r.scope().equals("project-a"));
                SimStats.Row b = sim.stats().total(r -> r.scope().equals("project-b"));
                assertThat(a.requests()).isEqualTo(1);
                assertThat(a.successes()).isZero();
                assertThat(b.successes()).isEqualTo(3);
                PoolSnapshot.KeyView key1 = Engines.keyView(k, "gemini", 1);
                assertThat(key1.state()).isEqualTo(KeyState.DISABLED);
                assertThat(key1.reason()).containsIgnoringCase("API key not valid");
            }
        }
    }

    @Test
    void aProviderWhoseDayQuotaRunsOutHandsTheTierOverToTheNextCandidate() {
        try (Simulator sim = Simulator.builder().port(0)
                .provider(SimProvider.gemini().key(SimKey.fakeSecret(ProviderKind.GEMINI, 1), "project-a")
                        .model("gemini-3.5-flash", SimLimits.UNLIMITED.rpd(1)).build())
                .provider(SimProvider.groq().key(GROQ_1, "org-a").freeTierModels().build())
                .build().start()) {
            String yaml = "tiers:\n  fast: [gemini/gemini-3.5-flash, groq/llama-3.1-8b-instant]\n";
            try (Keycycle k = Engines.over(sim, yaml).build()) {
                ChatModel fast = KeycycleChatModels.of(k).chatModel("fast");

                assertThat(fast.chat(ask("one")).modelName()).isEqualTo("gemini-3.5-flash");
                assertThat(fast.chat(ask("two")).modelName()).isEqualTo("llama-3.1-8b-instant");  // gemini 429 PerDay
                assertThat(fast.chat(ask("three")).modelName()).isEqualTo("llama-3.1-8b-instant"); // gemini parked: not asked

                SimStats.Row gemini = sim.stats().total("gemini");
                assertThat(gemini.requests()).isEqualTo(2);
                assertThat(gemini.day429()).isEqualTo(1);
                assertThat(sim.stats().total("groq").successes()).isEqualTo(2);
                assertThat(Engines.bucket(k, "gemini", "project-a", "gemini-3.5-flash").state()).isEqualTo(KeyState.PARKED);
            }
        }
    }

    @Test
    void successHeadersSayingTheDayIsUsedUpParkTheProviderWithoutAnotherRequest() {
        try (Simulator sim = Simulator.builder().port(0)
                .provider(SimProvider.cerebras().key(SimKey.fakeSecret(ProviderKind.CEREBRAS, 1), "acct-c")
                        .model("gpt-oss-120b", SimLimits.UNLIMITED.rpd(1)).build())
                .provider(SimProvider.groq().key(GROQ_1, "org-a").freeTierModels().build())
                .build().start()) {
            String yaml = "tiers:\n  fast: [cerebras/gpt-oss-120b, groq/llama-3.1-8b-instant]\n";
            try (Keycycle k = Engines.over(sim, yaml).build()) {
                ChatModel fast = KeycycleChatModels.of(k).chatModel("fast");

                assertThat(fast.chat(ask("one")).modelName()).isEqualTo("gpt-oss-120b");
                // x-ratelimit-remaining-requests-day: 0 on that success reached the engine through the raw response
                assertThat(fast.chat(ask("two")).modelName()).isEqualTo("llama-3.1-8b-instant");

                assertThat(sim.stats().total("cerebras").requests()).isEqualTo(1);
                assertThat(sim.stats().total429()).isZero();
                assertThat(Engines.bucket(k, "cerebras", "acct-c", "gpt-oss-120b").state()).isEqualTo(KeyState.PARKED);
            }
        }
    }

    @Test
    void theRequestsModelNameIsReplacedByTheTargets() {
        try (Simulator sim = Simulator.builder().port(0)
                .provider(SimProvider.groq().key(GROQ_1, "org-a").freeTierModels().build()).build().start();
             Keycycle k = Engines.over(sim, "{}").build()) {
            ChatModel model = KeycycleChatModels.of(k).chatModel("groq");   // the provider's default model
            ChatResponse r = model.chat(ChatRequest.builder().messages(List.of(UserMessage.from("hi")))
                    .modelName("gpt-4o").maxOutputTokens(5).build());
            assertThat(r.modelName()).isEqualTo("openai/gpt-oss-120b");   // groq's default since the Llama models retired
            assertThat(r.tokenUsage().outputTokenCount()).isEqualTo(5);
        }
    }
}
