package io.keycycle.gateway;

import io.keycycle.core.pool.KeyPool;
import io.keycycle.sim.FaultKind;
import io.keycycle.sim.SimLimits;
import io.keycycle.sim.SimProvider;
import io.keycycle.sim.Simulator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static io.keycycle.gateway.TestGateway.MODEL;
import static io.keycycle.gateway.TestGateway.TARGET;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A client that hangs up cancels the upstream call and its reservation is released. */
class CancellationTest {

    static Simulator sim;
    static TestGateway gw;
    static KeyPool pool;

    @BeforeAll
    static void start() {
        sim = Simulator.builder().chunkInterval(Duration.ofMillis(150))
                .provider(SimProvider.groq().fakeKeys(1).model(MODEL, SimLimits.UNLIMITED).build()).build().start();
        gw = TestGateway.start(TestGateway.keycycle(sim, 1, "rpm: 100", null).build());
        pool = gw.keycycle.pool("groq");
    }

    @AfterAll
    static void stop() {
        gw.close();
        sim.close();
    }

    /** Sends a chat request on a raw socket, so the test decides exactly when the connection closes. */
    Socket send(boolean stream) throws Exception {
        Socket s = new Socket("127.0.0.1", gw.gateway.port());
        byte[] body = TestGateway.chatBody(TARGET, "please cancel me", stream).getBytes(StandardCharsets.UTF_8);
        OutputStream out = s.getOutputStream();
        out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(body);
        out.flush();
        return s;
    }

    @Test
    void hangingUpMidStreamCancelsTheUpstreamStreamAndReleasesTheLease() throws Exception {
        Socket s = send(true);
        BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null && !line.startsWith("data: ")) { /* headers, chunk sizes */ }
        assertThat(line).as("a first chunk arrived").startsWith("data: ");
        assertThat(pool.openLeases()).isEqualTo(1);
        s.close();
        // the whole stream takes well over a second at 150 ms per frame; the lease goes long before that
        await().atMost(Duration.ofMillis(800)).until(() -> pool.openLeases() == 0);
    }

    @Test
    void hangingUpBeforeTheAnswerInterruptsThePlainCall() throws Exception {
        sim.provider("groq").failNext(1, FaultKind.SLOW(Duration.ofSeconds(5)));
        Socket s = send(false);
        await().atMost(Duration.ofSeconds(3)).until(() -> pool.openLeases() == 1);
        s.close();
        await().atMost(Duration.ofSeconds(2)).until(() -> pool.openLeases() == 0);
        assertThat(gw.chat(TARGET, "the pool still serves").statusCode()).isEqualTo(200);
    }
}
