package io.keycycle.gateway;

import com.sun.net.httpserver.HttpServer;
import io.keycycle.Keycycle;
import io.keycycle.core.ApiKey;
import io.keycycle.core.config.KeycycleConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A provider (or a proxy in front of it) that echoes the request's {@code Authorization} header in a
 * long error message: what the client gets back is scrubbed before it is shortened, so not even the
 * front half of the key survives a cut.
 */
class ProviderEchoTest {

    // an obviously fake key, but shaped like a real one so the scrubber must recognise it
    static final String SECRET = "gsk_" + "Fk7".repeat(16);

    HttpServer upstream;
    KeycycleGateway gateway;
    Keycycle keycycle;

    @AfterEach
    void stop() {
        if (gateway != null) gateway.close();
        if (keycycle != null) keycycle.close();
        if (upstream != null) upstream.stop(0);
    }

    @Test
    void anEchoedKeyNeverReachesTheClientWhateverWhereTheMessageIsCut() throws Exception {
        upstream = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        int[] pad = {270};
        upstream.createContext("/", ex -> {
            String auth = ex.getRequestHeaders().getFirst("Authorization");
            String msg = "x".repeat(pad[0]) + " you sent Authorization: " + auth + " which is invalid for this model";
            byte[] b = ("{\"error\":{\"message\":\"" + msg + "\",\"type\":\"invalid_request_error\",\"code\":\"bad\"}}")
                    .getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("content-type", "application/json");
            ex.sendResponseHeaders(400, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        });
        upstream.start();
        String yaml = "providers:\n  groq:\n    models:\n      " + TestGateway.MODEL + ": { rpm: 1000 }\n";
        keycycle = Keycycle.builder().env(Map.of()).config(KeycycleConfig.parse(yaml, Map.of(), "echo.yaml"))
                .keys("groq", List.of(ApiKey.of("groq", 1, SECRET)))
                .baseUrl("groq", URI.create("http://127.0.0.1:" + upstream.getAddress().getPort() + "/openai/v1"))
                .shutdownHook(false).build();
        gateway = KeycycleGateway.builder().keycycle(keycycle).host("127.0.0.1").port(0).build();
        gateway.start();
        TestGateway http = TestGateway.over(keycycle, gateway);
        for (int p : new int[] {200, 250, 262, 270, 280, 300}) {
            pad[0] = p;
            HttpResponse<String> r = http.chat(TestGateway.TARGET, "hello");
            assertThat(r.statusCode()).as(r.body()).isBetween(400, 599);
            assertThat(r.body()).as("pad " + p).doesNotContain(SECRET.substring(0, 10)).doesNotContain("Fk7Fk7Fk7");
        }
    }
}
