package io.keycycle.gateway;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static io.keycycle.gateway.TestGateway.MODEL;
import static io.keycycle.gateway.TestGateway.TARGET;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * An OpenAI-compatible server that serialises every field of its chunk, {@code "error": null}
 * included, streams a normal answer: the engine settles it as the success it is (a null
 * {@code error} is no error event), and the client must get the gateway's {@code [DONE]} too.
 */
class NullErrorFieldStreamTest {

    UpstreamCutCountingTest.HostileUpstream upstream;
    TestGateway gw;

    @AfterEach
    void stop() throws IOException {
        if (gw != null) gw.close();
        if (upstream != null) upstream.close();
    }

    static void chunk(OutputStream out, String event) throws IOException {
        byte[] e = event.getBytes(StandardCharsets.UTF_8);
        out.write((Integer.toHexString(e.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(e);
        out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    @Test
    void aChunkWithANullErrorFieldIsNoErrorEventAndTheStreamEndsWithDone() throws Exception {
        upstream = new UpstreamCutCountingTest.HostileUpstream(out -> {
            out.write(("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            chunk(out, "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"error\":null,"
                    + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"hi\"},\"finish_reason\":null}]}\n\n");
            chunk(out, "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"error\":null,"
                    + "\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],"
                    + "\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":1,\"total_tokens\":6}}\n\n");
            chunk(out, "data: [DONE]\n\n");
            out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        });
        gw = TestGateway.overUpstream(upstream.baseUrl(), 1, "{ rpm: 100 }");

        HttpResponse<String> r = gw.chat(TestGateway.chatBody(TARGET, "every field serialised", true));

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        List<String> data = HostileUpstreamTest.data(r);
        assertThat(data.get(0)).contains("\"hi\"");
        assertThat(data).as("a successful stream ends with [DONE]: " + r.body()).last().isEqualTo("[DONE]");
    }
}
