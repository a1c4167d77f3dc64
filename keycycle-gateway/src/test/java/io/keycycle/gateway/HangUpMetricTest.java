package io.keycycle.gateway;

import io.keycycle.sim.SimLimits;
import io.keycycle.sim.SimProvider;
import io.keycycle.sim.Simulator;
import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.keycycle.gateway.TestGateway.MODEL;
import static io.keycycle.gateway.TestGateway.TARGET;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A client that hangs up before its answer got none: the request timer must not count it as a 200.
 * Until 2026-12-03 it did (the status code a response has before anything is set), so a dashboard's
 * success rate counted requests nobody was answered.
 */
class HangUpMetricTest {

    @Test
    void aRequestWhoseClientHungUpIsNotCountedAsA200() throws Exception {
        try (Simulator sim = Simulator.builder().latency(Duration.ofMillis(1500))
                .provider(SimProvider.groq().fakeKeys(1).model(MODEL, SimLimits.UNLIMITED).build()).build().start();
             TestGateway gw = TestGateway.start(TestGateway.keycycle(sim, 1, "rpm: 100", null).build())) {
            for (boolean stream : new boolean[] {false, true}) {
                try (Socket s = new Socket("127.0.0.1", gw.gateway.port())) {
                    byte[] body = TestGateway.chatBody(TARGET, "I will not wait", stream).getBytes(StandardCharsets.UTF_8);
                    OutputStream out = s.getOutputStream();
                    out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                            + "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                    out.write(body);
                    out.flush();
                    Thread.sleep(300);
                }
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> gw.keycycle.pool("groq").openLeases() == 0);
            assertThat(gw.chat(TARGET, "I wait").statusCode()).isEqualTo(200);

            String scrape = gw.get("/metrics").body();
            assertThat(count(scrape, "200")).as("chat requests counted 200").isEqualTo(1);
            assertThat(count(scrape, "499")).as("chat requests whose client hung up").isEqualTo(2);
        }
    }

    private static long count(String scrape, String status) {
        Matcher m = Pattern.compile("keycycle_gateway_requests_seconds_count\\{[^}]*route=\"/v1/chat/completions\"[^}]*status=\""
                + status + "\"[^}]*} ([0-9.]+)").matcher(scrape);
        return m.find() ? (long) Double.parseDouble(m.group(1)) : 0;
    }
}
