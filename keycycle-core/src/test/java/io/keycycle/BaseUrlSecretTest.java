package io.keycycle;

import io.keycycle.core.ApiKey;
import io.keycycle.core.ConfigurationException;
import io.keycycle.core.config.KeycycleConfig;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A base URL that carries a key (Gemini's native API takes {@code ?key=…}, and a URL may hold
 * {@code user:password@}) is refused as a configuration problem that names where it came from and
 * shows no part of the secret; the HTTP client cannot use such a URL anyway.
 */
class BaseUrlSecretTest {

    private static final String SECRET = "fake-secret-in-a-url-not-a-real-key-0001";
    private static final ApiKey KEY = new ApiKey("gemini", 1, "fake-gemini-test-key-not-real-0001", null);

    private static Keycycle.Builder builder(String yaml, Map<String, String> env) {
        return Keycycle.builder().env(env).config(KeycycleConfig.parse(yaml, env, "t.yaml"))
                .discoverPersistence(false).shutdownHook(false).keys("gemini", List.of(KEY));
    }

    @Test
    void aKeyInTheQueryOfTheFilesBaseUrlIsRefusedWithoutShowingIt() {
        String yaml = "providers:\n  gemini:\n    base-url: \"https://generativelanguage.googleapis.com/v1beta/openai?key=" + SECRET + "\"\n";
        assertThatThrownBy(() -> builder(yaml, Map.of()).build().close())
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("providers.gemini.base-url")
                .hasMessageNotContaining(SECRET).hasMessageNotContaining(SECRET.substring(0, 12));
    }

    @Test
    void aKeyInTheQueryOfTheEnvironmentsBaseUrlIsRefusedWithoutShowingIt() {
        Map<String, String> env = Map.of("GEMINI_BASE_URL", "https://generativelanguage.googleapis.com/v1beta/openai?key=" + SECRET);
        assertThatThrownBy(() -> builder("providers: {}\n", env).build().close())
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("GEMINI_BASE_URL")
                .hasMessageNotContaining(SECRET).hasMessageNotContaining(SECRET.substring(0, 12));
    }

    @Test
    void aPasswordInTheBaseUrlIsRefusedNamingTheKey() {
        String yaml = "providers:\n  gemini:\n    base-url: \"https://me:" + SECRET + "@proxy.example.test/v1\"\n";
        assertThatThrownBy(() -> builder(yaml, Map.of()).build().close())
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("providers.gemini.base-url")
                .hasMessageNotContaining(SECRET);
    }
}
