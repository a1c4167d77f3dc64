package io.keycycle.gateway;

import io.keycycle.core.Limits;
import io.keycycle.core.pool.KeyPool;
import io.keycycle.core.pool.PoolSnapshot;
import io.keycycle.sim.SimLimits;
import io.keycycle.sim.SimProvider;
import io.keycycle.sim.Simulator;
import org.junit.jupiter.api.AfterEach;
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

/**
 * A client that stops reading at {@code finish_reason} (a hand-written loop that breaks there, and
 * an HTTP library that then closes the unread response) hangs up after the chunk that carried the
 * usage (Groq sends it in {@code x_groq.usage} with the finish) but before the provider's
 * {@code [DONE]}. The request stays counted as for any hang-up, and the usage the gateway had
 * already read is what the window keeps, not the estimate: until 2026-12-04 the usage was dropped
 * and the request's whole reservation (its {@code max_tokens}) stayed charged.
 */
class CancelledStreamUsageTest {

    Simulator sim;
    TestGateway gw;

    @AfterEach
    void stop() {
        if (gw != null) gw.close();
        if (sim != null) sim.close();
    }

    static long used(KeyPool p, Limits.Metric metric) {
        long used = 0;
        for (PoolSnapshot.BucketView b : p.snapshot().buckets()) {
            for (PoolSnapshot.MetricUsage u : b.usage()) if (u.metric() == metric) used += u.used();
        }
        return used;
    }

    @Test
    void aClientThatHangsUpAfterTheUsageChunkHasTheUsageCountedNotTheEstimate() throws Exception {
        // [DONE] comes 600 ms after the finish chunk: the client is gone by then
        sim = Simulator.builder().chunkInterval(Duration.ofMillis(600))
                .provider(SimProvider.groq().fakeKeys(1).model(MODEL, SimLimits.UNLIMITED).build()).build().start();
        gw = TestGateway.start(TestGateway.keycycle(sim, 1, "rpm: 100, tpm: 100000", null).build());
        KeyPool pool = gw.keycycle.pool("groq");
        String usage;
        try (Socket s = new Socket("127.0.0.1", gw.gateway.port())) {
            s.setSoTimeout(20_000);
            byte[] body = ("{\"model\":\"" + TARGET + "\",\"max_tokens\":4000,\"stream\":true,"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"stop at the finish\"}]}").getBytes(StandardCharsets.UTF_8);
            OutputStream out = s.getOutputStream();
            out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null && !(line.startsWith("data: ") && line.contains("\"finish_reason\":\"stop\""))) {
                // head, chunk sizes, content events
            }
            assertThat(line).as("the finish chunk reached the client").isNotNull();
            usage = line;
        }
        var n = Jsons.tryParse(usage.substring(6)).path("x_groq").path("usage");
        long total = n.path("total_tokens").asLong();
        assertThat(total).as("the finish chunk carried usage: " + usage).isPositive();

        await().atMost(Duration.ofSeconds(5)).until(() -> pool.openLeases() == 0);
        assertThat(used(pool, Limits.Metric.RPM)).as("the request stays counted").isEqualTo(1);
        assertThat(used(pool, Limits.Metric.TPM)).as("the usage the provider reported, not the 4,000-token reservation")
                .isEqualTo(total);
        assertThat(sim.stats().totalRequests()).isEqualTo(1);
    }
    @Test
    void aStreamCutByTheProviderAfterItsUsageChunkHasTheUsageCountedNotTheEstimate() throws Exception {
        try (UpstreamCutCountingTest.HostileUpstream upstream = new UpstreamCutCountingTest.HostileUpstream(out -> {
            out.write(("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            NullErrorFieldStreamTest.chunk(out, "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\","
                    + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"hi\"},\"finish_reason\":null}]}\n\n");
            NullErrorFieldStreamTest.chunk(out, "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\","
                    + "\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],"
                    + "\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":1,\"total_tokens\":6}}\n\n");
            // no [DONE], no last chunk: the connection ends mid-body
        })) {
            gw = TestGateway.overUpstream(upstream.baseUrl(), 1, "{ rpm: 100, tpm: 100000 }");
            KeyPool pool = gw.keycycle.pool("groq");

            var r = gw.chat("{\"model\":\"" + TARGET + "\",\"max_tokens\":4000,\"stream\":true,"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"cut after the usage\"}]}");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).contains("\"hi\"").doesNotContain("[DONE]");

            await().atMost(Duration.ofSeconds(5)).until(() -> pool.openLeases() == 0);
            assertThat(used(pool, Limits.Metric.RPM)).as("the request stays counted").isEqualTo(1);
            assertThat(used(pool, Limits.Metric.TPM)).as("the usage the provider reported, not the 4,000-token reservation")
                    .isEqualTo(6);
        }
    }
}
