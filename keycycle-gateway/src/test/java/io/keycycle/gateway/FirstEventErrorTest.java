package io.keycycle.gateway;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static io.keycycle.gateway.NullErrorFieldStreamTest.chunk;
import static io.keycycle.gateway.TestGateway.MODEL;
import static io.keycycle.gateway.TestGateway.TARGET;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A provider that opens a 200 event stream and whose first event is an error (OpenRouter's
 * rate-limited upstream after its ": OPENROUTER PROCESSING" comment) has sent the client nothing:
 * the gateway does not forward that event, the attempt fails as the error says, and the next key
 * serves the stream — the client sees one clean answer.
 */
class FirstEventErrorTest {

    UpstreamCutCountingTest.HostileUpstream upstream;
    TestGateway gw;

    @AfterEach
    void stop() throws IOException {
        if (gw != null) gw.close();
        if (upstream != null) upstream.close();
    }

    @Test
    void anErrorEventBeforeAnyOtherIsNotForwardedAndTheNextKeyServes() throws Exception {
        AtomicInteger connections = new AtomicInteger();
        upstream = new UpstreamCutCountingTest.HostileUpstream(out -> {
            out.write(("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            if (connections.incrementAndGet() == 1) {
                chunk(out, ": OPENROUTER PROCESSING\n\n");
                chunk(out, "data: {\"error\":{\"code\":429,\"message\":\"Rate limit exceeded upstream\"}}\n\n");
            } else {
                chunk(out, "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\","
                        + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"hi\"},\"finish_reason\":null}]}\n\n");
                chunk(out, "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\","
                        + "\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],"
                        + "\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":1,\"total_tokens\":6}}\n\n");
            }
            chunk(out, "data: [DONE]\n\n");
            out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        });
        gw = TestGateway.overUpstream(upstream.baseUrl(), 2, "{ rpm: 100 }");

        HttpResponse<String> r = gw.chat(TestGateway.chatBody(TARGET, "first event is an error", true));

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("x-keycycle-attempts")).contains("2");
        List<String> data = HostileUpstreamTest.data(r);
        assertThat(r.body()).doesNotContain("Rate limit exceeded upstream");
        assertThat(data.get(0)).contains("\"hi\"");
        assertThat(data).last().isEqualTo("[DONE]");
        assertThat(upstream.requests.get()).isEqualTo(2);
    }
}
