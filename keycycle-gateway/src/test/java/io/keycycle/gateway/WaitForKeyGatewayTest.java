package io.keycycle.gateway;

import io.keycycle.Keycycle;
import io.keycycle.core.KeycycleEvent;
import io.keycycle.core.config.KeycycleConfig;
import io.keycycle.sim.SimLimits;
import io.keycycle.sim.SimProvider;
import io.keycycle.sim.Simulator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static io.keycycle.gateway.TestGateway.MODEL;
import static io.keycycle.gateway.TestGateway.TARGET;
import static io.keycycle.gateway.TestGateway.json;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code gateway.wait-for-key} and {@code x-keycycle-wait}: a request that finds the one key full
 * waits for it instead of failing, over HTTP against the simulator, on a clock running
 * {@value #SPEED} times real time (engine and simulator alike), so the minute window of a key at
 * 2 rpm frees up in about four seconds.
 */
class WaitForKeyGatewayTest {

    static final double SPEED = 15;

    FastClock clock;
    Simulator sim;
    Keycycle keycycle;
    final AtomicInteger admitted = new AtomicInteger();
    final List<KeycycleGateway> gateways = new ArrayList<>();

    /** One Groq key at 2 rpm, in the simulator and in the engine's limits. */
    void start() {
        clock = new FastClock(Instant.parse("2026-05-04T10:00:00Z"), SPEED);
        sim = Simulator.builder().clock(clock.javaClock())
                .provider(SimProvider.groq().fakeKeys(1).model(MODEL, SimLimits.UNLIMITED.rpm(2)).build()).build().start();
        keycycle = TestGateway.keycycle(sim, 1, "rpm: 2", null).clock(clock)
                .listener(e -> { if (e instanceof KeycycleEvent.Admitted) admitted.incrementAndGet(); }).build();
        clock.go();
    }

    /** A gateway over the one pool, with the {@code gateway:} section {@code yaml} (indented lines). */
    TestGateway gateway(String yaml) {
        KeycycleConfig config = KeycycleConfig.parse("gateway:\n" + yaml, Map.of(), "test.yaml");
        KeycycleGateway g = KeycycleGateway.builder().keycycle(keycycle).config(config.gateway()).host("127.0.0.1").port(0).build();
        g.start();
        gateways.add(g);
        return TestGateway.over(keycycle, g);
    }

    @AfterEach
    void stop() {
        gateways.forEach(KeycycleGateway::close);
        gateways.clear();
        if (keycycle != null) keycycle.close();
        if (sim != null) sim.close();
        keycycle = null;
        sim = null;
    }

    static HttpRequest chat(TestGateway gw, String wait, boolean stream, int i) {
        HttpRequest.Builder b = gw.request("/v1/chat/completions").header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(TestGateway.chatBody(TARGET, "call " + i, stream)));
        if (wait != null) b.header(ChatEndpoint.WAIT_HEADER, wait);
        return b.build();
    }

    static List<HttpResponse<String>> burst(TestGateway gw, int n) {
        List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
        for (int i = 0; i < n; i++) all.add(gw.http.sendAsync(chat(gw, null, i % 2 == 1, i), HttpResponse.BodyHandlers.ofString()));
        return all.stream().map(CompletableFuture::join).toList();
    }

    static long retryAfter(HttpResponse<String> r) {
        return Long.parseLong(r.headers().firstValue("retry-after").orElseThrow(() -> new AssertionError("no Retry-After: " + r)));
    }

    @Test
    void aBurstOverTheKeysLimitFailsFastByDefaultAndIsServedWhenTheGatewayWaits() {
        start();
        TestGateway failFast = gateway("  port: 0\n");
        List<HttpResponse<String>> refused = burst(failFast, 4);
        assertThat(refused).filteredOn(r -> r.statusCode() == 200).hasSize(2);
        List<HttpResponse<String>> limited = refused.stream().filter(r -> r.statusCode() != 200).toList();
        assertThat(limited).hasSize(2).allSatisfy(r -> {
            assertThat(r.statusCode()).as(r.body()).isEqualTo(429);
            assertThat(retryAfter(r)).isBetween(1L, 65L);
        });
        assertThat(sim.stats().totalRequests()).isEqualTo(2);
        stop();

        start();
        TestGateway waiting = gateway("  wait-for-key: 90s\n");
        List<HttpResponse<String>> served = burst(waiting, 4);
        assertThat(served).allSatisfy(r -> assertThat(r.statusCode()).as(r.body()).isEqualTo(200));
        assertThat(sim.stats().totalRequests()).isEqualTo(4);
        assertThat(sim.stats().total429()).as("the gateway waited for the key; the provider never refused").isZero();
    }

    @Test
    void theWaitHeaderShortensOrSkipsTheWaitButNeverLengthensIt() {
        start();
        TestGateway waits90 = gateway("  wait-for-key: 90s\n");
        TestGateway waits10 = gateway("  wait-for-key: 10s\n");
        for (int i = 0; i < 2; i++) assertThat(waits90.send(chat(waits90, null, false, i)).statusCode()).isEqualTo(200);
        // the key frees up about 60 s (engine time) from now: a wait shorter than that is refused at once
        for (String[] c : new String[][]{{"0", "90"}, {"5", "90"}, {"1000", "10"}}) {
            TestGateway gw = c[1].equals("90") ? waits90 : waits10;
            long t0 = System.nanoTime();
            HttpResponse<String> r = gw.send(chat(gw, c[0], false, 9));
            assertThat(r.statusCode()).as("x-keycycle-wait: " + c[0] + " with wait-for-key " + c[1] + "s: " + r.body()).isEqualTo(429);
            assertThat(retryAfter(r)).isGreaterThan(10);
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).as("answered without waiting").isLessThan(2_000);
        }
        for (String bad : List.of("-1", "abc", "1e3", "", " ", "NaN", "0x10", "1.2345", "2,5", "+3")) {
            HttpResponse<String> r = waits90.send(chat(waits90, bad, false, 9));
            assertThat(r.statusCode()).as("'" + bad + "': " + r.body()).isEqualTo(400);
            assertThat(json(r).path("error").path("message").asText()).contains(ChatEndpoint.WAIT_HEADER, "seconds");
            assertThat(json(r).path("error").path("code").asText()).isEqualTo("invalid_wait");
        }
        assertThat(sim.stats().totalRequests()).as("nothing more was sent").isEqualTo(2);
        // asking for less than the gateway's wait, but enough: served once the key frees up, plain and streamed
        HttpResponse<String> plain = waits90.send(chat(waits90, "80", false, 10));
        assertThat(plain.statusCode()).as(plain.body()).isEqualTo(200);
        HttpResponse<String> streamed = waits90.send(chat(waits90, "79.5", true, 11));
        assertThat(streamed.statusCode()).as(streamed.body()).isEqualTo(200);
        assertThat(streamed.body()).contains("[DONE]");
        assertThat(sim.stats().totalRequests()).isEqualTo(4);
        assertThat(sim.stats().total429()).isZero();
    }

    @Test
    void aClientThatHangsUpWhileWaitingIsNeverAdmitted() throws Exception {
        start();
        TestGateway gw = gateway("  wait-for-key: 90s\n");
        for (int i = 0; i < 2; i++) assertThat(gw.send(chat(gw, null, false, i)).statusCode()).isEqualTo(200);
        assertThat(admitted.get()).isEqualTo(2);
        // a plain and a streamed request wait for the full key; their clients hang up
        try (Socket plain = send(gw, false); Socket stream = send(gw, true)) {
            Thread.sleep(500);
            assertThat(plain.getInputStream().available()).as("still waiting, nothing answered").isZero();
        }
        // a third client waits too and is served once the key frees up, after the two that left were due
        HttpResponse<String> r = gw.send(chat(gw, null, false, 3));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(admitted.get()).as("the requests whose clients left were never admitted").isEqualTo(3);
        assertThat(sim.stats().totalRequests()).isEqualTo(3);
        assertThat(sim.stats().total429()).isZero();
    }

    private static Socket send(TestGateway gw, boolean stream) throws Exception {
        byte[] body = TestGateway.chatBody(TARGET, "left", stream).getBytes(StandardCharsets.UTF_8);
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", gw.gateway.port()), 5_000);
        OutputStream out = s.getOutputStream();
        out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: "
                + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(body);
        out.flush();
        return s;
    }
}
