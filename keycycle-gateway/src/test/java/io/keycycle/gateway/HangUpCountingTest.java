package io.keycycle.gateway;

import io.keycycle.core.pool.KeyPool;
import io.keycycle.sim.SimLimits;
import io.keycycle.sim.SimProvider;
import io.keycycle.sim.Simulator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static io.keycycle.gateway.TestGateway.MODEL;
import static io.keycycle.gateway.TestGateway.TARGET;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Clients that hang up must not un-count requests the provider already counted: twelve impatient
 * clients on a slow upstream, then twelve patient ones, against 2 keys × 5 requests per minute.
 * The provider (the simulator, over real HTTP) never sees more than 10 requests in the minute and
 * never answers 429.
 */
class HangUpCountingTest {

    Simulator sim;
    TestGateway gw;
    KeyPool pool;

    @BeforeEach
    void start() {
        sim = Simulator.builder().latency(Duration.ofMillis(1500))
                .provider(SimProvider.groq().fakeKeys(2).model(MODEL, SimLimits.UNLIMITED.rpm(5)).build()).build().start();
        gw = TestGateway.start(TestGateway.keycycle(sim, 2, "rpm: 5", null).build());
        pool = gw.keycycle.pool("groq");
    }

    @AfterEach
    void stop() {
        gw.close();
        sim.close();
    }

    /** Sends a chat request on a raw socket and closes it after {@code patience}. */
    void impatient(Duration patience) {
        try (Socket s = new Socket("127.0.0.1", gw.gateway.port())) {
            byte[] body = TestGateway.chatBody(TARGET, "I will not wait", false).getBytes(StandardCharsets.UTF_8);
            OutputStream out = s.getOutputStream();
            out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            Thread.sleep(patience.toMillis());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void clientsThatHangUpDoNotLetTheGatewaySendPastTheLimit() throws Exception {
        ExecutorService pool12 = Executors.newFixedThreadPool(12);
        try {
            List<CompletableFuture<Void>> gone = new ArrayList<>();
            for (int i = 0; i < 12; i++) gone.add(CompletableFuture.runAsync(() -> impatient(Duration.ofMillis(300)), pool12));
            CompletableFuture.allOf(gone.toArray(CompletableFuture[]::new)).get();
            await().atMost(Duration.ofSeconds(5)).until(() -> pool.openLeases() == 0);

            List<CompletableFuture<HttpResponse<String>>> patient = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                patient.add(CompletableFuture.supplyAsync(() -> gw.chat(TARGET, "I will wait"), pool12));
            }
            List<Integer> statuses = new ArrayList<>();
            for (CompletableFuture<HttpResponse<String>> f : patient) statuses.add(f.get().statusCode());
            // the simulator records an answer before writing it: wait for the hung-up calls to finish there
            await().atMost(Duration.ofSeconds(5)).until(() -> sim.stats().totalRequests() >= 10);
            Thread.sleep(1_600);

            assertThat(sim.stats().total429()).as("429s the provider answered").isZero();
            assertThat(sim.stats().totalRequests()).as("requests the provider saw in the minute").isLessThanOrEqualTo(10);
            assertThat(statuses).as("the patient clients are told to come back, by the gateway").containsOnly(429);
        } finally {
            pool12.shutdownNow();
        }
    }
}
