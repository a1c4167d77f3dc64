package io.keycycle.core.pool;

import io.keycycle.Keycycle;
import io.keycycle.core.ApiKey;
import io.keycycle.core.ConfigurationException;
import io.keycycle.core.config.KeycycleConfig;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * With {@code allow-unknown-models} a gateway's client names the model, and the engine builds a ring
 * (a bucket per key) for each name it has not seen, kept for the pool's life. Until 2026-12-03 there
 * was no bound: a client sending made-up names grew the pool without end (about 1 KiB per key and
 * name). Models the table lists are never refused.
 */
class UnlistedModelsTest {

    @Test
    void unlistedModelsAreBoundedPerPoolAndListedOnesAreNot() {
        String yaml = "providers:\n  groq:\n    allow-unknown-models: true\n";
        List<ApiKey> keys = List.of(new ApiKey("groq", 1, "gsk_fake_unlisted_models_test_key_0001", "org-a"),
                new ApiKey("groq", 2, "gsk_fake_unlisted_models_test_key_0002", "org-b"));
        try (Keycycle k = Keycycle.builder().env(Map.of()).config(KeycycleConfig.parse(yaml, Map.of(), "test.yaml"))
                .keys("groq", keys).shutdownHook(false).build()) {
            KeyPool pool = k.pool("groq");
            for (int i = 0; i < ModelRings.MAX_UNLISTED_MODELS; i++) pool.acquire("made-up-model-" + i, 10).release();
            assertThatThrownBy(() -> pool.acquire("one-too-many", 10))
                    .isInstanceOf(ConfigurationException.class)
                    .hasMessageContaining("model 'one-too-many' refused")
                    .hasMessageContaining("providers.groq.models");
            pool.acquire("made-up-model-7", 10).release(); // one already counted is served
            pool.acquire("llama-3.1-8b-instant", 10).release(); // a listed model is never refused
            assertThat(pool.snapshot().buckets()).hasSizeLessThanOrEqualTo(keys.size() * (ModelRings.MAX_UNLISTED_MODELS + 1));
        }
    }
}
