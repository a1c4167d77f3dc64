package io.keycycle.gateway;

import io.keycycle.Keycycle;
import io.keycycle.sim.FaultKind;
import io.keycycle.sim.SimLimits;
import io.keycycle.sim.SimProvider;
import io.keycycle.sim.Simulator;
import io.keycycle.store.KeycycleStore;
import io.keycycle.store.StoreConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import static io.keycycle.gateway.TestGateway.MODEL;
import static io.keycycle.gateway.TestGateway.TARGET;
import static io.keycycle.gateway.TestGateway.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** At a load limit the gateway answers 503 with Retry-After and counts it, instead of queueing. */
class OverloadTest {

    Simulator sim;
    TestGateway gw;
    KeycycleStore store;

    void start(KeycycleGateway.Builder limits) {
        sim = Simulator.builder().chunkInterval(Duration.ofMillis(100))
                .provider(SimProvider.groq().fakeKeys(2).model(MODEL, SimLimits.UNLIMITED).build()).build().start();
        var keycycle = TestGateway.keycycle(sim, 2, "rpm: 1000", null).build();
        KeycycleGateway g = limits.keycycle(keycycle).port(0).build();
        g.start();
        gw = TestGateway.over(keycycle, g);
    }

    @AfterEach
    void stop() {
        if (gw != null) gw.close();
        if (store != null) store.close();
        if (sim != null) sim.close();
    }

    CompletableFuture<HttpResponse<String>> async(String body) {
        return gw.http.sendAsync(gw.request("/v1/chat/completions").header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static void assertOverloaded(HttpResponse<String> r) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
        assertThat(r.headers().firstValue("retry-after")).hasValue("1");
        assertThat(json(r).path("error").path("code").asText()).isEqualTo("keycycle_overloaded");
    }

    @Test
    void aStreamOverTheLimitIsA503AndTheSlotComesBack() {
        start(KeycycleGateway.builder().maxStreams(1));
        CompletableFuture<HttpResponse<String>> first = async(TestGateway.chatBody(TARGET, "the one stream", true));
        await().atMost(Duration.ofSeconds(5)).until(() -> gw.keycycle.pool("groq").openLeases() == 1);
        assertOverloaded(gw.chat(TestGateway.chatBody(TARGET, "one too many", true)));
        assertThat(first.join().statusCode()).isEqualTo(200);
        assertThat(gw.chat(TestGateway.chatBody(TARGET, "a slot again", true)).statusCode()).isEqualTo(200);
        assertThat(gw.get("/metrics").body()).contains("keycycle_gateway_overloaded_total{limit=\"streams\"} 1.0");
    }

    @Test
    void aStreamWhoseClientHangsUpGivesItsSlotBack() throws Exception {
        start(KeycycleGateway.builder().maxStreams(1));
        for (int i = 0; i < 3; i++) {
            try (java.net.Socket s = new java.net.Socket("127.0.0.1", gw.gateway.port())) {
                byte[] body = TestGateway.chatBody(TARGET, "hang up " + i, true).getBytes(java.nio.charset.StandardCharsets.UTF_8);
                s.getOutputStream().write(("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                        + "Content-Length: " + body.length + "\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                s.getOutputStream().write(body);
                assertThat(s.getInputStream().read(new byte[256])).as("the stream began").isPositive();
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> gw.keycycle.pool("groq").openLeases() == 0);
        }
        assertThat(gw.chat(TestGateway.chatBody(TARGET, "the slot is free", true)).statusCode()).isEqualTo(200);
    }

    @Test
    void aPlainRequestOverTheLimitIsA503() {
        start(KeycycleGateway.builder().maxInFlight(1));
        sim.provider("groq").failNext(1, FaultKind.SLOW(Duration.ofMillis(1500)));
        CompletableFuture<HttpResponse<String>> first = async(TestGateway.chatBody(TARGET, "slow one", false));
        await().atMost(Duration.ofSeconds(5)).until(() -> gw.keycycle.pool("groq").openLeases() == 1);
        assertOverloaded(gw.chat(TARGET, "one too many"));
        assertThat(first.join().statusCode()).isEqualTo(200);
        assertThat(gw.chat(TARGET, "a slot again").statusCode()).isEqualTo(200);
        assertThat(gw.get("/metrics").body()).contains("keycycle_gateway_overloaded_total{limit=\"in-flight\"} 1.0");
    }

    /**
     * The disk takes nothing (the journal directory's path turns into a plain file, which stops root
     * too) and the database takes nothing (a held write lock): the store holds events in memory up to
     * its bound and, from half of it, says it is full. New requests then get 503 with Retry-After,
     * counted like the other load limits, and /readyz says why; every request answered before is
     * in the database once the disk and the database work again, and the gateway serves again.
     */
    @Test
    void whileTheStoreIsFullNewRequestsAre503AndEveryAnsweredOneIsRecorded(@TempDir Path dir) throws Exception {
        sim = Simulator.builder().provider(SimProvider.groq().fakeKeys(2).model(MODEL, SimLimits.UNLIMITED).build()).build().start();
        String url = "jdbc:sqlite:" + dir.resolve("keycycle.db");
        Path journal = dir.resolve("journal");
        Path away = dir.resolve("journal-away");
        store = KeycycleStore.open(StoreConfig.builder(url).journalDir(journal).shutdownHook(false).connectionTimeout(Duration.ofSeconds(5))
                .queueCapacity(4).batchSize(2).overflowCapacity(20).build());
        Keycycle keycycle = TestGateway.keycycle(sim, 2, "rpm: 1000", null).persistence(store).build();
        KeycycleGateway g = KeycycleGateway.builder().keycycle(keycycle).store(store).port(0).build();
        g.start();
        gw = TestGateway.over(keycycle, g);
        int answered = 0;
        HttpResponse<String> refused = null;
        try (Connection lock = DriverManager.getConnection(url); Statement st = lock.createStatement()) {
            st.execute("BEGIN IMMEDIATE"); // the database takes nothing while this is held
            Files.move(journal, away);
            Files.writeString(journal, "not a directory");
            for (int i = 0; i < 60 && refused == null; i++) {
                HttpResponse<String> r = gw.chat(TARGET, "request " + i);
                if (r.statusCode() == 200) answered++;
                else refused = r;
            }
            assertThat(refused).as("a 503 once the store is full").isNotNull();
            assertOverloaded(refused);
            assertThat(answered).isBetween(10, 20);
            assertThat(gw.get("/metrics").body()).contains("keycycle_gateway_overloaded_total{limit=\"store\"} 1.0")
                    .contains("keycycle_store_full 1.0");
            HttpResponse<String> ready = gw.get("/readyz");
            assertThat(ready.statusCode()).isEqualTo(503);
            assertThat(json(ready).path("store").path("full").asBoolean()).isTrue();
            assertThat(store.health().eventsLost()).isZero();
            st.execute("ROLLBACK");
            Files.delete(journal);
            Files.move(away, journal);
        }
        assertThat(store.flush(Duration.ofSeconds(30))).isTrue();
        try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM keycycle_usage")) {
            rs.next();
            assertThat(rs.getLong(1)).as("usage rows = answered requests").isEqualTo(answered);
        }
        assertThat(store.full()).isFalse();
        assertThat(gw.chat(TARGET, "served again").statusCode()).isEqualTo(200);
    }

    /**
     * The database takes nothing (a held write lock) but the disk does: once the small queue is full
     * the store writes events through its journal, /metrics counts them in
     * keycycle_store_events_spilled_total, requests go on being answered, and every one is in the
     * database once the lock is gone.
     */
    @Test
    void eventsSpilledToTheJournalAreCountedInMetricsAndAllRecorded(@TempDir Path dir) throws Exception {
        sim = Simulator.builder().provider(SimProvider.groq().fakeKeys(2).model(MODEL, SimLimits.UNLIMITED).build()).build().start();
        String url = "jdbc:sqlite:" + dir.resolve("keycycle.db");
        store = KeycycleStore.open(StoreConfig.builder(url).journalDir(dir.resolve("journal")).shutdownHook(false)
                .connectionTimeout(Duration.ofSeconds(5)).queueCapacity(4).batchSize(2).build());
        Keycycle keycycle = TestGateway.keycycle(sim, 2, "rpm: 1000", null).persistence(store).build();
        KeycycleGateway g = KeycycleGateway.builder().keycycle(keycycle).store(store).port(0).build();
        g.start();
        gw = TestGateway.over(keycycle, g);
        assertThat(spilledMetric()).isZero();
        int requests = 12;
        try (Connection lock = DriverManager.getConnection(url); Statement st = lock.createStatement()) {
            st.execute("BEGIN IMMEDIATE"); // the database takes nothing while this is held
            for (int i = 0; i < requests; i++) assertThat(gw.chat(TARGET, "request " + i).statusCode()).isEqualTo(200);
            // at most the queue (4) and the writer's batch (2) are outside the journal
            assertThat(store.health().eventsSpilled()).isGreaterThanOrEqualTo(requests - 6);
            assertThat(spilledMetric()).isEqualTo(store.health().eventsSpilled());
            st.execute("ROLLBACK");
        }
        assertThat(store.flush(Duration.ofSeconds(30))).isTrue();
        try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM keycycle_usage")) {
            rs.next();
            assertThat(rs.getLong(1)).as("usage rows = answered requests").isEqualTo(requests);
        }
        assertThat(store.health().eventsLost()).isZero();
        assertThat(spilledMetric()).isEqualTo(store.health().eventsSpilled()).isPositive();
        // SQLite's WAL checkpoints (off the writer's thread) are counted too, and none failed while
        // the lock was held (a passive checkpoint does not wait for the writer's lock); one may still
        // be due 200 ms after the last commit, so compare once they settle
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(metric("keycycle_store_wal_checkpoints_seconds_count")).isPositive().isEqualTo(store.walCheckpoints().checkpoints());
            assertThat(metric("keycycle_store_wal_frames")).isPositive().isEqualTo(store.walCheckpoints().logFrames());
        });
        assertThat(metric("keycycle_store_wal_checkpoint_failures_total")).isZero();
    }

    private long spilledMetric() { return metric("keycycle_store_events_spilled_total"); }

    private long metric(String name) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^" + name + " ([0-9.E]+)$")
                .matcher(gw.get("/metrics").body());
        assertThat(m.find()).as(name + " in /metrics").isTrue();
        return (long) Double.parseDouble(m.group(1));
    }
}
