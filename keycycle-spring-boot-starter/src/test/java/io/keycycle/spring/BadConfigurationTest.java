package io.keycycle.spring;

import io.keycycle.sim.ProviderKind;
import io.keycycle.sim.SimKey;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Bad configuration stops the application at start with Spring Boot's short failure report naming
 * the property to fix, not a stack of bean-creation errors. Nothing is called: no simulator needed.
 */
@ExtendWith(OutputCaptureExtension.class)
class BadConfigurationTest {

    private static Map<String, String> groqKeys(int declared, int present) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("NUM_GROQ", Integer.toString(declared));
        for (int i = 1; i <= present; i++) env.put("GROQ_API_KEY_" + i, SimKey.fakeSecret(ProviderKind.GROQ, i));
        env.put("GROQ_BASE_URL", "http://127.0.0.1:9/openai/v1");
        return env;
    }

    private static String failedStart(CapturedOutput output, Map<String, String> env, String... properties) {
        assertThatThrownBy(() -> TestApp.run(env, with(properties, "keycycle.database.url=none")).close()).isNotNull();
        String out = output.getAll();
        assertThat(out).contains("APPLICATION FAILED TO START");
        assertThat(out).as("stopped before any bean was created").doesNotContain("Error creating bean with name");
        assertThat(out).as("no stack trace").doesNotContainPattern("\\n\\s+at org\\.springframework");
        return out;
    }

    private static String[] with(String[] a, String b) {
        String[] r = java.util.Arrays.copyOf(a, a.length + 1);
        r[a.length] = b;
        return r;
    }

    @Test
    void aTierNamingAnUnknownModel(CapturedOutput output) {
        String out = failedStart(output, groqKeys(2, 2), "keycycle.tiers.fast=groq/llama-9-imaginary");
        assertThat(out).contains("Property: keycycle.tiers.fast[0]").contains("unknown model 'llama-9-imaginary' for groq");
    }

    @Test
    void aTierNamingAnUnknownProvider(CapturedOutput output) {
        String out = failedStart(output, groqKeys(2, 2), "keycycle.tiers.fast=nowhere/some-model");
        assertThat(out).contains("Property: keycycle.tiers.fast[0]").contains("unknown provider 'nowhere'");
    }

    @Test
    void aMalformedLimit(CapturedOutput output) {
        String out = failedStart(output, groqKeys(2, 2), "keycycle.providers.groq.models[llama-3.1-8b-instant].rpm=lots");
        assertThat(out).contains("Property: keycycle.providers.groq.models.llama-3.1-8b-instant.rpm").contains("lots");
    }

    @Test
    void aMalformedSelection(CapturedOutput output) {
        String out = failedStart(output, groqKeys(2, 2), "keycycle.selection=sideways");
        assertThat(out).contains("keycycle.selection").contains("sideways");
    }

    @Test
    void aMalformedDuration(CapturedOutput output) {
        String out = failedStart(output, groqKeys(2, 2), "keycycle.calls.timeout=soon");
        assertThat(out).contains("keycycle.calls.timeout").contains("soon");
    }

    @Test
    void noKeysAtAll(CapturedOutput output) {
        String out = failedStart(output, Map.of());
        assertThat(out).contains("Property: NUM_<PROVIDER>").contains("no API keys found");
    }

    @Test
    void aKeyCountThatIsNotANumber(CapturedOutput output) {
        Map<String, String> env = groqKeys(2, 2);
        env.put("NUM_GROQ", "two");
        String out = failedStart(output, env);
        assertThat(out).contains("Property: NUM_GROQ").doesNotContain(SimKey.fakeSecret(ProviderKind.GROQ, 1));
    }

    @Test
    void aTierWhoseProvidersHaveNoKeys(CapturedOutput output) {
        String out = failedStart(output, groqKeys(2, 2), "keycycle.tiers.fast=cerebras/gpt-oss-120b");
        assertThat(out).contains("Property: keycycle.tiers.fast").contains("NUM_CEREBRAS");
    }

    @Test
    void aConfigFileThatDoesNotExist(CapturedOutput output) {
        String out = failedStart(output, groqKeys(2, 2), "keycycle.config-file=/nonexistent/keycycle.yaml");
        assertThat(out).contains("Property: keycycle.config-file");
    }

    /**
     * A misspelt property is not silently dropped: until 2026-12-04 the application started and
     * ran without the limit or the timeout its owner believed set.
     */
    @Test
    void aMisspeltLimit(CapturedOutput output) {
        String out = failedStart(output, groqKeys(2, 2), "keycycle.providers.groq.models[llama-3.1-8b-instant].rmp=5");
        assertThat(out).contains("keycycle.providers.groq.models[llama-3.1-8b-instant].rmp");
    }

    @Test
    void aMisspeltCallSetting(CapturedOutput output) {
        String out = failedStart(output, groqKeys(2, 2), "keycycle.calls.timout=5s");
        assertThat(out).contains("keycycle.calls.timout");
    }

    @Test
    void aModelIdWithADotOutsideBrackets(CapturedOutput output) {
        String out = failedStart(output, groqKeys(2, 2), "keycycle.providers.groq.models.llama-3.1-8b-instant.rpm=5");
        assertThat(out).contains("keycycle.providers.groq.models.llama-3.1-8b-instant.rpm");
    }

    @Test
    void keycycleSystemPropertiesOfOtherPartsAreNotTakenForTypos() {
        String was = System.getProperty("keycycle.redis.functions");
        System.setProperty("keycycle.redis.functions", "true");
        try {
            TestApp.run(groqKeys(2, 2), "keycycle.database.url=none").close();
        } finally {
            if (was == null) System.clearProperty("keycycle.redis.functions");
            else System.setProperty("keycycle.redis.functions", was);
        }
    }

    /** The call settings are checked with the rest, before any bean is created (until 2026-12-04: when the beans were). */
    @Test
    void aNegativeMaxRetries(CapturedOutput output) {
        String out = failedStart(output, groqKeys(2, 2), "keycycle.calls.max-retries=-1");
        assertThat(out).contains("Property: keycycle.calls.max-retries").contains("-1");
    }

    @Test
    void aZeroCallTimeout(CapturedOutput output) {
        String out = failedStart(output, groqKeys(2, 2), "keycycle.calls.timeout=0s");
        assertThat(out).contains("Property: keycycle.calls.timeout");
    }

    @Test
    void aZeroRequestTimeout(CapturedOutput output) {
        String out = failedStart(output, groqKeys(2, 2), "keycycle.calls.request-timeout=0s");
        assertThat(out).contains("Property: keycycle.calls.request-timeout");
    }
}
