package io.keycycle.gateway;

import io.keycycle.sim.SimLimits;
import io.keycycle.sim.SimProvider;
import io.keycycle.sim.Simulator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static io.keycycle.gateway.TestGateway.TARGET;
import static io.keycycle.gateway.TestGateway.json;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code x-keycycle-session}: the turns of one conversation go to the key that served the last
 * while it has room (a provider's prompt cache is per key), plain and streamed; without the header
 * calls spread over the keys; a session whose key is full moves to another and stays there.
 */
class SessionAffinityGatewayTest {

    Simulator sim;
    TestGateway gw;

    void start(String configLimits) {
        sim = Simulator.builder().provider(SimProvider.groq().fakeKeys(3).model(TestGateway.MODEL, SimLimits.UNLIMITED).build()).build().start();
        gw = TestGateway.start(TestGateway.keycycle(sim, 3, configLimits, null).build());
    }

    @AfterEach
    void stop() {
        if (gw != null) gw.close();
        if (sim != null) sim.close();
    }

    private HttpResponse<String> chat(String session, boolean stream, int turn) {
        HttpRequest.Builder b = gw.request("/v1/chat/completions").header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(TestGateway.chatBody(TARGET, "turn " + turn, stream)));
        if (session != null) b.header(ChatEndpoint.SESSION_HEADER, session);
        return gw.send(b.build());
    }

    private static String key(HttpResponse<String> r) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return r.headers().firstValue("x-keycycle-key").orElseThrow();
    }

    @Test
    void theTurnsOfAConversationStayOnOneKeyAndOtherCallsSpread() {
        start("rpm: 100");
        Set<String> conversation = new HashSet<>();
        for (int turn = 0; turn < 8; turn++) conversation.add(key(chat("conversation-1", turn % 2 == 1, turn)));
        assertThat(conversation).as("plain and streamed turns, one key").hasSize(1);

        Set<String> spread = new HashSet<>();
        for (int i = 0; i < 6; i++) spread.add(key(chat(null, false, i)));
        assertThat(spread).as("without a session the calls rotate").hasSizeGreaterThan(1);
    }

    @Test
    void aSessionWhoseKeyIsFullMovesToAnotherAndStaysThere() {
        start("rpm: 2");
        String first = key(chat("conversation-2", false, 1));
        assertThat(key(chat("conversation-2", false, 2))).isEqualTo(first);
        String moved = key(chat("conversation-2", false, 3)); // the first key has had its 2 calls this minute
        assertThat(moved).isNotEqualTo(first);
        assertThat(key(chat("conversation-2", false, 4))).as("the conversation follows its new key").isEqualTo(moved);
    }

    @Test
    void aSessionIdThatIsBlankOrTooLongIsRefusedByName() {
        start("rpm: 100");
        for (String bad : List.of(" ", "s".repeat(ChatEndpoint.MAX_SESSION_CHARS + 1))) {
            HttpResponse<String> r = chat(bad, false, 0);
            assertThat(r.statusCode()).isEqualTo(400);
            assertThat(json(r).path("error").path("message").asText()).contains(ChatEndpoint.SESSION_HEADER).contains("1 to 256 characters");
        }
        assertThat(sim.stats().totalRequests()).as("nothing was sent").isZero();
        assertThat(key(chat("s".repeat(ChatEndpoint.MAX_SESSION_CHARS), false, 0))).isNotBlank();
    }
}
