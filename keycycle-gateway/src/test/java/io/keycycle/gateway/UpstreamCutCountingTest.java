package io.keycycle.gateway;

import io.keycycle.Keycycle;
import io.keycycle.core.Limits;
import io.keycycle.core.config.KeycycleConfig;
import io.keycycle.core.pool.KeyPool;
import io.keycycle.core.pool.PoolSnapshot;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static io.keycycle.gateway.TestGateway.MODEL;
import static io.keycycle.gateway.TestGateway.TARGET;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Review: calls that reached the provider (it read the whole request and even answered part of it)
 * must stay counted in the pool, whatever way the upstream connection ends.
 */
/**
 * "A call that reached the provider stays counted" when the provider breaks the exchange after
 * reading the request: the connection closes mid-body or before any answer, a stream is cut after
 * its first events, a stream line passes the limit. Vert.x and Netty report these with their own
 * exceptions (an {@code HttpClosedException}, a decoder's), not {@code IOException}s; the engine took
 * them for failures before sending and gave the request back to the window, so a provider that
 * drops connections let one key be sent 6 requests while the pool counted none. Each case here
 * failed so. The upstream is a raw socket that reads each request whole, then misbehaves.
 */
class UpstreamCutCountingTest {

    interface Behaviour { void answer(OutputStream out) throws Exception; }

    /** A one-thread HTTP/1.1 "provider" over a raw socket: reads each request whole, then behaves. */
    static final class HostileUpstream implements AutoCloseable {
        final ServerSocket server;
        final AtomicInteger requests = new AtomicInteger();
        final Thread thread;

        HostileUpstream(Behaviour b) throws IOException {
            server = new ServerSocket(0);
            thread = new Thread(() -> {
                while (!server.isClosed()) {
                    try (Socket s = server.accept()) {
                        readRequest(s.getInputStream());
                        requests.incrementAndGet();
                        b.answer(s.getOutputStream());
                        s.getOutputStream().flush();
                        s.shutdownOutput();            // FIN: the connection ends, no RST
                        Thread.sleep(200);
                    } catch (Exception e) {
                        // closed
                    }
                }
            }, "hostile-upstream");
            thread.setDaemon(true);
            thread.start();
        }

        String baseUrl() { return "http://127.0.0.1:" + server.getLocalPort() + "/openai/v1"; }

        static void readRequest(InputStream in) throws IOException {
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            int c;
            while ((c = in.read()) >= 0) {
                head.write(c);
                byte[] h = head.toByteArray();
                int n = h.length;
                if (n >= 4 && h[n - 4] == '\r' && h[n - 3] == '\n' && h[n - 2] == '\r' && h[n - 1] == '\n') break;
            }
            String text = head.toString(StandardCharsets.US_ASCII);
            int length = 0;
            for (String line : text.split("\r\n")) {
                if (line.toLowerCase().startsWith("content-length:")) length = Integer.parseInt(line.substring(15).trim());
            }
            in.readNBytes(length);
        }

        @Override public void close() throws IOException { server.close(); }
    }

    HostileUpstream upstream;
    KeycycleGateway gateway;
    TestGateway gw;
    KeyPool pool;

    void start(Behaviour b) throws IOException { start(b, 4 * 1024 * 1024); }

    void start(Behaviour b, int maxLine) throws IOException { start(b, maxLine, 32L << 20); }

    void start(Behaviour b, int maxLine, long maxBody) throws IOException {
        upstream = new HostileUpstream(b);
        String yaml = "providers:\n  groq:\n    models:\n      " + MODEL + ": { rpm: 100 }\n";
        Keycycle keycycle = Keycycle.builder().env(Map.of())
                .config(KeycycleConfig.parse(yaml, Map.of(), "test.yaml"))
                .keys("groq", TestGateway.keys(1))
                .baseUrl("groq", URI.create(upstream.baseUrl()))
                .requestTimeout(Duration.ofSeconds(5))
                .shutdownHook(false).build();
        gateway = KeycycleGateway.builder().keycycle(keycycle).port(0).streamIdleTimeout(Duration.ofSeconds(3))
                .maxSseLineBytes(maxLine).maxUpstreamBodyBytes(maxBody).build();
        gateway.start();
        gw = TestGateway.over(keycycle, gateway);
        pool = keycycle.pool("groq");
    }

    @AfterEach
    void stop() throws IOException {
        if (gw != null) gw.close();
        if (upstream != null) upstream.close();
    }

    static long requestsThisMinute(KeyPool p) {
        long used = 0;
        for (PoolSnapshot.BucketView b : p.snapshot().buckets()) {
            for (PoolSnapshot.MetricUsage u : b.usage()) if (u.metric() == Limits.Metric.RPM) used += u.used();
        }
        return used;
    }

    static void write(OutputStream out, String s) throws IOException {
        out.write(s.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** Plain: 200, Content-Length 500, 20 bytes of the body, then the provider closes the connection. */
    @Test
    void aPlainAnswerCutMidBodyStaysCounted() throws Exception {
        start(out -> write(out, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{\"id\":\"chatcmpl-1\",\"o"));
        HttpResponse<String> r = gw.chat(TARGET, "cut mid-body");
        assertThat(r.statusCode()).as(r.body()).isGreaterThanOrEqualTo(500);
        await().atMost(Duration.ofSeconds(5)).until(() -> pool.openLeases() == 0);
        assertThat(upstream.requests.get()).as("the provider read the request").isPositive();
        assertThat(requestsThisMinute(pool)).as("the pool counts every request the provider read and started answering")
                .isEqualTo(upstream.requests.get());
    }

    /** Stream: 200 event stream, two content events reach the client, then the provider closes the connection. */
    @Test
    void aStreamCutAfterItsFirstEventsStaysCounted() throws Exception {
        String event = "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi\"}}]}\n\n";
        start(out -> {
            write(out, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n");
            for (int i = 0; i < 2; i++) {
                byte[] e = event.getBytes(StandardCharsets.UTF_8);
                write(out, Integer.toHexString(e.length) + "\r\n" + event + "\r\n");
                Thread.sleep(50);
            }
        });
        HttpResponse<String> r = gw.chat(TestGateway.chatBody(TARGET, "cut mid-stream", true));
        assertThat(r.body()).as("content reached the client").contains("\"hi\"");
        await().atMost(Duration.ofSeconds(5)).until(() -> pool.openLeases() == 0);
        assertThat(upstream.requests.get()).isEqualTo(1);
        assertThat(requestsThisMinute(pool)).as("a stream whose content reached the client is counted").isEqualTo(1);
    }

    /** The provider reads the whole request and closes the connection without answering (a fresh connection). */
    @Test
    void aRequestTheProviderReadThenDroppedStaysCounted() throws Exception {
        start(out -> { });
        HttpResponse<String> r = gw.chat(TARGET, "read then dropped");
        assertThat(r.statusCode()).as(r.body()).isGreaterThanOrEqualTo(500);
        await().atMost(Duration.ofSeconds(5)).until(() -> pool.openLeases() == 0);
        assertThat(upstream.requests.get()).isPositive();
        assertThat(requestsThisMinute(pool)).as("requests the provider read").isEqualTo(upstream.requests.get());
    }

    /** Stream: one content event reaches the client, then a line past the gateway's line limit. */
    @Test
    void aStreamCutAtTheLineLimitAfterItsFirstEventStaysCounted() throws Exception {
        String event = "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi\"}}]}\n\n";
        String longLine = "data: " + "x".repeat(4096);
        start(out -> {
            write(out, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n");
            write(out, Integer.toHexString(event.length()) + "\r\n" + event + "\r\n");
            Thread.sleep(100);
            write(out, Integer.toHexString(longLine.length()) + "\r\n" + longLine + "\r\n");
            Thread.sleep(500);
        }, 1024);
        HttpResponse<String> r = gw.chat(TestGateway.chatBody(TARGET, "endless line", true));
        assertThat(r.body()).as("content reached the client").contains("\"hi\"");
        await().atMost(Duration.ofSeconds(5)).until(() -> pool.openLeases() == 0);
        assertThat(upstream.requests.get()).isEqualTo(1);
        assertThat(requestsThisMinute(pool)).as("a stream whose content reached the client is counted").isEqualTo(1);
    }

    /**
     * A Content-Length past 2 GiB (under a maxUpstreamBodyBytes that allows it) over a body that
     * never comes: the call ends with the connection, counted, not at its deadline. The declared
     * length used to size the answer's buffer: past 2 GiB the cast went negative, the buffer could
     * not be made, and the client had no answer after 20 s (the test client's timeout) although the
     * call's deadline was 5 s.
     */
    @Test
    void aFalseContentLengthPastTwoGibibytesEndsWithTheConnection() throws Exception {
        start(out -> write(out, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 3000000000\r\n\r\n{\"id\":"),
                4 * 1024 * 1024, 4L << 30);
        HttpResponse<String> r = gw.chat(TARGET, "a false length");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(502);
        await().atMost(Duration.ofSeconds(5)).until(() -> pool.openLeases() == 0);
        assertThat(requestsThisMinute(pool)).as("every request the provider read").isEqualTo(upstream.requests.get());
    }
}
