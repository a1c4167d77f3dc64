package io.keycycle.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.keycycle.core.ApiKey;
import io.keycycle.sim.ProviderKind;
import io.keycycle.sim.SimKey;
import io.keycycle.sim.SimLimits;
import io.keycycle.sim.SimProvider;
import io.keycycle.sim.Simulator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code keycycle check --online} and {@code keycycle models --online} against the simulator over real HTTP. */
class OnlineCommandsTest {

    static final String G1 = SimKey.fakeSecret(ProviderKind.GROQ, 1);
    static final String G2 = SimKey.fakeSecret(ProviderKind.GROQ, 2);
    static final String M1 = SimKey.fakeSecret(ProviderKind.GEMINI, 1);
    static final String O1 = SimKey.fakeSecret(ProviderKind.OPENROUTER, 1);
    static Simulator sim;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        sim = Simulator.builder()
                .provider(SimProvider.groq().fakeKeys(2).currentModels().model("moonshotai/kimi-k3", SimLimits.UNLIMITED).build())
                .provider(SimProvider.gemini().fakeKeys(1).freeTierModels().build())      // the mid-2026 line-up
                .provider(SimProvider.openrouter().fakeKeys(1, "acct").currentModels().build())
                .build().start();
    }

    @AfterAll
    static void stop() {
        sim.close();
    }

    @BeforeEach
    void reset() {
        sim.reset();
    }

    static Map<String, String> env() {
        return Map.of("NUM_GROQ", "2", "GROQ_API_KEY_1", G1, "GROQ_API_KEY_2", G2, "GROQ_BASE_URL", sim.baseUrl("groq"),
                "NUM_GEMINI", "1", "GEMINI_API_KEY_1", M1, "GEMINI_BASE_URL", sim.baseUrl("gemini"),
                "NUM_OPENROUTER", "1", "OPENROUTER_API_KEY_1", O1, "OPENROUTER_BASE_URL", sim.baseUrl("openrouter"));
    }

    @Test
    void checkOnlinePrintsOneRowPerKeyAndFailsWhenAProviderRejectsOne() {
        Cli.Result ok = Cli.at(dir, env()).run("check", "--online");
        assertThat(ok.code()).as(ok.toString()).isZero();
        assertThat(ok.out()).contains("Keys online")
                .containsPattern("groq\\s+#1 " + ApiKey.fingerprint(G1).replace(".", "\\.") + "\\s+\\S+\\s+valid\\s+200\\s+-\\s+6: groq/compound")
                .containsPattern("openrouter\\s+#1 \\S+\\s+\\S+\\s+valid\\s+200\\s+…0001");

        sim.provider("groq").killKey(G2);
        sim.provider("openrouter").exhaustKeyLimit(O1);
        Cli.Result bad = Cli.at(dir, env()).run("check", "--online");
        assertThat(bad.code()).as(bad.toString()).isEqualTo(1);
        assertThat(bad.out()).containsPattern("groq\\s+#2 \\S+\\s+\\S+\\s+invalid\\s+401")
                .containsPattern("openrouter\\s+#1 \\S+\\s+\\S+\\s+key-limit")
                .contains("2 keys their providers do not accept now");
        assertThat(bad.all()).doesNotContain(G1, G2, M1, O1);
    }

    @Test
    void modelsOnlineShowsWhatTheProviderListsAgainstTheTable() throws Exception {
        Cli.Result r = Cli.at(dir, env()).run("models", "groq", "--online");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out()).contains("groq: 6 models listed by the provider (asked with key #1 ")
                .contains("default model openai/gpt-oss-120b: listed")
                .contains("new (listed, not in the table): 1 — moonshotai/kimi-k3")
                .contains("gone? (current in the table, not listed):").contains("openai/gpt-oss-safeguard-20b");

        Cli.Result gemini = Cli.at(dir, env()).run("models", "gemini", "--online");
        assertThat(gemini.code()).as("the default model is not listed").isEqualTo(1);
        assertThat(gemini.out()).contains("default model gemini-3.5-flash-lite: NOT LISTED")
                .containsPattern("listed although the table says retired/deprecated: \\d+ — .*gemini-2.5-flash");

        // a built-in provider without a default model (Mistral: every call names its model); the
        // simulator's Groq endpoint stands in for Mistral's, which speaks the same API
        Map<String, String> mistral = Map.of("NUM_MISTRAL", "1", "MISTRAL_API_KEY_1", G1, "MISTRAL_BASE_URL", sim.baseUrl("groq"));
        Cli.Result noDefault = Cli.at(dir, mistral).run("models", "mistral", "--online");
        assertThat(noDefault.code()).as(noDefault.toString()).isZero();
        assertThat(noDefault.out()).contains("default model: none set").doesNotContain("NOT LISTED");

        sim.provider("groq").killKey(G1);
        JsonNode json = Json.MAPPER.readTree(Cli.at(dir, env()).run("models", "groq", "--online", "--format", "json").out());
        assertThat(json.get(0).path("key").asText()).as("the first key that works").startsWith("#2 ");
        sim.provider("groq").killKey(G2);
        Cli.Result none = Cli.at(dir, env()).run("models", "groq", "--online");
        assertThat(none.out()).contains("groq: no key works (invalid");
    }
}
