package io.keycycle.spring;

import io.keycycle.Keycycle;
import io.keycycle.core.KeyState;
import io.keycycle.core.pool.PoolSnapshot;
import io.keycycle.sim.SimStats;
import io.keycycle.sim.Simulator;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.health.registry.HealthContributorRegistry;
import org.springframework.context.ConfigurableApplicationContext;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * A tier whose first provider accepts fewer requests than Keycycle was told (the simulator's Groq
 * keys allow 2 a minute, the properties say 100): each Groq key serves 2, answers the third with a
 * real 429 and {@code retry-after}; the engine cools that key for exactly that long, rotates, and
 * after the last Groq key falls back to Cerebras. The health component and the meters show it.
 */
class RotationAndOperationsTest {

    @Test
    void a429RotatesCoolsTheKeyForItsRetryAfterAndFallsBackAlongTheTier() {
        try (GroqThenCerebras app = GroqThenCerebras.start()) {
            Simulator sim = app.sim();
            ConfigurableApplicationContext ctx = app.ctx();
            ChatModel tier = app.tier();
            ChatClient client = ChatClient.create(tier);
            List<String> servedBy = new ArrayList<>();
            for (int i = 1; i <= 7; i++) {
                ChatResponse r = client.prompt().user("Question " + i).call().chatResponse();
                assertThat(r.getResult().getOutput().getText()).isNotBlank();
                servedBy.add((String) r.getMetadata().get(RotatingChatModel.PROVIDER));
            }
            Instant afterCalls = Instant.now();
            SimStats stats = sim.stats();
            assertThat(servedBy).containsExactly("groq", "groq", "groq", "groq", "groq", "groq", "cerebras");
            assertThat(stats.total("groq").successes()).isEqualTo(6);
            assertThat(stats.total("groq").minute429()).as("each Groq key answered one 429, and was not asked again").isEqualTo(3);
            assertThat(stats.total("cerebras").successes()).isEqualTo(1);

            Keycycle keycycle = ctx.getBean(Keycycle.class);
            PoolSnapshot groq = keycycle.pool("groq").snapshot();
            for (PoolSnapshot.KeyView k : groq.keys()) {
                KeyState state = KeyCounts.effective(groq, k);
                assertThat(state).as("key %s", k.fingerprint()).isEqualTo(KeyState.COOLING);
            }
            for (PoolSnapshot.BucketView b : groq.buckets()) {
                if (b.state() == KeyState.COOLING) {
                    // the simulator's retry-after (whole seconds up to its minute window) reached the engine
                    assertThat(Duration.between(afterCalls, b.until()).toSeconds()).isBetween(1L, 61L);
                }
            }

            HealthIndicator indicator = (HealthIndicator) ctx.getBean(HealthContributorRegistry.class).getContributor("keycycle");
            assertThat(indicator).as("the keycycle health component is registered").isNotNull();
            Health health = indicator.health();
            assertThat(health.getStatus()).isEqualTo(Status.UP);
            @SuppressWarnings("unchecked")
            Map<String, Map<String, Object>> providers = (Map<String, Map<String, Object>>) health.getDetails().get("providers");
            assertThat(providers.get("groq")).containsEntry("keys", 3).containsEntry("cooling", 3).containsEntry("ready", 0);
            assertThat(providers.get("cerebras")).containsEntry("keys", 1).containsEntry("ready", 1);
            assertThat(health.getDetails()).containsEntry("store", "none");

            MeterRegistry meters = ctx.getBean(MeterRegistry.class);
            assertThat(meters.get("keycycle.admissions").tag("provider", "groq").counter().count()).isEqualTo(9);
            assertThat(meters.get("keycycle.outcomes").tag("provider", "groq").tag("outcome", "RATE_LIMITED").counter().count()).isEqualTo(3);
            assertThat(meters.get("keycycle.keys").tag("provider", "groq").tag("state", "cooling").gauge().value()).isEqualTo(3);
            double tokens = meters.get("keycycle.tokens").tag("provider", "cerebras").counters().stream().mapToDouble(c -> c.count()).sum();
            assertThat(tokens).isEqualTo(stats.total("cerebras").promptTokens() + stats.total("cerebras").completionTokens(), within(0.0));
        }
    }
}
