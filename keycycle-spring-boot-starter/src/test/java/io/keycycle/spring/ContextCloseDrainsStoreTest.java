package io.keycycle.spring;

import io.keycycle.sim.ProviderKind;
import io.keycycle.sim.SimStats;
import io.keycycle.sim.Simulator;
import io.keycycle.store.KeycycleStore;
import io.keycycle.store.ReportQuery;
import io.keycycle.store.UsageRow;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.beans.factory.annotation.BeanFactoryAnnotationUtils;
import org.springframework.context.ConfigurableApplicationContext;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Closing the application context closes the engine, which drains the store's writer: nothing recorded is lost. */
class ContextCloseDrainsStoreTest {

    @Test
    void everyUsageRecordIsInTheSqliteFileOnceTheContextIsClosed(@TempDir Path dir) {
        Path db = dir.resolve("usage.db");
        Instant from = Instant.now().minusSeconds(60);
        try (Simulator sim = Simulator.builder().port(0).freeTierProviders(2).build().start()) {
            ConfigurableApplicationContext ctx = TestApp.run(SimulatorEnv.keys(sim, 2, ProviderKind.GROQ),
                    "keycycle.tiers.quick=groq/llama-3.1-8b-instant", "keycycle.database.url=jdbc:sqlite:" + db);
            ChatModel quick = BeanFactoryAnnotationUtils.qualifiedBeanOfType(ctx.getBeanFactory(), ChatModel.class, "quick");
            for (int i = 0; i < 8; i++) quick.call(new Prompt("ping " + i));
            ctx.close(); // no flush: closing must drain

            SimStats.Row groq = sim.stats().total("groq");
            try (KeycycleStore store = KeycycleStore.open("jdbc:sqlite:" + db)) {
                List<UsageRow> rows = store.report(ReportQuery.of(from, Instant.now().plusSeconds(60), ReportQuery.GroupBy.PROVIDER));
                assertThat(rows).hasSize(1);
                assertThat(rows.get(0).requests()).isEqualTo(groq.successes()).isEqualTo(8);
                assertThat(rows.get(0).promptTokens()).isEqualTo(groq.promptTokens());
                assertThat(rows.get(0).completionTokens()).isEqualTo(groq.completionTokens());
            }
        }
    }
}
