package io.keycycle;

import io.keycycle.core.ApiKey;
import io.keycycle.core.Limits;
import io.keycycle.core.RateLimitException;
import io.keycycle.core.client.StreamListener;
import io.keycycle.core.config.KeycycleConfig;
import io.keycycle.core.pool.KeyPool;
import io.keycycle.core.pool.PoolSnapshot;
import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * A stream that the provider cuts after the chunk carrying its usage (before {@code [DONE]}) fails
 * as a partial answer — never repeated — and the usage it reported is what the key's windows keep,
 * not the request's whole reservation ({@code max_tokens}).
 */
class PartialStreamUsageTest {

    static final String MODEL = "llama-3.1-8b-instant";

    static long used(KeyPool p, Limits.Metric metric) {
        long used = 0;
        for (PoolSnapshot.BucketView b : p.snapshot().buckets()) {
            for (PoolSnapshot.MetricUsage u : b.usage()) if (u.metric() == metric) used += u.used();
        }
        return used;
    }

    static void chunk(OutputStream out, String event) throws java.io.IOException {
        byte[] e = event.getBytes(StandardCharsets.UTF_8);
        out.write((Integer.toHexString(e.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(e);
        out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    @Test
    void aStreamCutAfterItsUsageChunkIsChargedThatUsage() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread t = new Thread(() -> {
                try (Socket s = server.accept()) {
                    s.getInputStream().read(new byte[65536]);
                    OutputStream out = s.getOutputStream();
                    out.write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
                            .getBytes(StandardCharsets.US_ASCII));
                    chunk(out, "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\","
                            + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"hi\"},\"finish_reason\":null}]}\n\n");
                    chunk(out, "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\","
                            + "\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],"
                            + "\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":1,\"total_tokens\":6}}\n\n");
                    Thread.sleep(300);
                    s.setSoLinger(true, 0); // reset: no [DONE], no last chunk
                } catch (Exception ignored) {
                    // the test fails on its own if nothing was sent
                }
            });
            t.start();
            String yaml = "providers:\n  groq:\n    models:\n      " + MODEL + ": { rpm: 100, tpm: 100000 }\n";
            try (Keycycle kc = Keycycle.builder().env(Map.of())
                    .config(KeycycleConfig.parse(yaml, Map.of(), "test.yaml"))
                    .keys("groq", List.of(ApiKey.of("groq", 1, "gsk_FAKE_partial_stream_usage_key_1")))
                    .baseUrl("groq", URI.create("http://127.0.0.1:" + server.getLocalPort() + "/openai/v1"))
                    .requestTimeout(Duration.ofSeconds(5))
                    .shutdownHook(false).build()) {
                assertThatThrownBy(() -> kc.stream("groq/" + MODEL, E2e.chat("cut after the usage", 4000), CallSpec.defaults(),
                        StreamListener.of(e -> { })))
                        .isInstanceOf(RateLimitException.class);
                KeyPool pool = kc.pool("groq");
                await().atMost(Duration.ofSeconds(5)).until(() -> pool.openLeases() == 0);
                assertThat(used(pool, Limits.Metric.RPM)).as("the request stays counted").isEqualTo(1);
                assertThat(used(pool, Limits.Metric.TPM)).as("the usage the provider reported, not the 4,000-token reservation")
                        .isEqualTo(6);
            }
            t.join(5000);
        }
    }
}
