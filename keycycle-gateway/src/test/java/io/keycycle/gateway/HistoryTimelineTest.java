package io.keycycle.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import io.keycycle.Keycycle;
import io.keycycle.core.ApiKey;
import io.keycycle.core.KeyState;
import io.keycycle.core.KeycycleEvent;
import io.keycycle.store.KeycycleStore;
import io.keycycle.store.StoreConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static io.keycycle.gateway.TestGateway.json;
import static org.assertj.core.api.Assertions.assertThat;

/** The key-state timeline of {@code /api/history} shows what holds now, however long ago it began. */
class HistoryTimelineTest {

    @TempDir Path dir;
    final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) open.get(i).close();
    }

    @Test
    void aKeyDisabledDaysAgoIsOnTheTimelineOfTheLastHour() {
        KeycycleStore store = KeycycleStore.open(StoreConfig.builder("jdbc:sqlite:" + dir.resolve("kc.db"))
                .journalDir(dir.resolve("j")).shutdownHook(false).build());
        open.add(store);
        String fp = ApiKey.fingerprint(TestGateway.secret(1));
        Instant threeDaysAgo = Instant.now().minus(Duration.ofDays(3));
        store.onEvent(new KeycycleEvent.StateChanged(threeDaysAgo, "groq", KeycycleEvent.Level.KEY, "key-" + fp, fp, null,
                KeyState.DISABLED, null, "disabled by operator: leaked in a public repo"));
        assertThat(store.flush(Duration.ofSeconds(10))).isTrue();

        Keycycle kc = ForecastAndPlanTest.groq(2, "rpm: 10", "sliding").baseUrl("groq", URI.create("http://127.0.0.1:9"))
                .persistence(store).build();
        open.add(kc);
        KeycycleGateway gw = KeycycleGateway.builder().keycycle(kc).store(store).host("127.0.0.1").port(0).build();
        open.add(gw);
        gw.start();
        TestGateway http = TestGateway.over(kc, gw);
        assertThat(kc.pool("groq").snapshot().keys().get(0).state()).as("hydrated from the store").isEqualTo(KeyState.DISABLED);

        JsonNode h = json(http.get("/api/history?range=1h"));
        assertThat(h.path("source").asText()).isEqualTo("store");
        assertThat(h.path("timeline")).as("the timeline of the last hour: " + h.path("timeline"))
                .anySatisfy(i -> {
                    assertThat(i.path("subject").asText()).isEqualTo(fp);
                    assertThat(i.path("state").asText()).isEqualTo("DISABLED");
                    assertThat(i.path("ongoing").asBoolean()).isTrue();
                    assertThat(i.path("reason").asText()).contains("leaked in a public repo");
                });
    }
}
