package io.keycycle.gateway;

import io.keycycle.Keycycle;
import io.keycycle.core.KeycycleEvent;
import io.keycycle.core.OutcomeKind;
import io.keycycle.sim.FaultKind;
import io.keycycle.sim.SimLimits;
import io.keycycle.sim.SimProvider;
import io.keycycle.sim.Simulator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.keycycle.gateway.TestGateway.MODEL;
import static io.keycycle.gateway.TestGateway.TARGET;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The non-blocking plain path: Vert.x client upstream, per-call timeout, no worker thread, hang-ups released. */
class PlainPathTest {

    Simulator sim;
    Keycycle keycycle;
    KeycycleGateway gateway;
    TestGateway client;
    final List<KeycycleEvent.Settled> settled = new CopyOnWriteArrayList<>();

    void start(Duration requestTimeout, int workerThreads) {
        sim = Simulator.builder().chunkInterval(Duration.ofMillis(100))
                .provider(SimProvider.groq().fakeKeys(2).model(MODEL, SimLimits.UNLIMITED).build()).build().start();
        keycycle = TestGateway.keycycle(sim, 2, "rpm: 1000", null).requestTimeout(requestTimeout)
                .listener(e -> { if (e instanceof KeycycleEvent.Settled s) settled.add(s); }).build();
        gateway = KeycycleGateway.builder().keycycle(keycycle).port(0).workerThreads(workerThreads).upstreamConnections(4).build();
        gateway.start();
        client = TestGateway.over(keycycle, gateway);
    }

    @AfterEach
    void stop() {
        if (gateway != null) gateway.close();
        if (keycycle != null) keycycle.close();
        if (sim != null) sim.close();
    }

    @Test
    void theAnswerIsPassedThroughAndItsUsageRecorded() {
        start(Duration.ofSeconds(30), 4);
        HttpResponse<String> r = client.chat(TARGET, "hello there");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(TestGateway.json(r).path("choices").get(0).path("message").path("content").asText()).isNotBlank();
        assertThat(r.headers().firstValue("x-keycycle-provider")).hasValue("groq");
        assertThat(r.headers().firstValue("x-keycycle-model")).hasValue(MODEL);
        assertThat(r.headers().firstValue("x-keycycle-attempts")).hasValue("1");
        assertThat(settled).singleElement().satisfies(s -> {
            assertThat(s.outcome()).isEqualTo(OutcomeKind.SUCCESS);
            assertThat(s.promptTokens()).as("usage read from the provider's body").isPositive();
            assertThat(s.completionTokens()).isPositive();
        });
        assertThat(keycycle.pool("groq").openLeases()).isZero();
    }

    @Test
    void aSlowUpstreamTimesOutAfterTheRequestTimeoutAndTheNextKeyServes() {
        start(Duration.ofMillis(400), 4);
        sim.provider("groq").failNext(1, FaultKind.SLOW(Duration.ofSeconds(5)));
        long t0 = System.nanoTime();
        HttpResponse<String> r = client.chat(TARGET, "slow then fast");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(4));
        assertThat(r.headers().firstValue("x-keycycle-attempts")).hasValue("2");
        assertThat(settled).extracting(KeycycleEvent.Settled::outcome).containsExactly(OutcomeKind.TRANSIENT, OutcomeKind.SUCCESS);
        assertThat(keycycle.pool("groq").openLeases()).isZero();
    }

    @Test
    void plainRequestsAreServedWhileEveryWorkerThreadIsBusyWithAStream() {
        start(Duration.ofSeconds(30), 1);
        sim.provider("groq").failNext(1, FaultKind.SLOW(Duration.ofSeconds(3)));
        CompletableFuture<HttpResponse<String>> stream = client.http.sendAsync(client.request("/v1/chat/completions")
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(TestGateway.chatBody(TARGET, "a long stream to hold the only worker", true)))
                .build(), HttpResponse.BodyHandlers.ofString());
        await().atMost(Duration.ofSeconds(3)).until(() -> keycycle.pool("groq").openLeases() == 1);
        HttpResponse<String> plain = client.chat(TARGET, "not waiting for the worker");
        assertThat(plain.statusCode()).isEqualTo(200);
        assertThat(stream).as("the stream still holds the worker").isNotDone();
        assertThat(stream.join().statusCode()).isEqualTo(200);
    }

    @Test
    void aClientThatHangsUpClosesTheLeaseAndTheSentRequestStaysCounted() throws Exception {
        start(Duration.ofSeconds(30), 4);
        sim.provider("groq").failNext(1, FaultKind.SLOW(Duration.ofSeconds(5)));
        byte[] body = TestGateway.chatBody(TARGET, "hang up on me", false).getBytes(StandardCharsets.UTF_8);
        try (Socket s = new Socket("127.0.0.1", gateway.port())) {
            OutputStream out = s.getOutputStream();
            out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            // hang up once the request has reached the provider (it met the slow fault); before
            // that, the reservation would rightly be given back
            await().atMost(Duration.ofSeconds(3)).until(() -> sim.provider("groq").queuedFaults() == 0);
            assertThat(keycycle.pool("groq").openLeases()).isEqualTo(1);
        }
        await().atMost(Duration.ofSeconds(2)).until(() -> keycycle.pool("groq").openLeases() == 0);
        assertThat(settled).singleElement().satisfies(s -> {
            assertThat(s.requests()).as("the provider has it: still counted").isEqualTo(1);
            assertThat(s.chargedTokens()).as("the estimate stays charged").isPositive();
            assertThat(s.status()).isZero();
        });
        assertThat(client.chat(TARGET, "still serving").statusCode()).isEqualTo(200);
    }
}
