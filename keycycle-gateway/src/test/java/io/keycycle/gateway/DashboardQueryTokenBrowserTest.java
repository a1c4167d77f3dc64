package io.keycycle.gateway;

import io.keycycle.Keycycle;
import io.keycycle.sim.SimLimits;
import io.keycycle.sim.SimProvider;
import io.keycycle.sim.Simulator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.keycycle.gateway.TestGateway.MODEL;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The dashboard opened as {@code /#token=<token>} on a gateway with {@code query-token: true} keeps
 * its event stream open with a token that has characters a query string changes ({@code +}, {@code /},
 * {@code =}) and is written into the address as it is: the page must encode the token in {@code ?access_token=}. Until 2026-12-03
 * it put the token in as it was, {@code +} arrived as a space, the stream was refused and the page
 * fell back to polling.
 *
 * <p>Seen from the gateway's side, in its request metrics: the stream is recorded when the
 * browser closes it.
 */
class DashboardQueryTokenBrowserTest {

    private static final String TOKEN = "fake+token/with=signs";

    @TempDir Path profile;

    @Test
    void theEventStreamOpensWithATokenAQueryStringWouldChange() throws Exception {
        String chromium = DashboardBrowserTest.chromium();
        try (Simulator sim = Simulator.builder().provider(SimProvider.groq().fakeKeys(1).model(MODEL, SimLimits.UNLIMITED).build())
                .build().start();
             Keycycle keycycle = TestGateway.keycycle(sim, 1, "rpm: 1000", null).build();
             KeycycleGateway gateway = KeycycleGateway.builder().keycycle(keycycle).host("127.0.0.1").port(0)
                     .tokens(List.of(TOKEN)).queryToken(true).build()) {
            gateway.start();
            // With its event stream open the page never goes idle (virtual time never runs out): it is
            // given 10 s, then closed, which ends the stream and records it in the request metrics.
            Process p = new ProcessBuilder(chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                    "--no-first-run", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                    "--user-data-dir=" + profile.resolve("p"), "--virtual-time-budget=4000", "--dump-dom",
                    gateway.url() + "/#token=" + TOKEN)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(10, TimeUnit.SECONDS)) p.destroy();
            if (!p.waitFor(20, TimeUnit.SECONDS)) p.destroyForcibly();
            HttpClient http = HttpClient.newHttpClient();
            HttpRequest metrics = HttpRequest.newBuilder(URI.create(gateway.url() + "/metrics")).header("Authorization", "Bearer " + TOKEN).build();
            String scraped = "";
            for (int i = 0; i < 50 && !scraped.contains("route=\"/api/events\",status=\"200\""); i++) {
                Thread.sleep(100);
                scraped = http.send(metrics, HttpResponse.BodyHandlers.ofString()).body();
            }
            List<String> requests = scraped.lines().filter(l -> l.startsWith("keycycle_gateway_requests_seconds_count")).toList();
            assertThat(requests).as("the page's requests: its state, then the event stream with the token in the query")
                    .anyMatch(l -> l.contains("route=\"/api/state\",status=\"200\""))
                    .anyMatch(l -> l.contains("route=\"/api/events\",status=\"200\""))
                    .noneMatch(l -> l.contains("status=\"401\""));
        }
    }
}
