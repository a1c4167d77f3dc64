package io.keycycle.gateway;

import io.keycycle.Keycycle;
import io.keycycle.sim.SimLimits;
import io.keycycle.sim.SimProvider;
import io.keycycle.sim.Simulator;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;

import static io.keycycle.gateway.TestGateway.MODEL;
import static io.keycycle.gateway.TestGateway.TARGET;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The transport settings change how the gateway runs, never what it answers: one event loop, and
 * the native transport asked for where its library is not on the class path (the gateway's own
 * tests do not carry it: it falls back to Java NIO), both serve plain and streaming chat.
 */
class TransportOptionsTest {

    @Test
    void oneEventLoopAndNativeTransportWithoutItsLibraryServePlainAndStreamingChat() {
        try (Simulator sim = Simulator.builder().provider(SimProvider.groq().fakeKeys(2).model(MODEL, SimLimits.UNLIMITED).build())
                .build().start()) {
            Keycycle keycycle = TestGateway.keycycle(sim, 2, "rpm: 1000", null).build();
            KeycycleGateway gateway = KeycycleGateway.builder().keycycle(keycycle).host("127.0.0.1").port(0)
                    .eventLoops(1).nativeTransport(true).build();
            gateway.start();
            try (TestGateway gw = TestGateway.over(keycycle, gateway)) { // closes the gateway and the keycycle
                HttpResponse<String> plain = gw.chat(TARGET, "hello");
                assertThat(plain.statusCode()).isEqualTo(200);
                assertThat(plain.body()).contains("\"usage\"");
                HttpResponse<String> stream = gw.chat(TestGateway.chatBody(TARGET, "hello", true));
                assertThat(stream.statusCode()).isEqualTo(200);
                assertThat(stream.body()).contains("data: [DONE]");
            }
        }
    }

    /**
     * Every event loop serves clients: one server per loop shares the port and Vert.x hands accepted
     * connections to them in turn (a single server created from a plain thread would bind every
     * connection to one loop, and the gateway would use one core whatever the setting).
     */
    @Test
    void clientConnectionsAreSpreadOverEveryEventLoop() throws Exception {
        try (Simulator sim = Simulator.builder().provider(SimProvider.groq().fakeKeys(2).model(MODEL, SimLimits.UNLIMITED).build())
                .build().start()) {
            Keycycle keycycle = TestGateway.keycycle(sim, 2, "rpm: 1000", null).build();
            KeycycleGateway gateway = KeycycleGateway.builder().keycycle(keycycle).host("127.0.0.1").port(0).eventLoops(3).build();
            gateway.start();
            try (TestGateway gw = TestGateway.over(keycycle, gateway)) {
                for (int i = 0; i < 6; i++) {
                    try (java.net.Socket s = new java.net.Socket("127.0.0.1", gateway.port())) {
                        s.setSoTimeout(5_000);
                        s.getOutputStream().write(("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                                .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                        String status = new java.io.BufferedReader(new java.io.InputStreamReader(s.getInputStream(),
                                java.nio.charset.StandardCharsets.US_ASCII)).readLine();
                        assertThat(status).startsWith("HTTP/1.1 200");
                    }
                }
                assertThat(gateway.loopsServing()).as("event loops that accepted one of 6 connections").isEqualTo(3);
                assertThat(gw.chat(TARGET, "hello").statusCode()).isEqualTo(200);
            }
        }
    }

    @Test
    void eventLoopsOutOfRangeAreRefused() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> KeycycleGateway.builder().eventLoops(-1))
                .hasMessageContaining("eventLoops");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> KeycycleGateway.builder().eventLoops(65))
                .hasMessageContaining("eventLoops");
        assertThat(KeycycleGateway.defaultEventLoops(1)).isEqualTo(2);
        assertThat(KeycycleGateway.defaultEventLoops(8)).isEqualTo(4);
    }

    @Test
    void upstreamConnectionsAreSharedOutAmongTheEventLoops() {
        assertThat(Upstream.perLoop(200, 2)).isEqualTo(100);
        assertThat(Upstream.perLoop(5, 2)).as("rounded up").isEqualTo(3);
        assertThat(Upstream.perLoop(1, 4)).as("at least one per loop").isEqualTo(1);
        assertThat(Upstream.perLoop(7, 1)).isEqualTo(7);
    }
}
