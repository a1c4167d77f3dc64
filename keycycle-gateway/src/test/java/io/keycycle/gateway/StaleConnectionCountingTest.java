package io.keycycle.gateway;

import io.keycycle.Keycycle;
import io.keycycle.core.config.KeycycleConfig;
import io.keycycle.core.pool.KeyPool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

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
 * A provider that reads a request on a kept-alive connection and then closes it without answering
 * has the request. The gateway's resend for connections the server had already closed (a request
 * that never left) must not take it for one: it is counted, and a retry takes an admission of its
 * own. Until 2026-12-03 it was resent under the same lease and the provider saw 3 requests where
 * the pool counted 2.
 */
class StaleConnectionCountingTest {

    static final String OK = "{\"id\":\"c\",\"object\":\"chat.completion\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"ok\"},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":1,\"total_tokens\":6}}";

    ServerSocket server;
    final AtomicInteger requests = new AtomicInteger();
    TestGateway gw;

    @AfterEach
    void stop() throws Exception {
        if (gw != null) gw.close();
        if (server != null) server.close();
    }

    @Test
    void aRequestReadOnAKeptAliveConnectionAndThenDroppedIsNotSentTwiceUnderOneCount() throws Exception {
        server = new ServerSocket(0);
        Thread t = new Thread(() -> {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    new Thread(() -> serve(s)).start();
                } catch (Exception e) { return; }
            }
        });
        t.setDaemon(true);
        t.start();
        String yaml = "providers:\n  groq:\n    models:\n      " + MODEL + ": { rpm: 100 }\n";
        Keycycle keycycle = Keycycle.builder().env(Map.of()).config(KeycycleConfig.parse(yaml, Map.of(), "test.yaml"))
                .keys("groq", TestGateway.keys(1))
                .baseUrl("groq", URI.create("http://127.0.0.1:" + server.getLocalPort() + "/openai/v1"))
                .shutdownHook(false).build();
        KeycycleGateway g = KeycycleGateway.builder().keycycle(keycycle).port(0).eventLoops(1).build();
        g.start();
        gw = TestGateway.over(keycycle, g);
        KeyPool pool = keycycle.pool("groq");

        assertThat(gw.chat(TARGET, "first").statusCode()).isEqualTo(200);
        HttpResponse<String> second = gw.chat(TARGET, "second");
        assertThat(second.statusCode()).as("served by a retry on a fresh connection: %s", second.body()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(5)).until(() -> pool.openLeases() == 0);
        assertThat(requests.get()).as("requests the provider read in full").isEqualTo(
                UpstreamCutCountingTest.requestsThisMinute(pool));
    }

    /** Per connection: the first request is answered (keep-alive), the next one is read whole, then the connection is closed. */
    void serve(Socket s) {
        try (s) {
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            boolean first = true;
            while (true) {
                UpstreamCutCountingTest.HostileUpstream.readRequest(in);
                if (in.available() < 0) return;
                requests.incrementAndGet();
                if (!first) {
                    Thread.sleep(50);
                    return;           // read, then dropped
                }
                first = false;
                byte[] b = OK.getBytes(StandardCharsets.UTF_8);
                out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + b.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(b);
                out.flush();
            }
        } catch (Exception e) {
            // gone
        }
    }
}
