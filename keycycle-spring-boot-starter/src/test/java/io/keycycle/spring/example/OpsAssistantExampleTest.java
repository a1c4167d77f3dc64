package io.keycycle.spring.example;

import io.keycycle.Keycycle;
import io.keycycle.core.KeyState;
import io.keycycle.sim.ProviderKind;
import io.keycycle.sim.SimStats;
import io.keycycle.sim.Simulator;
import io.keycycle.spring.RotatingChatModel;
import io.keycycle.spring.SimulatorEnv;
import io.keycycle.store.KeycycleStore;
import io.keycycle.store.ReportQuery;
import io.keycycle.store.UsageRow;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The example application against the simulator over real HTTP (3 fake keys each for Cerebras and
 * Groq at free-tier limits), with its store in a real SQLite file: twenty questions to the tier
 * {@code fast}. Cerebras' keys serve 5 requests a minute each, then the tier falls back to Groq; no
 * request is sent that the provider answers with 429, and the tokens in the store equal the
 * simulator's counts per provider.
 */
@SpringBootTest(classes = OpsAssistantApplication.class)
@DirtiesContext
class OpsAssistantExampleTest {

    static final Simulator SIM = Simulator.builder().port(0).freeTierProviders(3).build().start();
    static final Path DB;

    static {
        try {
            DB = Files.createTempDirectory("keycycle-spring-example").resolve("keycycle.db");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @DynamicPropertySource
    static void environment(DynamicPropertyRegistry r) {
        SimulatorEnv.keys(SIM, 3, ProviderKind.CEREBRAS, ProviderKind.GROQ).forEach((k, v) -> r.add(k, () -> v));
        r.add("keycycle.tiers.fast", () -> "cerebras/gpt-oss-120b,groq/openai/gpt-oss-20b");
        r.add("keycycle.database.url", () -> "jdbc:sqlite:" + DB);
    }

    @AfterAll
    static void stopSimulator() {
        SIM.close();
    }

    @Autowired
    ChatClient opsAssistant;

    @Autowired
    Keycycle keycycle;

    @Autowired
    org.springframework.boot.health.registry.HealthContributorRegistry health;

    @Test
    void twentyQuestionsFallBackFromCerebrasToGroqWithTheTokensInTheStore() {
        Instant start = Instant.now().minusSeconds(60);
        Map<String, Integer> servedBy = new LinkedHashMap<>();
        for (int i = 1; i <= 20; i++) {
            ChatResponse r = opsAssistant.prompt().user("Status of service #" + i + "?").call().chatResponse();
            assertThat(r.getResult().getOutput().getText()).isNotBlank();
            servedBy.merge((String) r.getMetadata().get(RotatingChatModel.PROVIDER), 1, Integer::sum);
        }
        System.out.println(SIM.stats().table());

        SimStats stats = SIM.stats();
        assertThat(stats.total("cerebras").successes()).isEqualTo(15);
        assertThat(stats.total("groq").successes()).isEqualTo(5);
        assertThat(stats.total429()).as("no request the provider refused").isZero();
        assertThat(servedBy).containsExactly(Map.entry("cerebras", 15), Map.entry("groq", 5));
        keycycle.snapshots().forEach(s -> assertThat(s.keys()).allMatch(k -> k.state() != KeyState.DISABLED));

        KeycycleStore store = (KeycycleStore) keycycle.persistence().orElseThrow();
        assertThat(store.flush(Duration.ofSeconds(10))).isTrue();
        assertThat(store.url().redacted()).contains(DB.toString());
        List<UsageRow> rows = store.report(ReportQuery.of(start, Instant.now().plusSeconds(60), ReportQuery.GroupBy.PROVIDER));
        for (String provider : List.of("cerebras", "groq")) {
            UsageRow row = rows.stream().filter(u -> u.provider().equals(provider)).findFirst().orElseThrow();
            SimStats.Row sim = stats.total(provider);
            assertThat(row.requests()).as("%s requests", provider).isEqualTo(sim.successes());
            assertThat(row.promptTokens()).as("%s prompt tokens", provider).isEqualTo(sim.promptTokens());
            assertThat(row.completionTokens()).as("%s completion tokens", provider).isEqualTo(sim.completionTokens());
        }

        var h = ((org.springframework.boot.health.contributor.HealthIndicator) health.getContributor("keycycle")).health();
        assertThat(h.getStatus()).isEqualTo(org.springframework.boot.health.contributor.Status.UP);
        @SuppressWarnings("unchecked")
        Map<String, Object> st = (Map<String, Object>) h.getDetails().get("store");
        assertThat(st).containsEntry("writerAlive", true).containsEntry("journaling", false);
        assertThat((String) st.get("url")).contains(DB.toString());
        assertThat((long) st.get("eventsWritten")).isPositive();
    }
}
