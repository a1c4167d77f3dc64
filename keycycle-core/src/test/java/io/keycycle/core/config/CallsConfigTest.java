package io.keycycle.core.config;

import io.keycycle.Keycycle;
import io.keycycle.core.ConfigurationException;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The {@code calls:} section (deadline, request timeout, rotations and completion estimate of calls
 * that set none of their own), and {@code gateway.shutdown-grace: 0}.
 */
class CallsConfigTest {

    private static KeycycleConfig parse(String yaml) { return KeycycleConfig.parse(yaml, Map.of(), "test.yaml"); }

    @Test
    void withoutTheSectionTheDefaultsHold() {
        CallsConfig c = parse("selection: headroom\n").calls();
        assertThat(c).isEqualTo(CallsConfig.DEFAULT);
        assertThat(c.timeout()).isEqualTo(Duration.ofSeconds(120));
        assertThat(c.requestTimeout()).isEqualTo(Duration.ofSeconds(120));
        assertThat(c.maxRetries()).isEqualTo(5);
        assertThat(c.estimatedTokens()).isEqualTo(1000);
        assertThat(KeycycleConfig.empty().calls()).isEqualTo(CallsConfig.DEFAULT);
    }

    @Test
    void everySettingIsRead() {
        CallsConfig c = parse("calls:\n  timeout: 5m\n  request-timeout: 30s\n  max-retries: 0\n  estimated-tokens: 4K\n").calls();
        assertThat(c).isEqualTo(new CallsConfig(Duration.ofMinutes(5), Duration.ofSeconds(30), 0, 4_000));
        CallsConfig partial = parse("calls: { request-timeout: 1500ms }\n").calls();
        assertThat(partial.requestTimeout()).isEqualTo(Duration.ofMillis(1_500));
        assertThat(partial.timeout()).as("unset: the default").isEqualTo(Duration.ofSeconds(120));
    }

    @Test
    void badValuesAreReportedTogetherEachNamingItsKey() {
        assertThatThrownBy(() -> parse("calls:\n  timeout: 0s\n  request-timeout: soon\n  max-retries: -1\n  estimated-tokens: lots\n"))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("calls.timeout must be > 0")
                .hasMessageContaining("calls.request-timeout must be a duration")
                .hasMessageContaining("calls.max-retries must be >= 0")
                .hasMessageContaining("calls.estimated-tokens must be a whole number");
        assertThatThrownBy(() -> parse("calls:\n  retries: 3\n")).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("retries").hasMessageContaining("max-retries");
    }

    @Test
    void theEngineTakesItsDefaultsFromTheSectionAndTheBuilderWins() {
        KeycycleConfig file = parse("calls: { timeout: 45s, request-timeout: 20s, max-retries: 2, estimated-tokens: 300 }\n");
        try (Keycycle k = Keycycle.builder().env(Map.of()).config(file).shutdownHook(false).build()) {
            assertThat(k.requestTimeout()).isEqualTo(Duration.ofSeconds(20));
            assertThat(k.callSpec().timeout()).isEqualTo(Duration.ofSeconds(45));
            assertThat(k.callSpec().maxRetries()).isEqualTo(2);
            assertThat(k.callSpec().estimatedTokens()).isEqualTo(300);
            assertThat(k.callSpec().waitForKey()).isFalse();
        }
        try (Keycycle k = Keycycle.builder().env(Map.of()).config(file).requestTimeout(Duration.ofSeconds(7)).shutdownHook(false).build()) {
            assertThat(k.requestTimeout()).isEqualTo(Duration.ofSeconds(7));
        }
        try (Keycycle k = Keycycle.builder().env(Map.of()).shutdownHook(false).build()) {
            assertThat(k.requestTimeout()).isEqualTo(Duration.ofSeconds(120));
            assertThat(k.callSpec()).isEqualTo(io.keycycle.CallSpec.DEFAULT);
        }
    }

    @Test
    void aShutdownGraceOfZeroCutsAtOnceAndIsAccepted() {
        assertThat(parse("gateway:\n  shutdown-grace: 0\n").gateway().edge().shutdownGrace()).isZero();
        assertThat(parse("gateway:\n  shutdown-grace: 2m\n").gateway().edge().shutdownGrace()).isEqualTo(Duration.ofMinutes(2));
        assertThatThrownBy(() -> parse("gateway:\n  shutdown-grace: -1s\n")).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("gateway.shutdown-grace must be a duration").hasMessageContaining("or 0 to cut them at once");
    }
}
