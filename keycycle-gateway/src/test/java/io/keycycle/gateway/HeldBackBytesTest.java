package io.keycycle.gateway;

import io.keycycle.Keycycle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static io.keycycle.gateway.NullErrorFieldStreamTest.chunk;
import static io.keycycle.gateway.TestGateway.MODEL;
import static io.keycycle.gateway.TestGateway.TARGET;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The gateway forwards each event of a stream as the provider's own bytes, so the bytes of an event
 * not yet complete are held back until it is. Lines that never make an event (comments, an
 * {@code event:} or {@code id:} line, blank lines) and the {@code data:} lines of an event that never
 * ends were held back without bound: every line stayed under the line limit, so a provider sending
 * 64 MB of keep-alive comments had all 64 MB read into the gateway's memory (and then forwarded with
 * the next event). The bytes held back now stop at {@code maxUpstreamBodyBytes}, as any other
 * upstream body the gateway keeps: the attempt fails and the next key serves.
 */
class HeldBackBytesTest {

    static final long TOTAL = 64L * 1024 * 1024;
    static final long MAX_BODY = 1024 * 1024;

    UpstreamCutCountingTest.HostileUpstream upstream;
    TestGateway gw;

    @AfterEach
    void stop() throws IOException {
        if (gw != null) gw.close();
        if (upstream != null) upstream.close();
    }

    static void goodStream(OutputStream out) throws IOException {
        chunk(out, "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\","
                + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"hi\"},\"finish_reason\":null}]}\n\n");
        chunk(out, "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\","
                + "\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],"
                + "\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":1,\"total_tokens\":6}}\n\n");
        chunk(out, "data: [DONE]\n\n");
    }

    void start(String filler) throws IOException {
        AtomicInteger n = new AtomicInteger();
        AtomicLong written = new AtomicLong();
        upstream = new UpstreamCutCountingTest.HostileUpstream(out -> {
            out.write(("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            if (n.incrementAndGet() == 1) {
                StringBuilder block = new StringBuilder();
                while (block.length() < 64 * 1024) block.append(filler);
                while (written.get() < TOTAL) {
                    chunk(out, block.toString());
                    written.addAndGet(block.length());
                }
            }
            goodStream(out);
            out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        });
        this.written = written;
        Keycycle keycycle = TestGateway.scripted(upstream.baseUrl(), 2, "{ rpm: 100 }").requestTimeout(Duration.ofSeconds(10)).build();
        KeycycleGateway gateway = KeycycleGateway.builder().keycycle(keycycle).port(0).maxUpstreamBodyBytes(MAX_BODY)
                .maxSseLineBytes(64 * 1024).build();
        gateway.start();
        gw = TestGateway.over(keycycle, gateway);
    }

    AtomicLong written;

    void assertRefusedAndServedByTheNextKey() {
        HttpResponse<String> r = gw.chat(TestGateway.chatBody(TARGET, "held back", true));
        assertThat(r.statusCode()).as(r.body().length() > 2000 ? r.body().substring(0, 2000) : r.body()).isEqualTo(200);
        assertThat(written.get()).as("the gateway stopped reading near its body limit, not after all 64 MB")
                .isLessThan(16L * 1024 * 1024);
        assertThat(r.body().length()).as("the client gets the answer, not megabytes of filler").isLessThan(64 * 1024);
        List<String> data = HostileUpstreamTest.data(r);
        assertThat(data.get(0)).contains("\"hi\"");
        assertThat(data).last().isEqualTo("[DONE]");
        assertThat(r.headers().firstValue("x-keycycle-attempts")).hasValue("2");
        await().atMost(Duration.ofSeconds(5)).until(() -> gw.keycycle.pool("groq").openLeases() == 0);
    }

    @Test
    void endlessCommentLinesAreCutAtTheBodyLimitAndTheNextKeyServes() throws Exception {
        start(": keep-alive\n\n");
        assertRefusedAndServedByTheNextKey();
    }

    @Test
    void anEventWhoseDataLinesNeverEndIsCutAtTheBodyLimitAndTheNextKeyServes() throws Exception {
        start("data: {\"x\":1}\n");
        assertRefusedAndServedByTheNextKey();
    }
}
