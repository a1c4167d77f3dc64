package io.keycycle.gateway;

import io.keycycle.core.KeycycleEvent;
import io.keycycle.core.OutcomeKind;
import io.keycycle.sim.SimLimits;
import io.keycycle.sim.SimProvider;
import io.keycycle.sim.Simulator;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static io.keycycle.gateway.TestGateway.MODEL;
import static io.keycycle.gateway.TestGateway.TARGET;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * {@code close()} (what {@code keycycle serve} runs on SIGTERM) lets the requests under way finish
 * within a grace period instead of cutting them. Until 2026-12-03 it closed every connection at
 * once: a client whose answer the provider was writing got a reset connection, and the request was
 * settled as abandoned with its estimate instead of the provider's usage.
 */
class GracefulCloseTest {

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aRequestUnderWayAtCloseIsAnsweredAndSettledWithItsUsage(boolean stream) throws Exception {
        try (Simulator sim = Simulator.builder().latency(Duration.ofMillis(1500))
                .provider(SimProvider.groq().fakeKeys(1).model(MODEL, SimLimits.UNLIMITED).build()).build().start();
             TestGateway gw = TestGateway.start(TestGateway.keycycle(sim, 1, "rpm: 100", null).build())) {
            List<KeycycleEvent.Settled> settled = new CopyOnWriteArrayList<>();
            gw.keycycle.addListener(e -> {
                if (e instanceof KeycycleEvent.Settled s) settled.add(s);
            });
            CompletableFuture<HttpResponse<String>> inFlight = CompletableFuture.supplyAsync(
                    () -> gw.chat(TestGateway.chatBody(TARGET, "finish me", stream)));
            await().atMost(Duration.ofSeconds(5)).until(() -> gw.keycycle.pool("groq").openLeases() == 1);
            Thread.sleep(200);

            long start = System.nanoTime();
            gw.gateway.close();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("close waits for the request, not the whole grace")
                    .isLessThan(Duration.ofSeconds(8));

            HttpResponse<String> r = inFlight.get(10, TimeUnit.SECONDS);
            assertThat(r.statusCode()).isEqualTo(200);
            if (stream) assertThat(r.body()).endsWith("data: [DONE]\n\n");
            await().atMost(Duration.ofSeconds(5)).until(() -> !settled.isEmpty());
            assertThat(settled).extracting(KeycycleEvent.Settled::outcome).containsExactly(OutcomeKind.SUCCESS);
            assertThat(settled.get(0).completionTokens()).as("the provider's usage, not the estimate").isPositive();

            assertThatThrownBy(() -> gw.chat(TARGET, "too late")).as("nothing new is taken after close").isInstanceOf(RuntimeException.class);
        }
    }

    /**
     * {@code gateway.shutdown-grace} of keycycle.yaml (and {@code serve --shutdown-grace}) reaches the
     * gateway: a stream longer than the grace is cut when it ends, and stays counted. Until
     * 2026-12-04 the grace could only be set in code, so {@code keycycle serve} always waited 10 s.
     */
    @org.junit.jupiter.api.Test
    void theGraceFromTheFileBoundsTheWaitAndACutStreamStaysCounted() throws Exception {
        try (Simulator sim = Simulator.builder().chunkInterval(Duration.ofMillis(400))
                .provider(SimProvider.groq().fakeKeys(1).model(MODEL, SimLimits.UNLIMITED).build()).build().start()) {
            io.keycycle.Keycycle kc = TestGateway.keycycle(sim, 1, "rpm: 100", null).build();
            var file = io.keycycle.core.config.KeycycleConfig.parse("gateway:\n  shutdown-grace: 300ms\n", java.util.Map.of(), "k.yaml");
            assertThat(file.gateway().edge().shutdownGrace()).isEqualTo(Duration.ofMillis(300));
            KeycycleGateway g = KeycycleGateway.builder().keycycle(kc).config(file.gateway()).host("127.0.0.1").port(0).build();
            g.start();
            try (TestGateway gw = TestGateway.over(kc, g)) {
                List<KeycycleEvent.Settled> settled = new CopyOnWriteArrayList<>();
                kc.addListener(e -> {
                    if (e instanceof KeycycleEvent.Settled st) settled.add(st);
                });
                CompletableFuture<HttpResponse<String>> inFlight = CompletableFuture.supplyAsync(
                        () -> gw.chat(TestGateway.chatBody(TARGET, "a long story", true)));
                await().atMost(Duration.ofSeconds(5)).until(() -> kc.pool("groq").openLeases() == 1);
                Thread.sleep(500);   // a chunk or two has reached the client; the rest takes seconds

                long start = System.nanoTime();
                g.close();
                assertThat(Duration.ofNanos(System.nanoTime() - start)).as("close waits the file's 300 ms, not 10 s")
                        .isLessThan(Duration.ofSeconds(5));
                try {
                    HttpResponse<String> r = inFlight.get(10, TimeUnit.SECONDS);
                    assertThat(r.body()).as("the stream was cut").doesNotEndWith("data: [DONE]\n\n");
                } catch (java.util.concurrent.ExecutionException cut) {
                    // the connection was closed under the client: cut as well
                }
                await().atMost(Duration.ofSeconds(5)).until(() -> !settled.isEmpty());
                assertThat(settled.get(0).requests()).as("the cut stream stays counted").isEqualTo(1);
            }
        }
    }
}
