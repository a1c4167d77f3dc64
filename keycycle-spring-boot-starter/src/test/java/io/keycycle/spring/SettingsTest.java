package io.keycycle.spring;

import io.keycycle.core.Limits;
import io.keycycle.core.config.Catalog;
import io.keycycle.core.config.KeycycleConfig;
import io.keycycle.core.config.ModelRef;
import io.keycycle.core.pool.Selection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.mock.env.MockEnvironment;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The keycycle.* properties mean what the same keycycle.yaml means; the file is used when they define nothing. */
class SettingsTest {

    private static KeycycleProperties bind(MockEnvironment env) {
        return Binder.get(env).bind("keycycle", KeycycleProperties.class).orElseGet(KeycycleProperties::new);
    }

    @Test
    void propertiesMirrorTheYaml() {
        MockEnvironment env = new MockEnvironment()
                .withProperty("keycycle.providers.groq.base-url", "http://127.0.0.1:9001/openai/v1")
                .withProperty("keycycle.providers.groq.default-model", "llama-3.1-8b-instant")
                .withProperty("keycycle.providers.groq.models[llama-3.3-70b-versatile].rpm", "7")
                .withProperty("keycycle.providers.groq.models[llama-3.3-70b-versatile].tpd", "250K")
                .withProperty("keycycle.providers.groq.keys.2.scope", "org-b")
                .withProperty("keycycle.providers.groq.models[*].rpd", "900")
                .withProperty("keycycle.providers.openrouter.strategy", "global")
                .withProperty("keycycle.tiers.strong", "groq/llama-3.3-70b-versatile, openrouter/meta-llama/llama-3.3-70b-instruct:free")
                .withProperty("keycycle.selection", "round-robin")
                .withProperty("keycycle.database.url", "jdbc:sqlite:/tmp/x.db");
        KeycycleConfig c = KeycycleSetup.Settings.resolve(bind(env), env).config();

        assertThat(c.selection()).isEqualTo(Selection.ROUND_ROBIN);
        assertThat(c.database().url()).isEqualTo("jdbc:sqlite:/tmp/x.db");
        assertThat(c.tiers().get("strong").models()).containsExactly(new ModelRef("groq", "llama-3.3-70b-versatile"),
                new ModelRef("openrouter", "meta-llama/llama-3.3-70b-instruct:free"));
        assertThat(c.provider("groq").baseUrl()).hasToString("http://127.0.0.1:9001/openai/v1");
        assertThat(c.provider("groq").defaultModel()).isEqualTo("llama-3.1-8b-instant");
        assertThat(c.provider("groq").keys().get("2").scope()).isEqualTo("org-b");
        Limits limits = Catalog.load(c).describe("groq", "llama-3.3-70b-versatile").limits().limits();
        assertThat(limits.rpm()).isEqualTo(7);
        assertThat(limits.tpd()).isEqualTo(250_000);
        assertThat(Catalog.load(c).describe("groq", "llama-3.1-8b-instant").limits().limits().rpd())
                .as("[*] is the provider default, below the built-in table per model").isPositive();
        assertThat(c.provider("groq").models()).containsKey("*");
    }

    @Test
    void theSameSettingsAsYamlGiveTheSameConfiguration() {
        MockEnvironment env = new MockEnvironment()
                .withProperty("keycycle.providers.cerebras.models[gpt-oss-120b].rpm", "5")
                .withProperty("keycycle.tiers.fast", "cerebras/gpt-oss-120b,groq/llama-3.1-8b-instant");
        KeycycleConfig fromProperties = KeycycleSetup.Settings.resolve(bind(env), env).config();
        KeycycleConfig fromYaml = KeycycleConfig.parse("""
                providers:
                  cerebras:
                    models:
                      gpt-oss-120b: { rpm: 5 }
                tiers:
                  fast: [cerebras/gpt-oss-120b, groq/llama-3.1-8b-instant]
                """, Map.of(), "keycycle.yaml");
        assertThat(fromProperties.providers()).isEqualTo(fromYaml.providers());
        assertThat(fromProperties.tiers()).isEqualTo(fromYaml.tiers());
        assertThat(fromProperties.selection()).isEqualTo(fromYaml.selection());
    }

    @Test
    void theConfigFileIsReadWhenThePropertiesDefineNothing(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("keycycle.yaml");
        Files.writeString(file, "tiers:\n  cheap: [groq/llama-3.1-8b-instant]\n");
        MockEnvironment env = new MockEnvironment().withProperty("keycycle.config-file", file.toString())
                .withProperty("keycycle.database.url", "none");
        KeycycleConfig c = KeycycleSetup.Settings.resolve(bind(env), env).config();
        assertThat(c.tiers()).containsOnlyKeys("cheap");
    }

    @Test
    void theFilesCallsSectionIsTheDefaultOfTheCallPropertiesAndEachPropertySetWins(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("keycycle.yaml");
        Files.writeString(file, "calls: { timeout: 45s, request-timeout: 20s, max-retries: 1, estimated-tokens: 300 }\n");
        Path dotEnv = dir.resolve("keys.env");
        Files.writeString(dotEnv, "NUM_GROQ=1\nGROQ_API_KEY_1=gsk_fake_spring_calls_key_one\n");
        MockEnvironment env = new MockEnvironment().withProperty("keycycle.config-file", file.toString())
                .withProperty("keycycle.env-file", dotEnv.toString()).withProperty("keycycle.database.url", "none");
        KeycycleProperties unset = bind(env);
        try (io.keycycle.Keycycle keycycle = KeycycleSetup.Settings.resolve(unset, env).build(java.util.List.of())) {
            assertThat(keycycle.requestTimeout()).isEqualTo(java.time.Duration.ofSeconds(20));
            io.keycycle.CallSpec spec = KeycycleSetup.callSpec(unset, keycycle.callSpec());
            assertThat(spec.timeout()).isEqualTo(java.time.Duration.ofSeconds(45));
            assertThat(spec.maxRetries()).isEqualTo(1);
            assertThat(spec.estimatedTokens()).isEqualTo(300);
        }
        env.withProperty("keycycle.calls.max-retries", "3").withProperty("keycycle.calls.request-timeout", "7s");
        KeycycleProperties set = bind(env);
        try (io.keycycle.Keycycle keycycle = KeycycleSetup.Settings.resolve(set, env).build(java.util.List.of())) {
            assertThat(keycycle.requestTimeout()).isEqualTo(java.time.Duration.ofSeconds(7));
            io.keycycle.CallSpec spec = KeycycleSetup.callSpec(set, keycycle.callSpec());
            assertThat(spec.maxRetries()).as("the property").isEqualTo(3);
            assertThat(spec.timeout()).as("not set: the file's").isEqualTo(java.time.Duration.ofSeconds(45));
        }
    }

    @Test
    void keysComeFromTheEnvFileTheEnvFilePropertyNames(@TempDir Path dir) throws Exception {
        Path dotEnv = dir.resolve("keys.env");
        Files.writeString(dotEnv, "NUM_GROQ=2\nGROQ_API_KEY_1=gsk_fake_spring_env_key_one\nGROQ_API_KEY_2=gsk_fake_spring_env_key_two\n");
        MockEnvironment env = new MockEnvironment().withProperty("keycycle.env-file", dotEnv.toString())
                .withProperty("keycycle.database.url", "none");
        KeycycleSetup.Settings settings = KeycycleSetup.Settings.resolve(bind(env), env);
        assertThat(settings.dotEnv()).isEqualTo(dotEnv);
        settings.checkKeys(); // no key anywhere else: this fails with "no keys" unless the file is read
        try (io.keycycle.Keycycle keycycle = settings.build(java.util.List.of())) {
            assertThat(keycycle.pool("groq").keys()).hasSize(2);
            assertThat(keycycle.pool("groq").keys().toString()).doesNotContain("gsk_fake_spring_env_key");
        }

        MockEnvironment none = new MockEnvironment().withProperty("keycycle.database.url", "none");
        KeycycleSetup.Settings without = KeycycleSetup.Settings.resolve(bind(none), none);
        assertThatThrownBy(without::checkKeys).as("the same settings without the file have no key").hasMessageContaining("NUM_");

        MockEnvironment missing = new MockEnvironment().withProperty("keycycle.env-file", dir.resolve("absent.env").toString());
        assertThatThrownBy(() -> KeycycleSetup.Settings.resolve(bind(missing), missing))
                .isInstanceOf(KeycyclePropertyException.class).hasMessageContaining("keycycle.env-file").hasMessageContaining("does not exist");
    }

    @Test
    void environmentStyleVariablesComeFromEveryPropertySource() {
        MockEnvironment env = new MockEnvironment().withProperty("NUM_GROQ", "2").withProperty("GROQ_API_KEY_1", "${SECRET_ONE}")
                .withProperty("SECRET_ONE", "resolved").withProperty("spring.application.name", "x");
        Map<String, String> vars = KeycycleSetup.variables(env);
        assertThat(vars).containsEntry("NUM_GROQ", "2").containsEntry("GROQ_API_KEY_1", "resolved").doesNotContainKey("spring.application.name");
        MockEnvironment odd = new MockEnvironment().withProperty("PROMPT_COMMAND", "echo ${UNSET_SOMEWHERE}");
        assertThat(KeycycleSetup.variables(odd)).as("an unresolvable value is taken as it is, not a start-up failure")
                .containsEntry("PROMPT_COMMAND", "echo ${UNSET_SOMEWHERE}");
    }

    @Test
    void aParserMessageNamesTheProperty() {
        assertThat(ConfigDocument.asProperties("providers.groq.models.x.rpm must be a whole number (keycycle application properties line 5)"))
                .isEqualTo("keycycle.providers.groq.models.x.rpm must be a whole number");
        assertThat(ConfigDocument.firstProperty("keycycle.tiers.fast[0]: unknown model 'y'", "?")).isEqualTo("keycycle.tiers.fast[0]");
        assertThat(KeycycleSetup.keyVariable("the key set-up has errors:\n  ERROR groq: NUM_GROQ is not a whole number")).isEqualTo("NUM_GROQ");
    }

    @Test
    void aTierOfUnknownModelsFailsNamingItsProperty() {
        MockEnvironment env = new MockEnvironment().withProperty("keycycle.tiers.fast", "groq/not-a-model");
        assertThatThrownBy(() -> KeycycleSetup.Settings.resolve(bind(env), env))
                .isInstanceOf(KeycyclePropertyException.class)
                .satisfies(e -> assertThat(((KeycyclePropertyException) e).property()).startsWith("keycycle.tiers.fast"));
    }
}
