package io.keycycle;

import io.keycycle.core.KeycycleEvent;
import io.keycycle.core.Limits;
import io.keycycle.core.NoAvailableKeyException;
import io.keycycle.core.RateLimitException;
import io.keycycle.core.learn.LearnedLimit;
import io.keycycle.core.testing.ManualClock;
import io.keycycle.sim.SimLimits;
import io.keycycle.sim.SimProvider;
import io.keycycle.sim.Simulator;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A wrong table costs at most one response: the provider's own numbers (OpenRouter's
 * {@code X-RateLimit-Limit}, Groq's limit headers) replace the table's for that scope and model,
 * over real HTTP against the simulator, on a manual clock the simulator shares.
 */
class LearnedLimitsE2eTest {

    static final Instant T0 = Instant.parse("2026-11-30T08:00:00Z");
    static final String FREE = "meta-llama/llama-3.3-70b-instruct:free";

    /** Sends {@code n} calls; returns how many were answered (the rest refused, locally or by the provider). */
    static int send(Keycycle kc, String target, int n) {
        int ok = 0;
        for (int i = 0; i < n; i++) {
            try {
                if (kc.chat(target, E2e.chat("call " + i, 20), CallSpec.defaults()).value().status() == 200) ok++;
            } catch (NoAvailableKeyException | RateLimitException refused) {
                // counted by the caller through the simulator's stats
            }
        }
        return ok;
    }

    @Test
    void aTableSayingAThousandADayWhileTheProviderSaysFiftyCostsOne429AndNoMore() {
        ManualClock clock = new ManualClock(T0);
        E2e.Recorder rec = new E2e.Recorder();
        SimProvider or = SimProvider.openrouter().fakeKeys(1, "acct").model(FREE, SimLimits.UNLIMITED)
                .freeModelLimits(SimLimits.UNLIMITED.rpd(50)).build();
        String yaml = E2e.yaml(List.of("openrouter/*={ rpm: unlimited, rph: unlimited, rpd: 1000, tpm: unlimited, tph: unlimited, tpd: unlimited }"));
        try (Simulator sim = Simulator.builder().provider(or).clock(E2e.simClock(clock)).build().start();
             Keycycle kc = E2e.keycycle(sim, yaml).keys("openrouter", E2e.keys("openrouter", "acct")).clock(clock).listener(rec).build()) {
            String target = "openrouter/" + FREE;
            assertThat(send(kc, target, 60)).isEqualTo(50);
            assertThat(sim.stats().total429()).as("the one answer that revealed the real cap").isEqualTo(1);
            assertThat(sim.stats().total("openrouter").requests()).as("parked after it: never sent again today").isEqualTo(51);

            List<LearnedLimit> learned = kc.pool("openrouter").learnedLimits();
            assertThat(learned).singleElement().satisfies(l -> {
                assertThat(l.metric()).isEqualTo(Limits.Metric.RPD);
                assertThat(l.scope()).isEqualTo("acct");
                assertThat(l.tableValue()).isEqualTo(1000);
                assertThat(l.value()).isEqualTo(50);
                assertThat(l.describe()).isEqualTo("rpd 1000 → 50, learned from openrouter " + clock.now());
            });
            assertThat(rec.of(KeycycleEvent.LimitLearned.class, e -> true)).singleElement()
                    .satisfies(e -> assertThat(e.value()).isEqualTo(50));

            // the next UTC days: 50 served each, then refused locally — never a 429 again
            for (int day = 1; day <= 2; day++) {
                clock.set(T0.plus(Duration.ofDays(day)).toEpochMilli());
                assertThat(send(kc, target, 60)).as("day %d", day).isEqualTo(50);
            }
            assertThat(sim.stats().total429()).as("still the one 429 of the first day").isEqualTo(1);
        }
    }

    @Test
    void groqsLimitHeaderLowersTheTableBeforeAnyRefusal() {
        ManualClock clock = new ManualClock(T0);
        SimProvider groq = SimProvider.groq().fakeKeys(1).model("openai/gpt-oss-120b", SimLimits.UNLIMITED.rpd(5).tpm(100_000)).build();
        try (Simulator sim = Simulator.builder().provider(groq).clock(E2e.simClock(clock)).build().start();
             Keycycle kc = E2e.keycycle(sim, "{}").keys("groq", E2e.keys("groq", "org-1")).clock(clock).build()) {
            assertThat(send(kc, "groq/openai/gpt-oss-120b", 8)).isEqualTo(5);
            assertThat(sim.stats().total429()).as("the headers said 5 a day before the provider had to refuse").isZero();
            assertThat(kc.pool("groq").learnedLimits()).extracting(LearnedLimit::describe)
                    .anySatisfy(d -> assertThat(d).startsWith("rpd 1000 → 5, learned from groq"));
        }
    }

    @Test
    void paidOpenRouterModelsDoNotDrawOnTheFreeBudget() {
        ManualClock clock = new ManualClock(T0);
        SimProvider or = SimProvider.openrouter().fakeKeys(1, "acct").model(FREE, SimLimits.UNLIMITED)
                .model("openai/gpt-4o-mini", SimLimits.UNLIMITED).freeModelLimits(SimLimits.UNLIMITED.rpd(3)).build();
        String yaml = E2e.yaml(List.of("openrouter/*={ rpm: unlimited, rpd: 3 }", "openrouter/openai/gpt-4o-mini={ rpm: 100 }"));
        try (Simulator sim = Simulator.builder().provider(or).clock(E2e.simClock(clock)).build().start();
             Keycycle kc = E2e.keycycle(sim, yaml).keys("openrouter", E2e.keys("openrouter", "acct")).clock(clock).build()) {
            assertThat(send(kc, "openrouter/openai/gpt-4o-mini", 10)).isEqualTo(10);
            assertThat(send(kc, "openrouter/" + FREE, 5)).as("the free budget is untouched by the paid calls").isEqualTo(3);
            assertThat(send(kc, "openrouter/openai/gpt-4o-mini", 2)).as("and its exhaustion does not stop paid ones").isEqualTo(2);
            assertThat(sim.stats().total429()).isZero();
        }
    }

    @Test
    void geminisAutoRoutedModelNamesTheQuotaThatRanOutAndThatModelIsHeldToo() {
        ManualClock clock = new ManualClock(T0);
        SimProvider gemini = SimProvider.gemini().fakeKeys(1, "project-a").model("gemini-3.5-flash-lite", SimLimits.UNLIMITED.rpd(2))
                .autoRoute("gemini-2.5-flash", "gemini-3.5-flash-lite").build();
        String generous = "{ rpm: 100, rpd: 100, tpm: unlimited }";
        String yaml = E2e.yaml(List.of("gemini/gemini-2.5-flash=" + generous, "gemini/gemini-3.5-flash-lite=" + generous));
        try (Simulator sim = Simulator.builder().provider(gemini).clock(E2e.simClock(clock)).build().start();
             Keycycle kc = E2e.keycycle(sim, yaml).keys("gemini", E2e.keys("gemini", "project-a")).clock(clock).build()) {
            assertThat(send(kc, "gemini/gemini-2.5-flash", 3)).isEqualTo(2);   // the third: 429 naming gemini-3.5-flash-lite
            assertThat(sim.stats().total429()).isEqualTo(1);
            assertThat(send(kc, "gemini/gemini-3.5-flash-lite", 2)).as("its quota is known to be gone: refused locally").isZero();
            assertThat(sim.stats().total429()).isEqualTo(1);
            assertThat(kc.pool("gemini").learnedLimits()).extracting(LearnedLimit::model, LearnedLimit::value)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple("gemini-3.5-flash-lite", 2L));
        }
    }
}
