package io.keycycle.gateway;

import io.keycycle.Keycycle;
import io.keycycle.sim.SimLimits;
import io.keycycle.sim.SimProvider;
import io.keycycle.sim.Simulator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import static io.keycycle.gateway.TestGateway.TARGET;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code x-keycycle-session} across gateways: two gateways, each over its own engine (no shared
 * state), in front of one simulator with four keys. A session's first call goes to the key its id
 * hashes to, the same in both, so the turns of a conversation sent to either land on one key.
 */
class SessionHomeKeyGatewayTest {

    Simulator sim;
    TestGateway a;
    TestGateway b;

    @AfterEach
    void stop() {
        if (a != null) a.close();
        if (b != null) b.close();
        if (sim != null) sim.close();
    }

    private static TestGateway gateway(Simulator sim) {
        Keycycle k = TestGateway.keycycle(sim, 4, "rpm: 1000", null).build();
        return TestGateway.start(k);
    }

    private static String key(TestGateway gw, String session, int turn) {
        HttpRequest r = gw.request("/v1/chat/completions").header("content-type", "application/json")
                .header(ChatEndpoint.SESSION_HEADER, session)
                .POST(HttpRequest.BodyPublishers.ofString(TestGateway.chatBody(TARGET, "turn " + turn, turn % 3 == 2))).build();
        HttpResponse<String> resp = gw.send(r);
        assertThat(resp.statusCode()).as(resp.body()).isEqualTo(200);
        return resp.headers().firstValue("x-keycycle-key").orElseThrow();
    }

    @Test
    void fiftySessionsAlternatedBetweenTwoGatewaysEachStayOnOneKey() {
        sim = Simulator.builder().provider(SimProvider.groq().fakeKeys(4).model(TestGateway.MODEL, SimLimits.UNLIMITED).build()).build().start();
        a = gateway(sim);
        b = gateway(sim);
        Map<String, String> keyOf = new HashMap<>();
        for (int turn = 0; turn < 3; turn++) {
            for (int s = 0; s < 50; s++) {
                String session = "conversation-" + s;
                // turns alternate between the gateways, and so does which gateway a session starts on
                TestGateway gw = (s + turn) % 2 == 0 ? a : b;
                String k = key(gw, session, turn);
                String before = keyOf.putIfAbsent(session, k);
                assertThat(k).as(session + ", turn " + turn + " on gateway " + (gw == a ? "a" : "b")).isEqualTo(before == null ? k : before);
            }
        }
        Set<String> used = new HashSet<>(keyOf.values());
        assertThat(used).as("the sessions spread over the keys").hasSize(4);
        assertThat(sim.stats().totalRequests()).isEqualTo(150);
    }
}
