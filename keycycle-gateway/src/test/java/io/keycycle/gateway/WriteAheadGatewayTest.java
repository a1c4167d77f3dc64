package io.keycycle.gateway;

import io.keycycle.Keycycle;
import io.keycycle.sim.SimLimits;
import io.keycycle.sim.SimProvider;
import io.keycycle.sim.Simulator;
import io.keycycle.store.KeycycleStore;
import io.keycycle.store.StoreConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.stream.Stream;

import static io.keycycle.gateway.TestGateway.MODEL;
import static io.keycycle.gateway.TestGateway.TARGET;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The usage event of a plain answer is in a write-ahead file by the time the client has the
 * answer, even while the database takes nothing: a crash after the answer cannot lose it.
 */
class WriteAheadGatewayTest {

    @TempDir Path dir;
    Simulator sim;
    KeycycleGateway gateway;
    Keycycle keycycle;
    KeycycleStore store;

    @AfterEach
    void stop() {
        if (gateway != null) gateway.close();
        if (keycycle != null) keycycle.close();
        if (store != null) store.close();
        if (sim != null) sim.close();
    }

    @Test
    void everyAnsweredRequestIsOnDiskBeforeTheClientHasItsAnswer() throws Exception {
        sim = Simulator.builder().provider(SimProvider.groq().fakeKeys(1).model(MODEL, SimLimits.UNLIMITED).build()).build().start();
        String url = "jdbc:sqlite:" + dir.resolve("keycycle.db");
        store = KeycycleStore.open(StoreConfig.builder(url).journalDir(dir.resolve("journal")).shutdownHook(false)
                .batchInterval(Duration.ofSeconds(5)).build());
        keycycle = TestGateway.keycycle(sim, 1, "rpm: 1000", null).persistence(store).build();
        gateway = KeycycleGateway.builder().keycycle(keycycle).store(store).host("127.0.0.1").port(0).build();
        gateway.start();
        TestGateway http = TestGateway.over(keycycle, gateway);
        try (Connection lock = DriverManager.getConnection(url); Statement st = lock.createStatement()) {
            st.execute("BEGIN IMMEDIATE"); // the database takes nothing while this is held
            for (int i = 1; i <= 5; i++) {
                assertThat(http.chat(TARGET, "request " + i).statusCode()).isEqualTo(200);
                assertThat(usageLines(store.journalDir())).as("after answer %d", i).isEqualTo(i);
            }
            st.execute("ROLLBACK");
        }
        assertThat(store.flush(Duration.ofSeconds(20))).isTrue();
    }

    /** Distinct usage events on disk (an event may be in a write-ahead file and a segment both). */
    private static long usageLines(Path journal) throws IOException {
        java.util.Set<String> ids = new java.util.HashSet<>();
        try (Stream<Path> files = Files.list(journal)) {
            // write-ahead files, or journal segments should the writer have given up on the locked database
            for (Path p : files.filter(f -> f.getFileName().toString().matches("(wal|seg)-.*\\.jsonl")).toList()) {
                for (String l : Files.readAllLines(p)) {
                    com.fasterxml.jackson.databind.JsonNode n = Jsons.tryParse(l);
                    if (n != null && "usage".equals(n.path("t").asText())) ids.add(n.path("eventId").asText());
                }
            }
        }
        return ids.size();
    }

}
