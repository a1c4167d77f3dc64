package io.keycycle.gateway;

import io.keycycle.Keycycle;
import io.keycycle.sim.SimLimits;
import io.keycycle.sim.SimProvider;
import io.keycycle.sim.Simulator;
import io.keycycle.store.KeycycleStore;
import io.keycycle.store.testing.DatabaseTest;
import io.keycycle.store.testing.TestDatabase;
import org.junit.jupiter.api.AfterEach;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.keycycle.gateway.TestGateway.MODEL;
import static io.keycycle.gateway.TestGateway.TARGET;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The dashboard's snapshots are built on a bounded worker pool: when they are slow (here every
 * snapshot waits for the usage table, write-locked by another MariaDB session), new
 * listeners beyond the queue get 503 with Retry-After and a metric instead of a growing queue, and
 * the one-second ticks merge instead of piling up pushes for later.
 */
class DashboardOverloadTest {

    Simulator sim;
    KeycycleGateway gateway;
    Keycycle keycycle;
    KeycycleStore store;
    final List<HttpResponse<InputStream>> open = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (HttpResponse<InputStream> r : open) r.body().close();
        if (gateway != null) gateway.close();
        if (keycycle != null) keycycle.close();
        if (store != null) store.close();
        if (sim != null) sim.close();
    }

    TestGateway start(TestDatabase db) {
        sim = Simulator.builder().provider(SimProvider.groq().fakeKeys(1).model(MODEL, SimLimits.UNLIMITED).build()).build().start();
        store = db.open(db.config().build());
        keycycle = TestGateway.keycycle(sim, 1, "rpm: 1000", null).persistence(store).build();
        gateway = KeycycleGateway.builder().keycycle(keycycle).store(store).port(0).workerThreads(1).build(); // 4 may wait
        gateway.start();
        TestGateway gw = TestGateway.over(keycycle, gateway);
        assertThat(gw.chat(TARGET, "some usage").statusCode()).isEqualTo(200);
        assertThat(store.flush(Duration.ofSeconds(10))).isTrue();
        return gw;
    }

    HttpResponse<InputStream> listen(TestGateway gw) throws Exception {
        return gw.http.send(gw.request("/api/events").GET().build(), HttpResponse.BodyHandlers.ofInputStream());
    }

    @DatabaseTest(TestDatabase.Kind.MARIADB)
    void newListenersBeyondTheWorkerQueueAre503WithRetryAfter(TestDatabase db) throws Exception {
        TestGateway gw = start(db);
        int refused = 0;
        AutoCloseable lock = db.holdWriteLock(); // a snapshot's storage query waits until it is released
        try {
            for (int i = 0; i < 12; i++) {
                HttpResponse<InputStream> r = listen(gw);
                if (r.statusCode() == 503) {
                    refused++;
                    assertThat(r.headers().firstValue("retry-after")).hasValue("1");
                    r.body().close();
                } else {
                    assertThat(r.statusCode()).isEqualTo(200);
                    open.add(r);
                }
            }
            // the chat path and /api/state do not use the dashboard's workers
            assertThat(gw.chat(TARGET, "still served").statusCode()).isEqualTo(200);
        } finally {
            lock.close();
        }
        System.out.printf("DashboardOverloadTest: %d listeners served, %d refused%n", open.size(), refused);
        assertThat(refused).as("listeners refused at the queue bound").isPositive();
        assertThat(open.size()).as("listeners served: one building, four waiting (a tick may take a place)").isBetween(1, 5);
        assertThat(gw.get("/metrics").body()).contains("keycycle_gateway_overloaded_total{limit=\"dashboard\"} " + refused + ".0");
        // Once the lock is gone the waiting snapshots drain within moments; until then a new listener
        // may still find the queue full (503), so it asks again as a browser's EventSource would.
        org.awaitility.Awaitility.await("a new listener served again once the snapshots are quick")
                .atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(() -> {
                    HttpResponse<InputStream> again = listen(gw);
                    if (again.statusCode() == 200) {
                        open.add(again);
                        return true;
                    }
                    assertThat(again.statusCode()).isEqualTo(503);
                    again.body().close();
                    return false;
                });
    }

    @DatabaseTest(TestDatabase.Kind.MARIADB)
    void ticksMergeWhileASnapshotIsSlowInsteadOfPilingUp(TestDatabase db) throws Exception {
        TestGateway gw = start(db);
        List<Long> arrivals = new CopyOnWriteArrayList<>();
        long unlockedAt;
        AutoCloseable lock = db.holdWriteLock();
        try {
            HttpResponse<InputStream> r = listen(gw);
            assertThat(r.statusCode()).isEqualTo(200);
            open.add(r);
            record(r, arrivals);
            Thread.sleep(7_000); // seven ticks while the one worker waits for the database
        } finally {
            lock.close();
        }
        unlockedAt = System.nanoTime();
        Thread.sleep(2_500);
        long burst = arrivals.stream().filter(t -> t - unlockedAt >= 0 && t - unlockedAt < 400_000_000L).count();
        System.out.printf("DashboardOverloadTest: %d snapshots, %d within 0.4 s of the unlock%n", arrivals.size(), burst);
        // the first snapshot, at most one merged tick and perhaps the next regular tick; unmerged, the
        // waiting ticks fill the worker queue (4) and all arrive at once
        assertThat(burst).as("snapshots pushed at once when the database answers again").isBetween(1L, 3L);
    }

    /** Records the arrival of each snapshot event on a thread of its own. */
    private static void record(HttpResponse<InputStream> r, List<Long> arrivals) {
        Thread t = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                    if (line.startsWith("event: state")) arrivals.add(System.nanoTime());
                }
            } catch (java.io.IOException closed) {
                // the test is over
            }
        }, "dashboard-listener");
        t.setDaemon(true);
        t.start();
    }
}
