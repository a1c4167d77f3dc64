package io.keycycle.gateway;

import io.keycycle.core.pool.KeyPool;
import io.keycycle.sim.FaultKind;
import io.keycycle.sim.ProviderControl;
import io.keycycle.sim.SimLimits;
import io.keycycle.sim.SimProvider;
import io.keycycle.sim.Simulator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static io.keycycle.gateway.TestGateway.MODEL;
import static io.keycycle.gateway.TestGateway.TARGET;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A slow client slows the provider down instead of filling the gateway's memory. The simulator
 * streams 100 MB of well-formed content events as fast as it can; a client that stops reading
 * after the first bytes must stop the upstream within a bounded number of bytes (kernel socket
 * buffers on both hops plus the gateway's write queue), and once it reads again the whole stream
 * arrives intact. Without back-pressure the gateway would read all 100 MB into its write queue
 * within a second of loopback time.
 */
class StreamBackPressureTest {

    /** Socket buffers on both hops (loopback autotuning: a few MB each) plus the gateway's write queue. */
    static final long BOUND = 24L * 1024 * 1024;

    Simulator sim;
    TestGateway gw;
    ProviderControl provider;
    KeyPool pool;

    @BeforeEach
    void start() {
        sim = Simulator.builder().provider(SimProvider.groq().fakeKeys(1).model(MODEL, SimLimits.UNLIMITED).build()).build().start();
        gw = TestGateway.start(TestGateway.keycycle(sim, 1, "rpm: 100", null).build());
        provider = sim.provider("groq");
        pool = gw.keycycle.pool("groq");
    }

    @AfterEach
    void stop() {
        gw.close();
        sim.close();
    }

    Socket open() throws Exception {
        Socket s = new Socket();
        s.setReceiveBufferSize(64 * 1024);
        s.connect(new InetSocketAddress("127.0.0.1", gw.gateway.port()));
        byte[] body = TestGateway.chatBody(TARGET, "a hundred megabytes please", true).getBytes(StandardCharsets.UTF_8);
        OutputStream out = s.getOutputStream();
        out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(body);
        out.flush();
        return s;
    }

    @Test
    void aClientThatStopsReadingPausesTheUpstreamAndThenGetsEveryByte() throws Exception {
        provider.failNext(1, FaultKind.HUGE_BODY);
        try (Socket s = open()) {
            InputStream in = s.getInputStream();
            byte[] first = new byte[4096];
            int n = in.read(first);
            assertThat(new String(first, 0, n, StandardCharsets.US_ASCII)).startsWith("HTTP/1.1 200");

            // the client reads nothing for 4 s: the upstream must come to a stop well short of 100 MB
            // (without back-pressure the gateway reads it all into its write queue within those seconds)
            Thread.sleep(4000);
            long stalledAt = provider.hostileBytesWritten();
            assertThat(stalledAt).as("upstream bytes written while the client read nothing").isLessThan(BOUND);

            // reading again resumes the upstream; every event arrives, then [DONE]
            long total = n;
            byte[] buf = new byte[256 * 1024];
            byte[] tail = new byte[64];
            int tailLength = 0;
            for (int r; (r = in.read(buf)) > 0; ) {
                total += r;
                int keep = Math.min(r, tail.length);
                System.arraycopy(buf, r - keep, tail, 0, keep);
                tailLength = keep;
                if (new String(tail, 0, tailLength, StandardCharsets.US_ASCII).contains("data: [DONE]")) break;
            }
            assertThat(new String(tail, 0, tailLength, StandardCharsets.US_ASCII)).contains("data: [DONE]");
            assertThat(total).as("the whole stream reached the client").isGreaterThan(100_000_000L);
            assertThat(provider.hostileBytesWritten()).isGreaterThanOrEqualTo(100_000_000L);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> pool.openLeases() == 0);
    }

    @Test
    void aClientThatHangsUpWhilePausedStopsTheUpstream() throws Exception {
        provider.failNext(1, FaultKind.HUGE_BODY);
        Socket s = open();
        assertThat(s.getInputStream().read(new byte[4096])).isPositive();
        await().atMost(Duration.ofSeconds(5)).until(() -> provider.hostileBytesWritten() > 0);
        s.close();
        await().atMost(Duration.ofSeconds(5)).until(() -> pool.openLeases() == 0);
        long after = provider.hostileBytesWritten();
        Thread.sleep(500);
        assertThat(provider.hostileBytesWritten()).as("the upstream was cut when the client left").isLessThan(BOUND)
                .isLessThanOrEqualTo(after + 8L * 1024 * 1024);
        assertThat(gw.chat(TARGET, "the gateway still serves").statusCode()).isEqualTo(200);
    }
}
