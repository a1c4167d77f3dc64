package io.keycycle.gateway;

import io.keycycle.Keycycle;
import io.keycycle.core.KeycycleEvent;
import io.keycycle.core.config.KeycycleConfig;
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
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.keycycle.gateway.TestGateway.MODEL;
import static io.keycycle.gateway.TestGateway.TARGET;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A stream reaches the client as the provider's own bytes: an upstream that writes its events in
 * 7-byte pieces (events split across reads, CR LF and LF line ends, a comment) is relayed byte for
 * byte, except that its {@code [DONE]} is replaced by the gateway's own after settlement; the
 * usage of the last chunk is still read.
 */
class StreamBytesTest {

    static final String UPSTREAM_EVENTS = ": keep-alive\r\n\r\n"
            + "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"" + MODEL
            + "\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hél\"},\"finish_reason\":null}]}\r\n\r\n"
            + "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"" + MODEL
            + "\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo\"},\"finish_reason\":null}]}\n\n"
            + "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"" + MODEL
            + "\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],"
            + "\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":2,\"total_tokens\":7}}\n\n";

    ServerSocket upstream;
    Thread server;
    TestGateway gw;

    @AfterEach
    void stop() throws IOException {
        if (gw != null) gw.close();
        if (upstream != null) upstream.close();
    }

    /** Answers one request with {@code events} + [DONE], written in 7-byte pieces, then closes. */
    void serve(String events) throws IOException {
        upstream = new ServerSocket(0);
        server = new Thread(() -> {
            try (Socket s = upstream.accept()) {
                s.setTcpNoDelay(true);
                readRequest(s.getInputStream());
                OutputStream out = s.getOutputStream();
                out.write(("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                out.flush();
                byte[] body = (events + "data: [DONE]\n\n").getBytes(StandardCharsets.UTF_8);
                for (int i = 0; i < body.length; i += 7) {
                    out.write(body, i, Math.min(7, body.length - i));
                    out.flush();
                    Thread.sleep(2);
                }
            } catch (IOException | InterruptedException e) {
                // the test fails on what the client received
            }
        }, "raw-sse-upstream");
        server.setDaemon(true);
        server.start();
    }

    static void readRequest(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) return;
            head.write(b);
        }
        int length = 0;
        for (String line : head.toString(StandardCharsets.US_ASCII).split("\r\n")) {
            if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) length = Integer.parseInt(line.substring(15).trim());
        }
        in.readNBytes(length);
    }

    @Test
    void theProvidersEventBytesReachTheClientUnchangedAndDoneIsTheGateways() throws Exception {
        serve(UPSTREAM_EVENTS);
        String yaml = "providers:\n  groq:\n    models:\n      " + MODEL + ": { rpm: 100 }\n";
        Keycycle kc = Keycycle.builder().env(Map.of()).config(KeycycleConfig.parse(yaml, Map.of(), "test.yaml"))
                .keys("groq", TestGateway.keys(1))
                .baseUrl("groq", URI.create("http://127.0.0.1:" + upstream.getLocalPort() + "/openai/v1"))
                .shutdownHook(false).build();
        List<KeycycleEvent.Settled> settled = new CopyOnWriteArrayList<>();
        kc.addListener(e -> { if (e instanceof KeycycleEvent.Settled s) settled.add(s); });
        gw = TestGateway.start(kc);

        HttpResponse<String> r = gw.chat(TestGateway.chatBody(TARGET, "bytes please", true));

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(UPSTREAM_EVENTS + "data: [DONE]\n\n");
        assertThat(settled).singleElement().satisfies(s -> {
            assertThat(s.promptTokens()).isEqualTo(5);
            assertThat(s.completionTokens()).isEqualTo(2);
        });
    }
}
