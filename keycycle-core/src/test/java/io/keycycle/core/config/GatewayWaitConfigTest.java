package io.keycycle.core.config;

import io.keycycle.core.ConfigurationException;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code gateway.wait-for-key}: a duration or 0 (fail fast, the default); anything else is an error naming the key. */
class GatewayWaitConfigTest {

    private static GatewayConfig gateway(String value) {
        return KeycycleConfig.parse("gateway:\n  wait-for-key: " + value + "\n", Map.of(), "test.yaml").gateway();
    }

    @Test
    void aDurationOrZero() {
        assertThat(KeycycleConfig.parse("gateway:\n  port: 9000\n", Map.of(), "test.yaml").gateway().waitForKey()).isZero();
        assertThat(gateway("30s").waitForKey()).isEqualTo(Duration.ofSeconds(30));
        assertThat(gateway("2m").waitForKey()).isEqualTo(Duration.ofMinutes(2));
        assertThat(gateway("PT1.5S").waitForKey()).isEqualTo(Duration.ofMillis(1_500));
        assertThat(gateway("0").waitForKey()).isZero();
        assertThat(gateway("0s").waitForKey()).isZero();
    }

    @Test
    void aBadValueIsAnErrorNamingTheKey() {
        for (String bad : new String[]{"soon", "-5s", "PT-5S", "30", "[1]"}) {
            assertThatThrownBy(() -> gateway(bad)).as(bad).isInstanceOf(ConfigurationException.class)
                    .hasMessageContaining("gateway.wait-for-key");
        }
    }
}
