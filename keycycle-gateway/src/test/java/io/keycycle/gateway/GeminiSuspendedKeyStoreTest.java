package io.keycycle.gateway;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.keycycle.CallSpec;
import io.keycycle.Keycycle;
import io.keycycle.core.ApiKey;
import io.keycycle.core.KeyState;
import io.keycycle.core.config.KeycycleConfig;
import io.keycycle.core.pool.PoolSnapshot;
import io.keycycle.sim.ProviderKind;
import io.keycycle.sim.SimKey;
import io.keycycle.sim.SimLimits;
import io.keycycle.sim.SimProvider;
import io.keycycle.sim.Simulator;
import io.keycycle.store.KeycycleStore;
import io.keycycle.store.StoreConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A Gemini key Google suspended (403 {@code CONSUMER_SUSPENDED} naming {@code api_key:…}) is disabled
 * alone, and stays disabled after a restart on the same SQLite file, while the other key of its
 * project serves before and after.
 */
class GeminiSuspendedKeyStoreTest {

    static final String MODEL = "gemini-3.5-flash";
    static final String PROJECT = "578829824020";

    @TempDir Path dir;

    KeycycleStore openStore() {
        return KeycycleStore.open(StoreConfig.builder("jdbc:sqlite:" + dir.resolve("keycycle.db"))
                .journalDir(dir.resolve("journal")).shutdownHook(false).build());
    }

    Keycycle keycycle(Simulator sim, KeycycleStore store) {
        String yaml = "providers:\n  gemini:\n    models:\n      " + MODEL + ": { rpm: unlimited, rpd: unlimited, tpm: unlimited }\n";
        List<ApiKey> keys = List.of(new ApiKey("gemini", 1, secret(1), PROJECT), new ApiKey("gemini", 2, secret(2), PROJECT));
        return Keycycle.builder().env(Map.of()).config(KeycycleConfig.parse(yaml, Map.of(), "test.yaml"))
                .keys("gemini", keys).baseUrl("gemini", URI.create(sim.baseUrl("gemini")))
                .shutdownHook(false).persistence(store).build();
    }

    static String secret(int i) {
        return SimKey.fakeSecret(ProviderKind.GEMINI, i);
    }

    static ObjectNode chat(String text) {
        ObjectNode body = new ObjectMapper().createObjectNode();
        body.putArray("messages").addObject().put("role", "user").put("content", text);
        return body;
    }

    static List<KeyState> states(Keycycle kc) {
        return kc.pool("gemini").snapshot().keys().stream().map(PoolSnapshot.KeyView::state).toList();
    }

    @Test
    void aSuspendedKeyStaysDisabledAfterARestartAndItsProjectKeepsServing() {
        try (Simulator sim = Simulator.builder().provider(SimProvider.gemini().model(MODEL, SimLimits.UNLIMITED)
                .key(secret(1), PROJECT).key(secret(2), PROJECT).build()).build().start()) {
            sim.provider("gemini").setKeyState(secret(1), io.keycycle.sim.KeyState.CONSUMER_SUSPENDED);
            try (Keycycle kc = keycycle(sim, openStore())) {
                for (int i = 0; i < 10; i++) {
                    assertThat(kc.chat("gemini/" + MODEL, chat("call " + i), CallSpec.defaults()).value().status()).isEqualTo(200);
                }
                assertThat(states(kc)).containsExactly(KeyState.DISABLED, KeyState.READY);
            }                                                      // closing the Keycycle drains the store
            long before = sim.stats().totalRequests();

            try (Keycycle kc = keycycle(sim, openStore())) {
                assertThat(states(kc)).as("restored from the database").containsExactly(KeyState.DISABLED, KeyState.READY);
                for (int i = 0; i < 10; i++) {
                    assertThat(kc.chat("gemini/" + MODEL, chat("again " + i), CallSpec.defaults()).value().status()).isEqualTo(200);
                }
                assertThat(sim.stats().totalRequests() - before).as("every call after the restart went to key 2 and succeeded")
                        .isEqualTo(10);
                assertThat(sim.stats().total("gemini").successes()).isEqualTo(20);
                kc.persistence().orElseThrow().close();
            }
        }
    }
}
