package io.keycycle.cli;

import io.keycycle.sim.ProviderKind;
import io.keycycle.sim.SimKey;
import io.keycycle.sim.SimLimits;
import io.keycycle.sim.SimProvider;
import io.keycycle.sim.Simulator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** A limit learned from the provider is kept in the database and shown by status and check. */
class LearnedLimitsCliTest {

    @TempDir
    Path dir;

    @Test
    void statusAndCheckShowTheLimitTheProviderReported() {
        try (Simulator sim = Simulator.builder().provider(SimProvider.groq().fakeKeys(1)
                .model("openai/gpt-oss-120b", SimLimits.UNLIMITED.rpd(40).tpm(8_000)).build()).build().start()) {
            Map<String, String> env = Map.of("NUM_GROQ", "1", "GROQ_API_KEY_1", SimKey.fakeSecret(ProviderKind.GROQ, 1),
                    "GROQ_BASE_URL", sim.baseUrl("groq"), "KEYCYCLE_DB_URL", "jdbc:sqlite:" + dir.resolve("keycycle.db"));
            Cli cli = Cli.at(dir, env);
            Cli.Result chat = cli.run("chat", "--max-tokens", "20", "hello");
            assertThat(chat.code()).as(chat.toString()).isZero();

            Cli.Result status = cli.run("status");
            assertThat(status.code()).as(status.toString()).isZero();
            assertThat(status.out()).contains("Limits learned from the providers")
                    .containsPattern("groq key-\\S+ openai/gpt-oss-120b: rpd 1000 → 40, learned from groq 20\\d\\d-");

            Cli.Result check = cli.run("check");
            assertThat(check.out()).contains("Limits learned from the providers (1, in force instead of the table's)")
                    .contains("rpd 1000 → 40");
        }
    }
}
