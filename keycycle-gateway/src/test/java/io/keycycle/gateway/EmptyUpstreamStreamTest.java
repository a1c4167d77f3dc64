package io.keycycle.gateway;

import io.keycycle.core.pool.KeyPool;
import io.keycycle.sim.FaultKind;
import io.keycycle.sim.SimLimits;
import io.keycycle.sim.SimProvider;
import io.keycycle.sim.Simulator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import static io.keycycle.gateway.TestGateway.MODEL;
import static io.keycycle.gateway.TestGateway.TARGET;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * An upstream event stream that ends cleanly (the body's end, no reset) without a single event
 * and without {@code data: [DONE]}: the provider answered nothing. The simulator's
 * {@link FaultKind#STALL_AFTER_HEADERS} does exactly that once its 30 s stall is over, when the
 * gateway's idle timeout is longer.
 */
class EmptyUpstreamStreamTest {

    Simulator sim;
    TestGateway gw;

    @AfterEach
    void stop() {
        if (gw != null) gw.close();
        if (sim != null) sim.close();
    }

    @Test
    void aStreamThatEndsWithoutAnyEventIsAFailureAndTheNextKeyServes() {
        sim = Simulator.builder().chunkInterval(Duration.ofMillis(5))
                .provider(SimProvider.groq().fakeKeys(2).model(MODEL, SimLimits.UNLIMITED).build()).build().start();
        var keycycle = TestGateway.keycycle(sim, 2, "rpm: 1000", null).requestTimeout(Duration.ofSeconds(90)).build();
        KeycycleGateway g = KeycycleGateway.builder().keycycle(keycycle).port(0)
                .streamIdleTimeout(Duration.ofSeconds(90)).streamDeadline(Duration.ofSeconds(120)).build();
        g.start();
        gw = TestGateway.over(keycycle, g);
        KeyPool pool = keycycle.pool("groq");
        assertThat(gw.chat(TARGET, "warm-up").statusCode()).isEqualTo(200);
        sim.provider("groq").failNext(1, FaultKind.STALL_AFTER_HEADERS);

        HttpResponse<String> r = gw.send(gw.request("/v1/chat/completions").timeout(Duration.ofSeconds(80))
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(TestGateway.chatBody(TARGET, "nothing at all", true))).build());

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        var data = HostileUpstreamTest.data(r);
        assertThat(data).as("events from the second key, not an empty stream passed off as an answer: " + r.body())
                .hasSizeGreaterThan(1);
        assertThat(data.get(data.size() - 1)).isEqualTo("[DONE]");
        assertThat(r.headers().firstValue("x-keycycle-attempts")).hasValue("2");
        await().atMost(Duration.ofSeconds(2)).until(() -> pool.openLeases() == 0);
    }
}
