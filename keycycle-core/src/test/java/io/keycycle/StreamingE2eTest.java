package io.keycycle;

import io.keycycle.core.KeycycleEvent;
import io.keycycle.core.OutcomeKind;
import io.keycycle.core.RateLimitException;
import io.keycycle.core.client.SseEvent;
import io.keycycle.core.client.StreamListener;
import io.keycycle.core.client.StreamResult;
import io.keycycle.sim.FaultKind;
import io.keycycle.sim.ProviderKind;
import io.keycycle.sim.SimLimits;
import io.keycycle.sim.SimProvider;
import io.keycycle.sim.SimStats;
import io.keycycle.sim.Simulator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Case 6: {@link Keycycle#stream} hands chunks over as the provider sends them (the simulator
 * paces frames {@value #INTERVAL_MS} ms apart) and records the usage of the final chunk, in each
 * provider's layout: Groq {@code x_groq.usage} (plus the top-level usage chunk that
 * {@code include_usage} asks for), Cerebras' trailing usage chunk with empty {@code choices}, Gemini's
 * usage on the {@code finish_reason} frame, OpenRouter after {@code : OPENROUTER PROCESSING} comments.
 */
class StreamingE2eTest {

    private static final long INTERVAL_MS = 60;
    private static Simulator sim;
    private static Keycycle kc;
    private static final E2e.Recorder rec = new E2e.Recorder();

    @BeforeAll
    static void start() {
        List<String> models = new ArrayList<>();
        Simulator.Builder b = Simulator.builder().chunkInterval(Duration.ofMillis(INTERVAL_MS));
        Keycycle.Builder k = null;
        String[][] targets = {{"groq", "llama-3.1-8b-instant"}, {"cerebras", "gpt-oss-120b"},
                {"gemini", "gemini-2.5-flash"}, {"openrouter", "meta-llama/llama-3.3-70b-instruct:free"}};
        for (String[] t : targets) {
            b.provider(SimProvider.builder(ProviderKind.of(t[0])).fakeKeys(1).model(t[1], SimLimits.UNLIMITED)
                    .freeModelLimits(SimLimits.UNLIMITED).build());
            models.add(t[0] + "/" + t[1]);
        }
        models.add("openrouter/*");
        sim = b.build().start();
        String yaml = E2e.unlimited(models.toArray(String[]::new))
                + "tiers:\n  chatty: [groq/llama-3.1-8b-instant, cerebras/gpt-oss-120b]\n";
        k = E2e.keycycle(sim, yaml).listener(rec);
        for (String[] t : targets) k.keys(t[0], E2e.keys(t[0], "scope-1"));
        kc = k.build();
    }

    @AfterAll
    static void stop() {
        kc.close();
        sim.close();
    }

    @Test
    void aStreamThatFailsAfterItsFirstChunkIsSurfacedNotRepeatedElsewhere() {
        // tier: groq first, then cerebras; groq fails mid-stream (200, one chunk, then an error event)
        sim.provider("groq").failNext(1, FaultKind.MID_STREAM_ERROR);
        List<SseEvent> events = new CopyOnWriteArrayList<>();
        long cerebrasBefore = sim.stats().total("cerebras").requests();
        long groqCountedBefore = counted("groq");

        assertThatThrownBy(() -> kc.stream("chatty", E2e.chat("a story"), CallSpec.defaults(), StreamListener.of(events::add)))
                .isInstanceOfSatisfying(RateLimitException.class, e -> {
                    assertThat(e.provider()).isEqualTo("groq");
                    assertThat(e.attempts()).hasSize(1);
                });
        assertThat(events).as("the caller saw groq's partial answer and its error, and nothing after it").hasSize(2);
        assertThat(events.get(1).data()).contains("\"error\"");
        assertThat(sim.stats().total("cerebras").requests()).as("no fallback after chunks were delivered")
                .isEqualTo(cerebrasBefore);
        assertThat(counted("groq") - groqCountedBefore).as("groq had the request (it sent a chunk): it stays counted").isEqualTo(1);
    }

    /** Requests in the provider's minute windows, over all its buckets. */
    private static long counted(String provider) {
        long n = 0;
        for (var b : kc.pool(provider).snapshot().buckets()) {
            for (var u : b.usage()) if (u.metric() == io.keycycle.core.Limits.Metric.RPM) n += u.used();
        }
        return n;
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"groq, llama-3.1-8b-instant", "cerebras, gpt-oss-120b", "gemini, gemini-2.5-flash",
            "openrouter, meta-llama/llama-3.3-70b-instruct:free"})
    void chunksArriveAsTheyAreSentAndTheFinalUsageIsRecorded(String provider, String model) {
        List<SseEvent> events = new CopyOnWriteArrayList<>();
        List<Long> arrivals = new CopyOnWriteArrayList<>();
        StreamListener listener = e -> {
            arrivals.add(System.nanoTime());
            events.add(e);
            return true;
        };
        Served<StreamResult> served = kc.stream(provider + "/" + model, E2e.chat("tell me a story about " + provider),
                CallSpec.defaults(), listener);
        long returned = System.nanoTime();

        StreamResult r = served.value();
        assertThat(r.isSuccess()).isTrue();
        assertThat(r.done()).isTrue();
        assertThat(events).last().satisfies(e -> assertThat(e.isDone()).isTrue());
        assertThat(events).noneMatch(e -> e.data().startsWith(":") || e.data().contains("OPENROUTER PROCESSING"));
        int frames = events.size();
        assertThat(frames).isGreaterThanOrEqualTo(4);
        // the first chunk was handed over while the simulator was still pacing the rest
        double firstToReturnMs = (returned - arrivals.get(0)) / 1e6;
        assertThat(firstToReturnMs).as("ms from the first chunk to the end of %d frames", frames)
                .isGreaterThanOrEqualTo((frames - 2) * INTERVAL_MS * 0.8);

        // usage from the final chunk equals what the simulator charged, and it is what the pool recorded
        SimStats.Row sim = E2e.simRow(StreamingE2eTest.sim, provider, served.fingerprint());
        assertThat(r.usage()).hasValueSatisfying(u -> {
            assertThat(u.promptTokens()).isEqualTo(sim.promptTokens());
            assertThat(u.completionTokens()).isEqualTo(sim.completionTokens());
            assertThat(u.totalTokens()).isEqualTo(sim.totalTokens());
        });
        KeycycleEvent.Settled settled = rec.settled(provider).get(rec.settled(provider).size() - 1);
        assertThat(settled.outcome()).isEqualTo(OutcomeKind.SUCCESS);
        assertThat(settled.promptTokens()).isEqualTo(sim.promptTokens());
        assertThat(settled.completionTokens()).isEqualTo(sim.completionTokens());
        // the windows keep what the provider counted: the usage, or for Cerebras the reservation it
        // took at arrival (this request sets no max_completion_tokens: prompt + 16,384)
        assertThat(settled.chargedTokens())
                .isEqualTo(provider.equals("cerebras") ? rec.cerebrasCharge(settled)
                        : provider.equals("gemini") ? sim.promptTokens() // its token quotas count input only
                        : sim.totalTokens());
        if (provider.equals("cerebras")) {
            assertThat(settled.chargedTokens()).isEqualTo(rec.admittedTokens(provider, settled.leaseId())).isGreaterThan(16_384);
        }
        if (provider.equals("gemini")) {
            assertThat(sim.totalTokens()).as("hidden thinking tokens").isEqualTo(sim.promptTokens() + sim.completionTokens() + 24);
        }
    }
}
