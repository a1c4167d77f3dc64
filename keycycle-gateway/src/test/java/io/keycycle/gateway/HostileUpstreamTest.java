package io.keycycle.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import io.keycycle.core.pool.KeyPool;
import io.keycycle.sim.FaultKind;
import io.keycycle.sim.SimLimits;
import io.keycycle.sim.SimProvider;
import io.keycycle.sim.Simulator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

import static io.keycycle.gateway.TestGateway.MODEL;
import static io.keycycle.gateway.TestGateway.TARGET;
import static io.keycycle.gateway.TestGateway.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The hostile-upstream fixture over real HTTP: the simulator stalls after its headers, sends an
 * endless line, a 100 MB body, an HTML page with status 200, a status line no client can parse, or
 * a JSON answer to a stream request. Each is classified (the next key serves, or a clean error
 * status), nothing is buffered without bound, no thread is held, and the gateway keeps serving.
 */
class HostileUpstreamTest {

    /** Short enough for quick tests, long enough for a cold JVM on a busy machine to answer a first request. */
    static final Duration IDLE = Duration.ofMillis(1500);
    static final long MAX_BODY = 1024 * 1024;
    static final int MAX_LINE = 64 * 1024;

    Simulator sim;
    TestGateway gw;
    KeyPool pool;

    void start(Duration chunkInterval) {
        sim = Simulator.builder().chunkInterval(chunkInterval)
                .provider(SimProvider.groq().fakeKeys(2).model(MODEL, SimLimits.UNLIMITED).build()).build().start();
        var keycycle = TestGateway.keycycle(sim, 2, "rpm: 1000", null).requestTimeout(Duration.ofSeconds(10)).build();
        KeycycleGateway g = KeycycleGateway.builder().keycycle(keycycle).port(0).streamIdleTimeout(IDLE)
                .streamDeadline(Duration.ofSeconds(20)).maxUpstreamBodyBytes(MAX_BODY).maxSseLineBytes(MAX_LINE).build();
        g.start();
        gw = TestGateway.over(keycycle, g);
        pool = keycycle.pool("groq");
        assertThat(gw.chat(TARGET, "warm-up").statusCode()).isEqualTo(200);
        sim.stats().reset();
    }

    void start() { start(Duration.ofMillis(5)); }

    @AfterEach
    void stop() {
        if (gw != null) gw.close();
        if (sim != null) sim.close();
    }

    HttpResponse<String> stream(String prompt) { return gw.chat(TestGateway.chatBody(TARGET, prompt, true)); }

    static List<String> data(HttpResponse<String> r) {
        return r.body().lines().filter(l -> l.startsWith("data: ")).map(l -> l.substring(6)).toList();
    }

    /** A whole, well-formed stream: events, the last one [DONE]. */
    static void assertGoodStream(HttpResponse<String> r) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type").orElseThrow()).startsWith("text/event-stream");
        List<String> data = data(r);
        assertThat(data).hasSizeGreaterThan(1);
        assertThat(data.get(data.size() - 1)).isEqualTo("[DONE]");
    }

    @Test
    void aStreamThatStallsAfterItsHeadersTimesOutAndTheNextKeyServes() {
        start();
        sim.provider("groq").failNext(1, FaultKind.STALL_AFTER_HEADERS);
        long t0 = System.nanoTime();
        HttpResponse<String> r = stream("stall then serve");
        assertGoodStream(r);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("the idle timeout, not the 30 s stall").isLessThan(Duration.ofSeconds(8));
        assertThat(r.headers().firstValue("x-keycycle-attempts")).hasValue("2");
        await().atMost(Duration.ofSeconds(2)).until(() -> pool.openLeases() == 0);
    }

    @Test
    void streamsThatAllStallEndIn502NotInAHangingConnection() {
        start();
        sim.provider("groq").failNext(10, FaultKind.STALL_AFTER_HEADERS);
        HttpResponse<String> r = stream("every key stalls");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(502);
        assertThat(json(r).path("error").path("message").asText()).contains("timed out");
        await().atMost(Duration.ofSeconds(2)).until(() -> pool.openLeases() == 0);
    }

    @Test
    void aStreamThatGoesSilentAfterItsFirstChunkEndsWithAnErrorEvent() {
        start(IDLE.multipliedBy(3));   // the simulator waits 4.5 s between frames: longer than the idle timeout
        HttpResponse<String> r = stream("first chunk, then silence");
        assertThat(r.statusCode()).isEqualTo(200);
        List<String> data = data(r);
        assertThat(data).as("a first chunk, then the gateway's error event").hasSizeGreaterThanOrEqualTo(2);
        assertThat(data.get(data.size() - 1)).contains("\"error\"").contains("timed out");
        assertThat(data).doesNotContain("[DONE]");
        assertThat(sim.stats().totalRequests()).as("never repeated once the client had a chunk").isEqualTo(1);
        await().atMost(Duration.ofSeconds(2)).until(() -> pool.openLeases() == 0);
    }

    @Test
    void anEndlessLineIsCutAtTheLineLimitAndTheNextKeyServes() {
        start();
        sim.provider("groq").failNext(1, FaultKind.ENDLESS_LINE);
        HttpResponse<String> r = stream("endless line");
        assertGoodStream(r);
        assertThat(r.headers().firstValue("x-keycycle-attempts")).hasValue("2");
        assertThat(sim.provider("groq").hostileBytesWritten()).as("the gateway stopped reading near the line limit")
                .isLessThan(16L * 1024 * 1024);
    }

    @Test
    void aHundredMegabytePlainBodyIsRefusedAtTheBodyLimitAndTheNextKeyServes() {
        start();
        sim.provider("groq").failNext(1, FaultKind.HUGE_BODY);
        HttpResponse<String> r = gw.chat(TARGET, "huge body");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(json(r).path("choices").isArray()).isTrue();
        assertThat(r.headers().firstValue("x-keycycle-attempts")).hasValue("2");
        assertThat(sim.provider("groq").hostileBytesWritten()).as("the gateway stopped reading near its body limit")
                .isLessThan(16L * 1024 * 1024);
    }

    @Test
    void anHtmlPageWithStatus200IsAnUpstreamFailureForPlainAndStream() {
        start();
        sim.provider("groq").failNext(1, FaultKind.WRONG_CONTENT_TYPE);
        HttpResponse<String> plain = gw.chat(TARGET, "html please");
        assertThat(plain.statusCode()).as(plain.body()).isEqualTo(200);
        assertThat(plain.headers().firstValue("content-type").orElseThrow()).contains("json");
        assertThat(plain.headers().firstValue("x-keycycle-attempts")).hasValue("2");

        sim.provider("groq").failNext(1, FaultKind.WRONG_CONTENT_TYPE);
        HttpResponse<String> stream = stream("html stream");
        assertGoodStream(stream);
        assertThat(stream.headers().firstValue("x-keycycle-attempts")).hasValue("2");

        sim.provider("groq").failNext(10, FaultKind.WRONG_CONTENT_TYPE);
        HttpResponse<String> allBad = gw.chat(TARGET, "html everywhere");
        assertThat(allBad.statusCode()).as(allBad.body()).isEqualTo(502);
        assertThat(allBad.body()).contains("text/html").doesNotContain("<html>");
    }

    @Test
    void aGarbageStatusLineIsClassifiedAndTheGatewayKeepsServing() {
        start();
        sim.provider("groq").failNext(1, FaultKind.GARBAGE_STATUS);
        HttpResponse<String> plain = gw.chat(TARGET, "garbage status");
        assertThat(plain.statusCode()).as(plain.body()).isEqualTo(200);
        assertThat(plain.headers().firstValue("x-keycycle-attempts")).hasValue("2");

        sim.provider("groq").failNext(1, FaultKind.GARBAGE_STATUS);
        assertGoodStream(stream("garbage status stream"));

        sim.provider("groq").failNext(10, FaultKind.GARBAGE_STATUS);
        HttpResponse<String> allBad = gw.chat(TARGET, "garbage everywhere");
        assertThat(allBad.statusCode()).as(allBad.body()).isEqualTo(502);
        assertThat(allBad.body()).doesNotContain("\tat ");
        assertThat(gw.chat(TARGET, "still serving").statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(2)).until(() -> pool.openLeases() == 0);
    }

    @Test
    void garbageHeadersAreClassifiedAndTheGatewayKeepsServing() {
        start();
        sim.provider("groq").failNext(1, FaultKind.GARBAGE_HEADERS);
        HttpResponse<String> plain = gw.chat(TARGET, "garbage headers");
        assertThat(plain.statusCode()).as(plain.body()).isEqualTo(200);
        assertThat(plain.body()).doesNotContain("from garbage headers");
        assertThat(plain.headers().firstValue("x-keycycle-attempts")).hasValue("2");

        sim.provider("groq").failNext(1, FaultKind.GARBAGE_HEADERS);
        HttpResponse<String> stream = stream("garbage headers stream");
        assertGoodStream(stream);
        assertThat(stream.body()).doesNotContain("from garbage headers");
        assertThat(stream.headers().firstValue("x-keycycle-attempts")).hasValue("2");

        sim.provider("groq").failNext(10, FaultKind.GARBAGE_HEADERS);
        HttpResponse<String> allBad = gw.chat(TARGET, "garbage headers everywhere");
        assertThat(allBad.statusCode()).as(allBad.body()).isEqualTo(502);
        assertThat(allBad.body()).doesNotContain("\tat ").doesNotContain("xxxxxxxx").doesNotContain("banana");
        sim.provider("groq").reset().failNext(10, FaultKind.GARBAGE_HEADERS);
        HttpResponse<String> allBadStream = stream("garbage headers everywhere, streamed");
        assertThat(allBadStream.statusCode()).as(allBadStream.body()).isEqualTo(502);
        sim.provider("groq").reset();
        assertThat(gw.chat(TARGET, "still serving").statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(2)).until(() -> pool.openLeases() == 0);
    }

    /**
     * Streams run on the event loop, not on a thread each: 300 streams stalled after their headers
     * (more than the 256 workers that once served them) leave a normal stream, a plain request
     * and the dashboard's {@code /api/state} served at once.
     */
    @Test
    void manyStalledStreamsLeaveANormalStreamAndTheDashboardServed() {
        int stalled = 300;
        sim = Simulator.builder().threads(stalled + 32).chunkInterval(Duration.ofMillis(5))
                .provider(SimProvider.groq().fakeKeys(2).model(MODEL, SimLimits.UNLIMITED).build()).build().start();
        var keycycle = TestGateway.keycycle(sim, 2, "rpm: unlimited, tpm: unlimited, rpd: unlimited, tpd: unlimited", null)
                .requestTimeout(Duration.ofSeconds(60)).build();
        KeycycleGateway g = KeycycleGateway.builder().keycycle(keycycle).port(0).streamIdleTimeout(Duration.ofSeconds(60)).build();
        g.start();
        gw = TestGateway.over(keycycle, g);
        pool = keycycle.pool("groq");
        assertThat(gw.chat(TARGET, "warm-up").statusCode()).isEqualTo(200);
        sim.stats().reset();
        sim.provider("groq").failNext(stalled, FaultKind.STALL_AFTER_HEADERS);
        List<java.util.concurrent.CompletableFuture<HttpResponse<Void>>> hanging = new java.util.ArrayList<>();
        for (int i = 0; i < stalled; i++) {
            hanging.add(gw.http.sendAsync(gw.request("/v1/chat/completions").timeout(Duration.ofSeconds(120))
                    .header("content-type", "application/json")
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString(TestGateway.chatBody(TARGET, "stall " + i, true))).build(),
                    HttpResponse.BodyHandlers.discarding()));
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> sim.stats().totalRequests() >= stalled);
        long t0 = System.nanoTime();
        assertGoodStream(stream("a normal stream among the stalled ones"));
        assertThat(gw.chat(TARGET, "a plain one").statusCode()).isEqualTo(200);
        HttpResponse<String> state = gw.get("/api/state");
        assertThat(state.statusCode()).isEqualTo(200);
        assertThat(json(state).path("providers").isArray()).isTrue();
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        System.out.printf("HostileUpstreamTest: a stream, a plain request and /api/state beside %d stalled streams in %d ms%n",
                stalled, took.toMillis());
        assertThat(took).as("served at once, not after the stalls").isLessThan(Duration.ofSeconds(10));
        assertThat(hanging).as("the stalled ones are still waiting").allMatch(f -> !f.isDone());
        assertThat(pool.openLeases()).isGreaterThanOrEqualTo(stalled);
        hanging.forEach(f -> f.cancel(true));
    }

    @Test
    void aJsonAnswerToAStreamRequestReachesTheClientAsOneChunkAndDone() {
        start();
        sim.provider("groq").failNext(1, FaultKind.STREAM_IGNORED);
        HttpResponse<String> r = stream("the provider ignores stream");
        assertGoodStream(r);
        List<String> data = data(r);
        assertThat(r.headers().firstValue("x-keycycle-attempts")).hasValue("1");
        assertThat(data).hasSize(2);
        JsonNode chunk = Jsons.tryParse(data.get(0));
        assertThat(chunk.path("object").asText()).isEqualTo("chat.completion.chunk");
        assertThat(chunk.path("choices").path(0).path("delta").path("content").asText()).isNotBlank();
        assertThat(chunk.path("choices").path(0).path("finish_reason").asText()).isEqualTo("stop");
        assertThat(chunk.path("usage").path("completion_tokens").asLong()).isPositive();
        assertThat(r.headers().firstValue("x-keycycle-attempts")).hasValue("1");
    }
}
