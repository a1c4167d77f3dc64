package io.keycycle.gateway;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static io.keycycle.gateway.NullErrorFieldStreamTest.chunk;
import static io.keycycle.gateway.TestGateway.MODEL;
import static io.keycycle.gateway.TestGateway.TARGET;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * An upstream event stream that ends cleanly (the chunked body's end, no reset) without a single
 * event, with or without {@code data: [DONE]}: the provider answered nothing. Until 2026-12-04 the
 * gateway judged it a success and gave the client a 200 holding only its own {@code [DONE]}; now it
 * is a failed attempt (the request stays counted) and the next key serves.
 */
class EmptyUpstreamStreamTest {

    UpstreamCutCountingTest.HostileUpstream upstream;
    TestGateway gw;

    @AfterEach
    void stop() throws IOException {
        if (gw != null) gw.close();
        if (upstream != null) upstream.close();
    }

    @Test
    void aStreamThatEndsWithoutAnyEventIsAFailureAndTheNextKeyServes() throws Exception {
        theNextKeyServesAfter("");   // the first answer: nothing at all
    }

    @Test
    void aStreamOfOnlyDoneIsAFailureAndTheNextKeyServes() throws Exception {
        theNextKeyServesAfter("data: [DONE]\n\n");   // the first answer: [DONE] before any event
    }

    private void theNextKeyServesAfter(String firstAnswer) throws Exception {
        AtomicInteger n = new AtomicInteger();
        upstream = new UpstreamCutCountingTest.HostileUpstream(out -> {
            out.write(("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            if (n.incrementAndGet() > 1) {
                chunk(out, "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\","
                        + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"hi\"},\"finish_reason\":null}]}\n\n");
                chunk(out, "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\","
                        + "\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],"
                        + "\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":1,\"total_tokens\":6}}\n\n");
                chunk(out, "data: [DONE]\n\n");
            } else if (!firstAnswer.isEmpty()) {
                chunk(out, firstAnswer);
            }
            out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        });
        gw = TestGateway.overUpstream(upstream.baseUrl(), 2, "{ rpm: 100 }");

        HttpResponse<String> r = gw.chat(TestGateway.chatBody(TARGET, "an empty answer", true));

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        List<String> data = HostileUpstreamTest.data(r);
        assertThat(data).as("events from the second key, not an empty stream passed off as an answer: " + r.body())
                .hasSizeGreaterThan(1);
        assertThat(data.get(0)).contains("\"hi\"");
        assertThat(data).last().isEqualTo("[DONE]");
        assertThat(r.headers().firstValue("x-keycycle-attempts")).hasValue("2");
        assertThat(upstream.requests.get()).isEqualTo(2);
        await().atMost(Duration.ofSeconds(2)).until(() -> gw.keycycle.pool("groq").openLeases() == 0);
    }
}
