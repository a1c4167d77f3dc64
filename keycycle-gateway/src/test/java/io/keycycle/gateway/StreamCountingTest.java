package io.keycycle.gateway;

import io.keycycle.core.KeycycleEvent;
import io.keycycle.core.Limits;
import io.keycycle.core.pool.KeyPool;
import io.keycycle.core.pool.PoolSnapshot;
import io.keycycle.sim.SimLimits;
import io.keycycle.sim.SimProvider;
import io.keycycle.sim.Simulator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.keycycle.gateway.TestGateway.MODEL;
import static io.keycycle.gateway.TestGateway.TARGET;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A stream cancelled mid-way stays counted: the provider has the request, so the pool must too
 * (request and its estimate), whatever the client does. The gateway's part is to hand the engine
 * a cancelled answer that reached the provider, and to cut the upstream at once; the engine's
 * part is to abandon such a lease instead of releasing it.
 */
class StreamCountingTest {

    Simulator sim;
    TestGateway gw;
    KeyPool pool;

    @BeforeEach
    void start() {
        sim = Simulator.builder().chunkInterval(Duration.ofMillis(150))
                .provider(SimProvider.groq().fakeKeys(1).model(MODEL, SimLimits.UNLIMITED).build()).build().start();
        gw = TestGateway.start(TestGateway.keycycle(sim, 1, "rpm: 100", null).build());
        pool = gw.keycycle.pool("groq");
    }

    @AfterEach
    void stop() {
        gw.close();
        sim.close();
    }

    static long requestsThisMinute(KeyPool p) {
        long used = 0;
        for (PoolSnapshot.BucketView b : p.snapshot().buckets()) {
            for (PoolSnapshot.MetricUsage u : b.usage()) if (u.metric() == Limits.Metric.RPM) used += u.used();
        }
        return used;
    }

    @Test
    void aStreamCancelledMidWayCutsTheUpstreamAndStaysCounted() throws Exception {
        try (Socket s = new Socket("127.0.0.1", gw.gateway.port())) {
            byte[] body = TestGateway.chatBody(TARGET, "cancel me mid-way", true).getBytes(StandardCharsets.UTF_8);
            OutputStream out = s.getOutputStream();
            out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null && !line.startsWith("data: ")) { /* head, chunk sizes */ }
            assertThat(line).as("a first event reached the client").startsWith("data: ");
        }
        // the stream takes over a second at 150 ms per frame; the attempt ends as soon as the client is gone
        await().atMost(Duration.ofMillis(800)).until(() -> pool.openLeases() == 0);
        assertThat(sim.stats().totalRequests()).as("the provider saw the request").isEqualTo(1);

        assertThat(requestsThisMinute(pool)).as("the pool still counts the request the provider has").isEqualTo(1);
    }

    /**
     * The stream's {@code [DONE]} is the gateway's own, sent once the engine has settled the call:
     * a client holding {@code [DONE]} knows the usage event is recorded (a crash after it loses
     * nothing). A listener that takes 300 ms over the usage event shows the order: forwarding the
     * provider's {@code [DONE]} as it came would reach the client before the event was done.
     */
    @Test
    void doneReachesTheClientOnlyAfterTheUsageEventIsRecorded() throws Exception {
        AtomicBoolean recorded = new AtomicBoolean();
        gw.keycycle.addListener(e -> {
            if (e instanceof KeycycleEvent.Settled) {
                try {
                    Thread.sleep(300);
                } catch (InterruptedException x) {
                    Thread.currentThread().interrupt();
                }
                recorded.set(true);
            }
        });
        boolean recordedAtDone = false;
        int events = 0;
        try (Socket s = new Socket("127.0.0.1", gw.gateway.port())) {
            byte[] body = TestGateway.chatBody(TARGET, "settle before done", true).getBytes(StandardCharsets.UTF_8);
            OutputStream out = s.getOutputStream();
            out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null) {
                if (line.equals("data: [DONE]")) {
                    recordedAtDone = recorded.get();
                    break;
                }
                if (line.startsWith("data: ")) events++;
            }
            assertThat(line).as("the stream ended with [DONE]").isEqualTo("data: [DONE]");
        }
        assertThat(events).as("content events before [DONE]").isPositive();
        assertThat(recordedAtDone).as("the usage event was recorded before the client had [DONE]").isTrue();
        assertThat(sim.stats().totalRequests()).isEqualTo(1);
    }
}
