package io.keycycle.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.keycycle.core.ApiKey;
import io.keycycle.sim.ProviderKind;
import io.keycycle.sim.SimKey;
import io.keycycle.sim.SimProvider;
import io.keycycle.sim.Simulator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** chat through the pool against the simulator, usage recorded in a SQLite database. */
class ChatCommandTest {

    static final String K1 = SimKey.fakeSecret(ProviderKind.GROQ, 1);
    static final String K2 = SimKey.fakeSecret(ProviderKind.GROQ, 2);

    static Simulator sim;

    @TempDir Path dir;
    Map<String, String> env;

    @BeforeAll
    static void startSimulator() {
        sim = Simulator.builder().provider(SimProvider.freeTier(ProviderKind.GROQ, 2)).build().start();
    }

    @AfterAll
    static void stopSimulator() { sim.close(); }

    @BeforeEach
    void environment() {
        sim.reset();
        env = new HashMap<>(Map.of("NUM_GROQ", "2", "GROQ_API_KEY_1", K1, "GROQ_API_KEY_2", K2,
                "GROQ_BASE_URL", sim.baseUrl("groq"), "KEYCYCLE_DB_URL", "jdbc:sqlite:" + dir.resolve("keycycle.db")));
    }

    @Test
    void answersAndSaysWhoServedThenUsageIsInTheDatabase() throws Exception {
        Cli cli = Cli.at(dir, env);
        Cli.Result r = cli.run("chat", "--max-tokens", "40", "Say hello");

        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out()).isNotBlank();
        assertThat(r.err()).contains("— groq/openai/gpt-oss-120b · key ").contains("1 attempt").containsPattern("tokens \\d+ prompt \\+ \\d+ completion");
        assertThat(r.err()).containsAnyOf(ApiKey.fingerprint(K1), ApiKey.fingerprint(K2));
        assertThat(r.all()).doesNotContain(K1, K2);

        JsonNode usage = Json.MAPPER.readTree(cli.run("usage", "--days", "1", "--format", "json").out());
        assertThat(usage).hasSize(1);
        assertThat(usage.get(0).path("provider").asText()).isEqualTo("groq");
        assertThat(usage.get(0).path("requests").asLong()).isEqualTo(1);
        assertThat(usage.get(0).path("chargedTokens").asLong()).isPositive();
    }

    @Test
    void streamsTheAnswer() {
        Cli.Result r = Cli.at(dir, env).run("chat", "--stream", "--model", "groq/llama-3.1-8b-instant", "--db", "none", "Tell me a story");

        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out().strip()).isNotEmpty();
        assertThat(r.err()).contains("groq/llama-3.1-8b-instant").containsPattern("tokens \\d+ prompt");
    }

    @Test
    void rotatesPastADeadKey() {
        sim.provider("groq").killKey(K1);
        for (int i = 0; i < 3; i++) {
            Cli.Result r = Cli.at(dir, env).run("chat", "--db", "none", "hi " + i);
            assertThat(r.code()).as(r.toString()).isZero();
            assertThat(r.err()).contains("key " + ApiKey.fingerprint(K2));
        }
    }

    @Test
    void everyKeyDeadFailsWithOneMessage() {
        sim.provider("groq").killKey(K1);
        sim.provider("groq").killKey(K2);
        Cli.Result dead = Cli.at(dir, env).run("chat", "--db", "none", "hi");

        assertThat(dead.code()).as(dead.toString()).isEqualTo(1);
        assertThat(dead.err()).startsWith("error: ").doesNotContain("\tat ").doesNotContain(K1, K2);
    }

    @Test
    void unknownTargetFailsNamingTheChoices() {
        Cli.Result r = Cli.at(dir, env).run("chat", "--db", "none", "--model", "nosuch", "hi");

        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("unknown model or tier 'nosuch'").contains("groq");
    }

    @Test
    void withoutKeysSaysHowToAddThem() {
        Cli.Result r = Cli.at(dir, Map.of()).run("chat", "--db", "none", "hi");

        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("no keys: set NUM_<PROVIDER>=n");
    }

    @Test
    void withoutKeysNoDatabaseIsCreated() throws Exception {
        Cli.Result r = Cli.at(dir, Map.of()).run("chat", "hi");

        assertThat(r.code()).as(r.toString()).isEqualTo(1);
        assertThat(r.err()).contains("no keys: set NUM_<PROVIDER>=n");
        try (var files = java.nio.file.Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()).toList())
                    .as("a chat that cannot start leaves no database or journal behind").noneMatch(n -> n.startsWith("keycycle"));
        }
    }
}
