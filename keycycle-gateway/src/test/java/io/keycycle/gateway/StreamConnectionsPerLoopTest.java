package io.keycycle.gateway;

import io.keycycle.sim.SimLimits;
import io.keycycle.sim.SimProvider;
import io.keycycle.sim.Simulator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import static io.keycycle.gateway.TestGateway.MODEL;
import static io.keycycle.gateway.TestGateway.TARGET;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code maxStreams} streams are admitted at once, each holding one upstream connection, whatever
 * event loop their client landed on. Client connections are handed to the loops in turn, not by
 * load, so one loop may serve most of the streams: until 2026-12-04 the stream connections were
 * split evenly between the loops ({@code maxStreams / loops} each), and a stream admitted on a loop
 * whose share was taken waited for a connection with its idle timer running, timed out without
 * having been sent, was counted as sent, and rotated into the same wait.
 */
class StreamConnectionsPerLoopTest {

    Simulator sim;
    TestGateway gw;

    @AfterEach
    void stop() {
        if (gw != null) gw.close();
        if (sim != null) sim.close();
    }

    static Socket connect(int port) throws Exception {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        s.setSoTimeout(20_000);
        return s;
    }

    static void post(Socket s, String body) throws Exception {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        OutputStream out = s.getOutputStream();
        out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Connection: close\r\nContent-Length: " + b.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(b);
        out.flush();
    }

    static CompletableFuture<RawHttp.Response> read(Socket s) {
        return CompletableFuture.supplyAsync(() -> {
            try (s) {
                return RawHttp.parse(RawHttp.readAll(s.getInputStream()));
            } catch (Exception e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        });
    }

    @Test
    void twoStreamsWhoseClientsShareAnEventLoopAreBothServedAtOnce() throws Exception {
        sim = Simulator.builder().chunkInterval(Duration.ofMillis(400))
                .provider(SimProvider.groq().fakeKeys(2).model(MODEL, SimLimits.UNLIMITED).build()).build().start();
        var keycycle = TestGateway.keycycle(sim, 2, "rpm: 1000", null).requestTimeout(Duration.ofSeconds(10)).build();
        KeycycleGateway g = KeycycleGateway.builder().keycycle(keycycle).port(0).eventLoops(2).maxStreams(2)
                .streamIdleTimeout(Duration.ofMillis(1200)).build();
        g.start();
        gw = TestGateway.over(keycycle, g);

        // connections go to the two loops in turn: the first and the third share a loop
        Socket first = connect(g.port());
        Socket second = connect(g.port());
        Socket third = connect(g.port());
        try (second) {
            post(first, TestGateway.chatBody(TARGET, "the first stream", true));
            CompletableFuture<RawHttp.Response> a = read(first);
            await().atMost(Duration.ofSeconds(10)).until(() -> sim.stats().totalRequests() == 1);
            post(third, TestGateway.chatBody(TARGET, "the second stream, same loop", true));
            CompletableFuture<RawHttp.Response> c = read(third);

            RawHttp.Response ra = a.get(30, java.util.concurrent.TimeUnit.SECONDS);
            RawHttp.Response rc = c.get(30, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(ra.status()).as(ra.toString()).isEqualTo(200);
            assertThat(ra.body()).contains("data: [DONE]");
            assertThat(rc.status()).as("two streams are allowed at once: " + rc).isEqualTo(200);
            assertThat(rc.body()).contains("data: [DONE]");
            assertThat(rc.head().toLowerCase()).as("served by its first attempt, no wait for a connection")
                    .contains("x-keycycle-attempts: 1");
        }
        assertThat(sim.stats().totalRequests()).isEqualTo(2);
        await().atMost(Duration.ofSeconds(2)).until(() -> keycycle.pool("groq").openLeases() == 0);
        assertThat(StreamCountingTest.requestsThisMinute(keycycle.pool("groq")))
                .as("the pool counts what the provider saw, no attempt that waited for a connection").isEqualTo(2);
    }
}
