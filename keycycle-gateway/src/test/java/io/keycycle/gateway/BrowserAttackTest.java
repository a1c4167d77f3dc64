package io.keycycle.gateway;

import io.keycycle.sim.SimLimits;
import io.keycycle.sim.SimProvider;
import io.keycycle.sim.Simulator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.keycycle.gateway.TestGateway.MODEL;
import static io.keycycle.gateway.TestGateway.TARGET;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A web page driving a loopback gateway without tokens: by DNS rebinding (its own name resolving to
 * 127.0.0.1, so the browser sends {@code Host: evil.example}) or by a cross-site request (a
 * {@code text/plain} POST needs no preflight). Both are refused on every route that acts or
 * reveals; same-machine callers and configured names are served.
 */
class BrowserAttackTest {

    Simulator sim;
    TestGateway gw;

    @AfterEach
    void stop() {
        if (gw != null) gw.close();
        if (sim != null) sim.close();
    }

    private int start(List<String> allowedHosts) {
        sim = Simulator.builder().provider(SimProvider.groq().fakeKeys(1).model(MODEL, SimLimits.UNLIMITED).build()).build().start();
        var kc = TestGateway.keycycle(sim, 1, "rpm: 1000", null).build();
        KeycycleGateway g = KeycycleGateway.builder().keycycle(kc).host("127.0.0.1").port(0).allowedHosts(allowedHosts).build();
        g.start();
        gw = TestGateway.over(kc, g);
        return g.port();
    }

    private static final String CHAT = TestGateway.chatBody(TARGET, "spend their keys", false);

    @Test
    void dnsRebindingCannotReadOrActThroughAForeignHost() {
        int port = start(List.of());
        for (String path : List.of("/api/state", "/admin/keys", "/v1/models", "/metrics", "/", "/api/events")) {
            RawHttp.Response r = RawHttp.send(port, "GET", path, "evil.example:" + port, null);
            assertThat(r.status()).as(path + ": " + r.body()).isEqualTo(403);
            assertThat(r.body()).contains("host_not_allowed").doesNotContain("groq", "fingerprint");
        }
        RawHttp.Response chat = RawHttp.send(port, "POST", "/v1/chat/completions", "evil.example", CHAT, "Content-Type: application/json");
        assertThat(chat.status()).isEqualTo(403);
        RawHttp.Response disable = RawHttp.send(port, "POST", "/admin/keys/groq/1/disable", "evil.example", "{}", "Content-Type: application/json");
        assertThat(disable.status()).isEqualTo(403);
        assertThat(gw.keycycle.pool("groq").snapshot().keys().get(0).state().name()).isNotEqualTo("DISABLED");
        assertThat(sim.stats().totalRequests()).as("nothing reached the provider").isZero();

        // the probes answer whatever the Host (orchestrators use the pod's address) and reveal nothing
        assertThat(RawHttp.send(port, "GET", "/healthz", "10.1.2.3:" + port, null).status()).isEqualTo(200);
        assertThat(RawHttp.send(port, "GET", "/readyz", "10.1.2.3:" + port, null).status()).isEqualTo(200);
        // loopback names are served
        for (String host : List.of("127.0.0.1:" + port, "localhost:" + port, "[::1]:" + port, "LOCALHOST")) {
            assertThat(RawHttp.send(port, "GET", "/v1/models", host, null).status()).as(host).isEqualTo(200);
        }
        assertThat(RawHttp.send(port, "POST", "/v1/chat/completions", "localhost:" + port, CHAT, "Content-Type: application/json").status())
                .isEqualTo(200);
    }

    @Test
    void crossSiteRequestsAreRefusedOnEveryRouteThatActs() {
        int port = start(List.of());
        String host = "127.0.0.1:" + port;
        // the classic: a form-like text/plain POST from another site
        RawHttp.Response plain = RawHttp.send(port, "POST", "/v1/chat/completions", host, CHAT,
                "Content-Type: text/plain", "Origin: https://evil.example");
        assertThat(plain.status()).isEqualTo(403);
        assertThat(plain.body()).contains("cross_site_request");
        // even with a JSON type (a preflight the gateway never answers would stop a browser, but not a curl-like page proxy)
        assertThat(RawHttp.send(port, "POST", "/v1/chat/completions", host, CHAT, "Content-Type: application/json",
                "Origin: https://evil.example").status()).isEqualTo(403);
        assertThat(RawHttp.send(port, "POST", "/admin/keys/groq/1/disable", host, "{}", "Content-Type: application/json",
                "Origin: null").status()).isEqualTo(403);
        assertThat(RawHttp.send(port, "GET", "/api/state", host, null, "Sec-Fetch-Site: cross-site").status()).isEqualTo(403);
        assertThat(RawHttp.send(port, "GET", "/api/events", host, null, "Origin: http://evil.example:8080").status()).isEqualTo(403);
        // text/plain without an Origin (a no-cors fetch from a page that hides it) is still not JSON
        assertThat(RawHttp.send(port, "POST", "/v1/chat/completions", host, CHAT, "Content-Type: text/plain").status()).isEqualTo(415);
        assertThat(sim.stats().totalRequests()).isZero();

        // a local web app (another loopback origin) and same-origin fetches are fine
        assertThat(RawHttp.send(port, "POST", "/v1/chat/completions", host, CHAT, "Content-Type: application/json",
                "Origin: http://localhost:3000", "Sec-Fetch-Site: same-site").status()).isEqualTo(200);
        assertThat(RawHttp.send(port, "GET", "/api/state", host, null, "Sec-Fetch-Site: same-origin").status()).isEqualTo(200);
    }

    @Test
    void configuredHostsAreServed() {
        int port = start(List.of("gateway.internal"));
        assertThat(RawHttp.send(port, "GET", "/api/state", "gateway.internal:" + port, null).status()).isEqualTo(200);
        assertThat(RawHttp.send(port, "GET", "/api/state", "GATEWAY.internal.", null).status()).isEqualTo(200);
        assertThat(RawHttp.send(port, "POST", "/v1/chat/completions", "gateway.internal", CHAT, "Content-Type: application/json",
                "Origin: https://gateway.internal").status()).isEqualTo(200);
        assertThat(RawHttp.send(port, "GET", "/api/state", "other.internal", null).status()).isEqualTo(403);
    }
}
