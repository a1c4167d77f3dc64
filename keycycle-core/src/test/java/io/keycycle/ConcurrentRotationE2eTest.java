package io.keycycle;

import io.keycycle.core.client.ChatResult;
import io.keycycle.sim.SimLimits;
import io.keycycle.sim.SimProvider;
import io.keycycle.sim.SimStats;
import io.keycycle.sim.Simulator;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Case 1: many keys with small limits, the same in the simulator and in the configuration, under
 * concurrent load with waiting. The pool must never let a request through that the provider would
 * refuse, and must serve every caller.
 *
 * <p>Real time is sped up {@value #SPEED} times (engine and simulator share a {@link E2e.FastClock}),
 * so ~5 s of wall time are well over a minute of provider time: the minute windows fill, roll
 * over and refill. The clock starts 10 ms before the end of one of the pool's sub-buckets (2.5 s):
 * requests admitted there reach the provider in the next one. Before settlement moved a counted
 * request to the settlement instant, that start made the pool free a slot before the provider did
 * and the next admission met a 429; this test guards that.
 */
class ConcurrentRotationE2eTest {

    private static final String MODEL = "llama-3.1-8b-instant";
    private static final double SPEED = 20;
    private static final Duration LOAD = Duration.ofSeconds(5);
    private static final int THREADS = 8;

    @Test
    void eightKeysInFourOrgsUnderConcurrentLoadNeverTripTheProviderAndServeEveryCall() throws Exception {
        E2e.FastClock clock = new E2e.FastClock(Instant.parse("2026-03-02T00:00:02.490Z"), SPEED);
        String[] scopes = {"org-1", "org-1", "org-2", "org-2", "org-3", "org-3", "org-4", "org-4"};
        SimProvider.Builder groq = SimProvider.groq().model(MODEL, SimLimits.UNLIMITED.rpm(5).tpm(2000))
                .model("warm-up", SimLimits.UNLIMITED);
        for (int i = 1; i <= scopes.length; i++) groq.key(E2e.secret("groq", i), scopes[i - 1]);
        String yaml = """
                providers:
                  groq:
                    models:
                      llama-3.1-8b-instant: { rpm: 5, rph: unlimited, rpd: unlimited, tpm: 2000, tph: unlimited, tpd: unlimited }
                      warm-up: { rpm: unlimited, rph: unlimited, rpd: unlimited, tpm: unlimited, tph: unlimited, tpd: unlimited }
                """;
        try (Simulator sim = Simulator.builder().provider(groq.build()).clock(E2e.simClock(clock)).threads(16).build().start();
             Keycycle kc = E2e.keycycle(sim, yaml).keys("groq", E2e.keys("groq", scopes)).clock(clock).build()) {
            CallSpec spec = CallSpec.defaults().withWait(true).withTimeout(Duration.ofMinutes(10));
            ConcurrentLinkedQueue<Served<ChatResult>> served = new ConcurrentLinkedQueue<>();
            ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
            AtomicInteger n = new AtomicInteger();
            CountDownLatch warm = new CountDownLatch(THREADS);
            CountDownLatch go = new CountDownLatch(1);
            CountDownLatch done = new CountDownLatch(THREADS);
            long[] window = new long[2];
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                Thread th = new Thread(() -> {
                    try {
                        kc.chat("groq/warm-up", E2e.chat("warm up", 5), CallSpec.defaults());
                        warm.countDown();
                        go.await();
                        while (System.nanoTime() < window[1]) {
                            served.add(kc.chat("groq/" + MODEL, E2e.chat("question " + n.incrementAndGet(), 40), spec));
                        }
                    } catch (Throwable e) {
                        failures.add(e);
                    } finally {
                        done.countDown();
                    }
                }, "e2e-load-" + t);
                threads.add(th);
                th.start();
            }
            warm.await();
            long simStart = clock.millis();
            window[0] = System.nanoTime();
            window[1] = window[0] + LOAD.toNanos();
            clock.go();
            go.countDown();
            done.await();
            double realSeconds = (System.nanoTime() - window[0]) / 1e9;
            double simMinutes = (clock.millis() - simStart) / 60_000.0;

            SimStats.Row total = sim.stats().total(r -> r.model().equals(MODEL));
            System.out.printf("case 1: %d calls answered in %.1f s wall (%.2f provider minutes at x%.0f): "
                            + "%.1f calls/s wall, %.1f calls per provider minute (capacity 4 orgs x 5 rpm = 20/min, "
                            + "plus the first minute's 20); upstream 429s: %d%n%s",
                    served.size(), realSeconds, simMinutes, SPEED, served.size() / realSeconds, served.size() / simMinutes,
                    total.total429(), sim.stats().table());

            assertThat(failures).as("every call is answered").isEmpty();
            assertThat(sim.stats().total429()).as("no upstream 429").isZero();
            assertThat(served).allSatisfy(s -> assertThat(s.value().status()).isEqualTo(200));
            assertThat(total.successes()).isEqualTo(served.size());
            // rotation used the combined capacity (4 orgs x 5 per minute), never more
            long minutes = (long) Math.ceil(simMinutes);
            assertThat((long) served.size()).as("calls served").isGreaterThan(20L * (minutes - 1)).isLessThanOrEqualTo(20L * minutes);
            // every org carried its share (keys of one org are interchangeable: they share its limits)
            for (String org : List.of("org-1", "org-2", "org-3", "org-4")) {
                assertThat(sim.stats().total(r -> r.model().equals(MODEL) && r.scope().equals(org)).successes())
                        .as("calls served by %s", org).isGreaterThanOrEqualTo(served.size() / 4 - 5);
            }
        }
    }
}
