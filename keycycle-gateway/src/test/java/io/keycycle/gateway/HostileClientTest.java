package io.keycycle.gateway;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import io.keycycle.sim.SimLimits;
import io.keycycle.sim.SimProvider;
import io.keycycle.sim.Simulator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static io.keycycle.gateway.TestGateway.MODEL;
import static io.keycycle.gateway.TestGateway.TARGET;
import static io.keycycle.gateway.TestGateway.json;
import static org.assertj.core.api.Assertions.assertThat;

/** Clients that send what they should not: bad field values, non-JSON bodies, huge heads, idle or too many sockets, odd methods. */
class HostileClientTest {

    Simulator sim;
    TestGateway gw;

    @AfterEach
    void stop() {
        if (gw != null) gw.close();
        if (sim != null) sim.close();
    }

    private void start(java.util.function.UnaryOperator<KeycycleGateway.Builder> settings) {
        sim = Simulator.builder().provider(SimProvider.groq().fakeKeys(1).model(MODEL, SimLimits.UNLIMITED).build()).build().start();
        var kc = TestGateway.keycycle(sim, 1, "rpm: 1000", null).build();
        KeycycleGateway g = settings.apply(KeycycleGateway.builder().keycycle(kc).host("127.0.0.1").port(0)).build();
        g.start();
        gw = TestGateway.over(kc, g);
    }

    private static String body(String field, String jsonValue) {
        return "{\"model\":\"" + TARGET + "\",\"" + field + "\":" + jsonValue
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    }

    @Test
    void badFieldValuesAre400NamingTheFieldNever500NorAStackTrace() {
        start(b -> b);
        ListAppender<ILoggingEvent> log = new ListAppender<>();
        log.start();
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.addAppender(log);
        try {
            String[][] cases = {
                    {"max_tokens", "-1"}, {"max_tokens", "1.5"}, {"max_tokens", "\"100\""}, {"max_tokens", "9223372036854775808"},
                    {"max_tokens", "9223372036854775807"}, {"max_tokens", "true"}, {"max_tokens", "[]"},
                    {"max_completion_tokens", "-5"}, {"max_completion_tokens", "\"lots\""}, {"max_completion_tokens", "1e30"},
                    {"n", "0"}, {"n", "2.5"}, {"temperature", "\"hot\""}, {"temperature", "-0.1"}, {"temperature", "99"},
                    {"top_p", "2"}, {"presence_penalty", "\"x\""}, {"seed", "1.5"}, {"stop", "[1, 2]"}, {"tools", "{}"},
                    {"logprobs", "\"yes\""}, {"user", "42"},
                    // exponents past a double's range: Jackson reads them as infinities
                    {"temperature", "1e400"}, {"top_p", "1e400"}, {"presence_penalty", "-1e400"}, {"frequency_penalty", "1e999"},
            };
            for (String[] c : cases) {
                HttpResponse<String> r = gw.chat(body(c[0], c[1]));
                assertThat(r.statusCode()).as(c[0] + "=" + c[1] + ": " + r.body()).isEqualTo(400);
                JsonNode e = json(r).path("error");
                assertThat(e.path("param").asText()).as(c[0] + "=" + c[1]).isEqualTo(c[0]);
                assertThat(e.path("message").asText()).contains("'" + c[0] + "'");
                assertThat(r.body()).doesNotContain("Exception", "\tat ");
            }
            HttpResponse<String> message = gw.chat("{\"model\":\"" + TARGET + "\",\"messages\":[\"hi\"]}");
            assertThat(message.statusCode()).isEqualTo(400);
            assertThat(json(message).path("error").path("param").asText()).isEqualTo("messages[0]");
            HttpResponse<String> role = gw.chat("{\"model\":\"" + TARGET + "\",\"messages\":[{\"content\":\"hi\"}]}");
            assertThat(json(role).path("error").path("param").asText()).isEqualTo("messages[0].role");
        } finally {
            root.detachAppender(log);
        }
        assertThat(log.list.stream().filter(ev -> ev.getLevel().isGreaterOrEqual(Level.ERROR)).map(ILoggingEvent::getFormattedMessage))
                .as("nothing a client sends is logged as an error").isEmpty();
        assertThat(log.list.stream().filter(ev -> ev.getThrowableProxy() != null).map(ILoggingEvent::getFormattedMessage))
                .as("no stack trace in the log").isEmpty();
        assertThat(sim.stats().totalRequests()).as("bad requests never reach the provider").isZero();
        // well-formed values still pass
        assertThat(gw.chat(body("max_tokens", "16")).statusCode()).isEqualTo(200);
        assertThat(gw.chat(body("temperature", "0.7")).statusCode()).isEqualTo(200);
    }

    @Test
    void onlyJsonBodiesAreAccepted() {
        start(b -> b);
        String ok = TestGateway.chatBody(TARGET, "hi", false);
        for (String type : new String[] {"text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", null}) {
            HttpRequest.Builder b = gw.request("/v1/chat/completions").POST(HttpRequest.BodyPublishers.ofString(ok));
            if (type != null) b.header("content-type", type);
            HttpResponse<String> r = gw.send(b.build());
            assertThat(r.statusCode()).as(String.valueOf(type)).isEqualTo(415);
            assertThat(json(r).path("error").path("message").asText()).contains("application/json");
        }
        HttpResponse<String> admin = gw.send(gw.request("/admin/keys/groq/1/disable").header("content-type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build());
        assertThat(admin.statusCode()).isEqualTo(415);
        assertThat(gw.send(gw.request("/v1/chat/completions").header("content-type", "application/json; charset=utf-8")
                .POST(HttpRequest.BodyPublishers.ofString(ok)).build()).statusCode()).isEqualTo(200);
        assertThat(sim.stats().totalRequests()).isEqualTo(1);
    }

    /** A disable's reason is kept with the key and shown on every page: it is bounded to what the store keeps. */
    @Test
    void anOverLongDisableReasonIsRefusedNamingTheLimit() {
        start(b -> b);
        HttpResponse<String> tooLong = gw.post("/admin/keys/groq/1/disable", "{\"reason\": \"" + "x".repeat(AdminEndpoint.MAX_REASON + 1) + "\"}");
        assertThat(tooLong.statusCode()).isEqualTo(400);
        assertThat(json(tooLong).path("error").path("message").asText()).contains("'reason' is 513 characters long; at most 512");
        assertThat(gw.get("/admin/keys").body()).doesNotContain("disabled by operator");
        HttpResponse<String> atTheLimit = gw.post("/admin/keys/groq/1/disable", "{\"reason\": \"" + "y".repeat(AdminEndpoint.MAX_REASON) + "\"}");
        assertThat(atTheLimit.statusCode()).isEqualTo(200);
        assertThat(gw.get("/admin/keys").body()).contains("disabled by operator: " + "y".repeat(AdminEndpoint.MAX_REASON));
    }

    @Test
    void anOversizedHeadIs431AtTheConfiguredLimit() {
        start(b -> b.maxHeaderBytes(2_048));
        RawHttp.Response small = RawHttp.send(gw.gateway.port(), "GET", "/v1/models", "127.0.0.1", null, "X-Pad: " + "a".repeat(1_000));
        assertThat(small.status()).isEqualTo(200);
        RawHttp.Response big = RawHttp.send(gw.gateway.port(), "GET", "/v1/models", "127.0.0.1", null, "X-Pad: " + "a".repeat(3_000));
        assertThat(big.status()).isEqualTo(431);
    }

    /**
     * A client that declares a body far above the limit gets its 413 and the connection is closed:
     * kept open, the gateway went on reading and discarding whatever the client sent (1.5 GB in 3 s
     * in a probe), for as long as the client liked.
     */
    @Test
    void aBodyDeclaredAboveTheLimitGets413AndTheConnectionIsClosed() throws Exception {
        start(b -> b.maxBodyBytes(1_024));
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", gw.gateway.port()), 5_000);
            s.setSoTimeout(5_000);
            s.getOutputStream().write(("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "Content-Length: 1000000000\r\n\r\n{\"model\":\"").getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
            byte[] buf = new byte[4096];
            try {
                for (int n; (n = s.getInputStream().read(buf)) >= 0; ) got.write(buf, 0, n);
            } catch (SocketTimeoutException stillOpen) {
                throw new AssertionError("the connection was still open 5 s after the 413: " + got.toString(StandardCharsets.UTF_8));
            } catch (IOException reset) {
                // closed: as wanted
            }
            assertThat(got.toString(StandardCharsets.UTF_8)).startsWith("HTTP/1.1 413").contains("request_too_large");
        }
    }

    @Test
    void anIdleConnectionIsClosedAfterTheIdleTimeout() throws Exception {
        start(b -> b.idleTimeoutSeconds(1));
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", gw.gateway.port()), 5_000);
            s.setSoTimeout(6_000);
            long t0 = System.nanoTime();
            int read;
            try {
                read = s.getInputStream().read();
            } catch (SocketTimeoutException stillOpen) {
                throw new AssertionError("an idle connection was still open after 6 s (idle timeout 1 s)");
            } catch (IOException reset) {
                read = -1;
            }
            assertThat(read).isEqualTo(-1);
            assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(5_000);
        }
    }

    @Test
    void connectionsOverTheLimitAreClosedAndCounted() throws Exception {
        start(b -> b.maxConnections(2));
        List<Socket> held = new ArrayList<>();
        try {
            for (int i = 0; i < 2; i++) {
                Socket s = new Socket();
                s.connect(new InetSocketAddress("127.0.0.1", gw.gateway.port()), 5_000);
                s.setSoTimeout(10_000);
                // a complete keep-alive exchange proves the connection is served (and stays open)
                s.getOutputStream().write("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                byte[] buf = new byte[512];
                int n = s.getInputStream().read(buf);
                assertThat(new String(buf, 0, n, StandardCharsets.US_ASCII)).startsWith("HTTP/1.1 200");
                held.add(s);
            }
            try (Socket third = new Socket()) {
                third.connect(new InetSocketAddress("127.0.0.1", gw.gateway.port()), 5_000);
                third.setSoTimeout(5_000);
                third.getOutputStream().write("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                int read;
                try {
                    read = third.getInputStream().read();
                } catch (SocketTimeoutException open) {
                    throw new AssertionError("the third connection was neither served nor closed");
                } catch (IOException reset) {
                    read = -1;
                }
                assertThat(read).as("the connection over the limit is closed").isEqualTo(-1);
            }
        } finally {
            for (Socket s : held) s.close();
        }
        // once the held ones are gone, new connections are served again
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(RawHttp.send(gw.gateway.port(), "GET", "/healthz", "127.0.0.1", null).status()).isEqualTo(200));
        assertThat(gw.get("/metrics").body()).containsPattern("keycycle_gateway_connections_refused_total(\\{[^}]*})? [1-9]");
    }

    @Test
    void clientChosenMethodsAndPathsDoNotCreateMetricSeries() {
        start(b -> b);
        for (int i = 0; i < 5; i++) {
            RawHttp.send(gw.gateway.port(), "FOO" + i, "/anything-" + i, "127.0.0.1", null);
            RawHttp.send(gw.gateway.port(), "GET", "/no/such/path/" + i, "127.0.0.1", null);
        }
        String metrics = gw.get("/metrics").body();
        assertThat(metrics).doesNotContain("FOO0", "FOO4", "anything-", "/no/such/path");
        assertThat(metrics).contains("method=\"other\"");
    }

    @Test
    void aBrokenBodyOrAHangUpMidBodyIsAJsonAnswerOrNothingButNeverAnErrorInTheLog() throws Exception {
        start(b -> b);
        ListAppender<ILoggingEvent> log = new ListAppender<>();
        log.start();
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.addAppender(log);
        int port = gw.gateway.port();
        String head = "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n";
        try {
            // a chunk size that is not hexadecimal: the body cannot be read
            String broken = exchange(port, head + "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\n{}\r\n0\r\n\r\n");
            if (!broken.isEmpty()) {
                RawHttp.Response r = RawHttp.parse(broken);
                assertThat(r.status()).as(broken).isEqualTo(400);
                assertThat(jsonOf(r.body()).path("error").path("type").asText()).isEqualTo("invalid_request_error");
            }
            // an expectation the gateway does not know: 417 in OpenAI's shape
            RawHttp.Response expect = RawHttp.parse(exchange(port, head + "Expect: something-else\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}"));
            assertThat(expect.status()).isEqualTo(417);
            assertThat(jsonOf(expect.body()).path("error").path("type").asText()).as(expect.body()).isEqualTo("invalid_request_error");
            // a client that hangs up in the middle of its body
            try (Socket s = new Socket("127.0.0.1", port)) {
                s.getOutputStream().write((head + "Content-Length: 100\r\n\r\n{\"model\"").getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
                Thread.sleep(200);
            }
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5)).until(() ->
                    gw.get("/metrics").body().contains("status=\"499\""));
        } finally {
            root.detachAppender(log);
        }
        assertThat(log.list.stream().filter(ev -> ev.getLevel().isGreaterOrEqual(Level.ERROR)).map(ILoggingEvent::getFormattedMessage))
                .as("nothing a client sends is logged as an error").isEmpty();
        // at the levels a gateway logs by default (Vert.x-web itself logs each failure at DEBUG with its exception)
        assertThat(log.list.stream().filter(ev -> ev.getThrowableProxy() != null && ev.getLevel().isGreaterOrEqual(Level.INFO))
                .map(ILoggingEvent::getFormattedMessage)).as("no stack trace in the log").isEmpty();
        assertThat(gw.chat(TestGateway.chatBody(TARGET, "still serving", false)).statusCode()).isEqualTo(200);
    }

    private static JsonNode jsonOf(String body) {
        JsonNode n = Jsons.tryParse(body);
        if (n == null) throw new AssertionError("not JSON: " + body);
        return n;
    }

    /** Writes {@code request} on a new connection and reads until the gateway closes it ("" when it sent nothing). */
    private static String exchange(int port, String request) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            try {
                return RawHttp.readAll(s.getInputStream());
            } catch (IOException reset) {
                return "";
            }
        }
    }
}
