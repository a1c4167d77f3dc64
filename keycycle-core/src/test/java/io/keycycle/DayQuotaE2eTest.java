package io.keycycle;

import io.keycycle.core.KeyState;
import io.keycycle.core.KeycycleEvent;
import io.keycycle.core.NoAvailableKeyException;
import io.keycycle.core.OutcomeKind;
import io.keycycle.core.RateLimitException;
import io.keycycle.core.client.ChatResult;
import io.keycycle.core.testing.ManualClock;
import io.keycycle.sim.SimLimits;
import io.keycycle.sim.SimProvider;
import io.keycycle.sim.Simulator;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Case 3: a day-quota 429 parks the scope until the provider's reset, not for the short wait the
 * answer may carry. The simulator and the engine share a manual clock set to a fixed instant:
 * 2026-03-10T20:00Z is 13:00 in Los Angeles (PDT), so Gemini resets at 2026-03-11T07:00Z and
 * OpenRouter at 2026-03-11T00:00Z. The configuration allows far more than the simulator, so the
 * provider is the one that refuses.
 */
class DayQuotaE2eTest {

    private static final Instant T0 = Instant.parse("2026-03-10T20:00:00Z");
    private static final String GENEROUS = "{ rpm: 100, rph: unlimited, rpd: 100, tpm: unlimited, tph: unlimited, tpd: unlimited }";

    @Test
    void geminiPerDayQuotaParksTheProjectAndModelUntilMidnightInLosAngeles() {
        ManualClock clock = new ManualClock(T0);
        E2e.Recorder rec = new E2e.Recorder();
        SimProvider gemini = SimProvider.gemini()
                .key(E2e.secret("gemini", 1), "project-a").key(E2e.secret("gemini", 2), "project-a")
                .model("gemini-2.5-flash", SimLimits.UNLIMITED.rpd(2))
                .model("gemini-2.5-flash-lite", SimLimits.UNLIMITED.rpd(2)).build();
        String yaml = E2e.yaml(List.of("gemini/gemini-2.5-flash=" + GENEROUS, "gemini/gemini-2.5-flash-lite=" + GENEROUS));
        Instant reset = Instant.parse("2026-03-11T07:00:00Z");
        try (Simulator sim = Simulator.builder().provider(gemini).clock(E2e.simClock(clock)).build().start();
             Keycycle kc = E2e.keycycle(sim, yaml).keys("gemini", E2e.keys("gemini", "project-a", "project-a"))
                     .clock(clock).listener(rec).build()) {
            String target = "gemini/gemini-2.5-flash";
            kc.chat(target, E2e.chat("one"), CallSpec.defaults());
            kc.chat(target, E2e.chat("two"), CallSpec.defaults());

            assertThatThrownBy(() -> kc.chat(target, E2e.chat("three"), CallSpec.defaults()))
                    .isInstanceOfSatisfying(RateLimitException.class, e -> {
                        assertThat(e.attempts()).hasSize(1);  // the project's other key shares the parked quota: not tried
                        assertThat(e.lastOutcome().kind()).isEqualTo(OutcomeKind.QUOTA_EXHAUSTED);
                    });
            assertThat(sim.stats().total("gemini").day429()).isEqualTo(1);
            List<KeycycleEvent.StateChanged> parked = rec.states("gemini", KeyState.PARKED);
            assertThat(parked).singleElement().satisfies(p -> {
                assertThat(p.level()).isEqualTo(KeycycleEvent.Level.SCOPE);
                assertThat(p.scope()).isEqualTo("project-a");
                assertThat(p.model()).isEqualTo("gemini-2.5-flash");
                assertThat(p.until()).as("next midnight America/Los_Angeles, not the short retryDelay").isEqualTo(reset);
            });

            // locally refused until then, without asking the provider; the other model of the project is unaffected
            long before = sim.stats().totalRequests();
            clock.advance(Duration.ofHours(10).plusMinutes(59));
            assertThatThrownBy(() -> kc.chat(target, E2e.chat("four"), CallSpec.defaults()))
                    .isInstanceOfSatisfying(NoAvailableKeyException.class, e -> {
                        assertThat(e.retryAt()).isEqualTo(reset);
                        assertThat(e.parked()).isEqualTo(2);
                        assertThat(e.totalKeys()).isEqualTo(2);
                    });
            assertThat(sim.stats().totalRequests()).isEqualTo(before);
            assertThat(kc.chat("gemini/gemini-2.5-flash-lite", E2e.chat("lite"), CallSpec.defaults()).value().status()).isEqualTo(200);

            clock.set(reset.toEpochMilli());
            assertThat(kc.chat(target, E2e.chat("a new day"), CallSpec.defaults()).value().status()).isEqualTo(200);
        }
    }

    @Test
    void openRouterFreeModelsPerDayParksTheWholeAccountUntilUtcMidnight() {
        ManualClock clock = new ManualClock(T0);
        E2e.Recorder rec = new E2e.Recorder();
        String modelA = "meta-llama/llama-3.3-70b-instruct:free";
        String modelB = "qwen/qwen3-coder:free";
        SimProvider openrouter = SimProvider.openrouter()
                .key(E2e.secret("openrouter", 1), "account-a").key(E2e.secret("openrouter", 2), "account-a")
                .model(modelA, SimLimits.UNLIMITED).model(modelB, SimLimits.UNLIMITED)
                .freeModelLimits(SimLimits.UNLIMITED.rpd(2)).build();
        String yaml = E2e.yaml(List.of("openrouter/*=" + GENEROUS));
        Instant reset = Instant.parse("2026-03-11T00:00:00Z");
        try (Simulator sim = Simulator.builder().provider(openrouter).clock(E2e.simClock(clock)).build().start();
             Keycycle kc = E2e.keycycle(sim, yaml).keys("openrouter", E2e.keys("openrouter", "account-a", "account-a"))
                     .clock(clock).listener(rec).build()) {
            kc.chat("openrouter/" + modelA, E2e.chat("one"), CallSpec.defaults());
            kc.chat("openrouter/" + modelB, E2e.chat("two"), CallSpec.defaults());
            assertThatThrownBy(() -> kc.chat("openrouter/" + modelA, E2e.chat("three"), CallSpec.defaults()))
                    .isInstanceOfSatisfying(RateLimitException.class,
                            e -> assertThat(e.lastOutcome().kind()).isEqualTo(OutcomeKind.QUOTA_EXHAUSTED));
            assertThat(sim.stats().total("openrouter").day429()).isEqualTo(1);
            assertThat(rec.states("openrouter", KeyState.PARKED)).singleElement().satisfies(p -> {
                assertThat(p.scope()).isEqualTo("account-a");
                assertThat(p.model()).as("every model of the account").isEqualTo("*");
                assertThat(p.until()).as("X-RateLimit-Reset: next UTC midnight").isEqualTo(reset);
            });

            long before = sim.stats().totalRequests();
            for (String m : List.of(modelA, modelB, "google/gemma-3-27b-it:free")) {
                assertThatThrownBy(() -> kc.chat("openrouter/" + m, E2e.chat("other model"), CallSpec.defaults()))
                        .as(m).isInstanceOfSatisfying(NoAvailableKeyException.class,
                                e -> assertThat(e.retryAt()).isEqualTo(reset));
            }
            assertThat(sim.stats().totalRequests()).as("no request reached the provider").isEqualTo(before);

            clock.set(reset.toEpochMilli());
            Served<ChatResult> s = kc.chat("openrouter/" + modelB, E2e.chat("a new day"), CallSpec.defaults());
            assertThat(s.value().status()).isEqualTo(200);
        }
    }

    /**
     * OpenRouter's per-model daily 429 ({@code per-model-per-day}, {@code openrouter_per_model_daily})
     * holds that model alone until its {@code X-RateLimit-Reset}; the account's other models serve.
     */
    @Test
    void openRouterPerModelDaily429ParksThatModelOnlyUntilItsResetHeader() {
        ManualClock clock = new ManualClock(T0);
        E2e.Recorder rec = new E2e.Recorder();
        String capped = "openai/gpt-4o-mini", other = "anthropic/claude-3.5-haiku";
        SimProvider openrouter = SimProvider.openrouter()
                .key(E2e.secret("openrouter", 1), "account-a").key(E2e.secret("openrouter", 2), "account-a")
                .model(capped, SimLimits.UNLIMITED.rpd(2)).model(other, SimLimits.UNLIMITED).build();
        String yaml = E2e.yaml(List.of("openrouter/*=" + GENEROUS, "openrouter/" + capped + "=" + GENEROUS, "openrouter/" + other + "=" + GENEROUS));
        Instant reset = Instant.parse("2026-03-11T00:00:00Z");
        try (Simulator sim = Simulator.builder().provider(openrouter).clock(E2e.simClock(clock)).build().start();
             Keycycle kc = E2e.keycycle(sim, yaml).keys("openrouter", E2e.keys("openrouter", "account-a", "account-a"))
                     .clock(clock).listener(rec).build()) {
            kc.chat("openrouter/" + capped, E2e.chat("one"), CallSpec.defaults());
            kc.chat("openrouter/" + capped, E2e.chat("two"), CallSpec.defaults());
            assertThatThrownBy(() -> kc.chat("openrouter/" + capped, E2e.chat("three"), CallSpec.defaults()))
                    .isInstanceOfSatisfying(RateLimitException.class, e -> {
                        assertThat(e.attempts()).as("the account's other key shares the model's day: not tried").hasSize(1);
                        assertThat(e.lastOutcome().kind()).isEqualTo(OutcomeKind.QUOTA_EXHAUSTED);
                        assertThat(e.lastOutcome().reason()).contains("per-model daily limit");
                    });
            assertThat(sim.stats().total("openrouter").day429()).isEqualTo(1);
            assertThat(rec.states("openrouter", KeyState.PARKED)).singleElement().satisfies(p -> {
                assertThat(p.scope()).isEqualTo("account-a");
                assertThat(p.model()).as("this model only").isEqualTo(capped);
                assertThat(p.until()).as("X-RateLimit-Reset").isEqualTo(reset);
            });

            long before = sim.stats().totalRequests();
            assertThatThrownBy(() -> kc.chat("openrouter/" + capped, E2e.chat("again"), CallSpec.defaults()))
                    .isInstanceOfSatisfying(NoAvailableKeyException.class, e -> assertThat(e.retryAt()).isEqualTo(reset));
            assertThat(sim.stats().totalRequests()).as("refused locally").isEqualTo(before);
            assertThat(kc.chat("openrouter/" + other, E2e.chat("another model"), CallSpec.defaults()).value().status())
                    .as("the account's other models are not held").isEqualTo(200);
            assertThat(sim.stats().total429()).isEqualTo(1);

            clock.set(reset.toEpochMilli());
            assertThat(kc.chat("openrouter/" + capped, E2e.chat("a new day"), CallSpec.defaults()).value().status()).isEqualTo(200);
        }
    }

    @Test
    void cerebrasPerDay429ParksTheOrganisationAndModelForADay() {
        ManualClock clock = new ManualClock(T0);
        E2e.Recorder rec = new E2e.Recorder();
        // 25 tokens a call (prompt 5 + max_tokens 20): the second call of an org passes a 40-token day
        SimProvider cerebras = SimProvider.cerebras()
                .key(E2e.secret("cerebras", 1), "org-a").key(E2e.secret("cerebras", 2), "org-b")
                .model("gpt-oss-120b", SimLimits.UNLIMITED.tpd(40)).build();
        String yaml = E2e.yaml(List.of("cerebras/gpt-oss-120b=" + GENEROUS));
        try (Simulator sim = Simulator.builder().provider(cerebras).clock(E2e.simClock(clock)).build().start();
             Keycycle kc = E2e.keycycle(sim, yaml).keys("cerebras", E2e.keys("cerebras", "org-a", "org-b"))
                     .clock(clock).listener(rec).selection(io.keycycle.core.pool.Selection.FIRST_FIT).build()) {
            String target = "cerebras/gpt-oss-120b";
            kc.chat(target, E2e.chat("one", 20), CallSpec.defaults());
            clock.advance(Duration.ofMinutes(5));
            Instant tripped = clock.now();
            // org-a's day is used up upstream: 429 "Tokens per day limit exceeded", rotate to org-b
            Served<ChatResult> s = kc.chat(target, E2e.chat("two", 20), CallSpec.defaults());
            assertThat(s.attempts()).isEqualTo(2);
            assertThat(E2e.mask(s.fingerprint())).isEqualTo("…0002");
            assertThat(rec.outcomes("cerebras")).containsExactly(OutcomeKind.SUCCESS, OutcomeKind.QUOTA_EXHAUSTED, OutcomeKind.SUCCESS);
            assertThat(rec.states("cerebras", KeyState.PARKED)).singleElement().satisfies(p -> {
                assertThat(p.scope()).isEqualTo("org-a");
                assertThat(p.model()).isEqualTo("gpt-oss-120b");
                assertThat(p.reason()).containsIgnoringCase("daily");
                // no day reset header for tokens: a full (sliding) day from the 429
                assertThat(p.until()).isEqualTo(tripped.plus(Duration.ofDays(1)));
            });
            assertThat(sim.stats().total("cerebras").day429()).isEqualTo(1);
            assertThatThrownBy(() -> kc.chat(target, E2e.chat("three", 20), CallSpec.defaults()))
                    .isInstanceOf(RateLimitException.class);  // org-b's day is now used up too
            long before = sim.stats().totalRequests();
            assertThatThrownBy(() -> kc.chat(target, E2e.chat("four", 20), CallSpec.defaults()))
                    .isInstanceOfSatisfying(NoAvailableKeyException.class, e -> {
                        assertThat(e.parked()).isEqualTo(2);
                        assertThat(e.retryAt()).isEqualTo(tripped.plus(Duration.ofDays(1)));
                    });
            assertThat(sim.stats().totalRequests()).isEqualTo(before);
        }
    }

    @Test
    void cerebrasDayHeadersSayingZeroRemainingParkTheOrganisationBeforeAny429() {
        ManualClock clock = new ManualClock(T0);
        E2e.Recorder rec = new E2e.Recorder();
        SimProvider cerebras = SimProvider.cerebras()
                .key(E2e.secret("cerebras", 1), "org-a").key(E2e.secret("cerebras", 2), "org-b")
                .model("gpt-oss-120b", SimLimits.UNLIMITED.rpd(1)).build();
        String yaml = E2e.yaml(List.of("cerebras/gpt-oss-120b=" + GENEROUS));
        try (Simulator sim = Simulator.builder().provider(cerebras).clock(E2e.simClock(clock)).build().start();
             Keycycle kc = E2e.keycycle(sim, yaml).keys("cerebras", E2e.keys("cerebras", "org-a", "org-b"))
                     .clock(clock).listener(rec).selection(io.keycycle.core.pool.Selection.FIRST_FIT).build()) {
            String target = "cerebras/gpt-oss-120b";
            kc.chat(target, E2e.chat("one"), CallSpec.defaults());
            // x-ratelimit-remaining-requests-day: 0, reset in 86400.0 s: believed at once
            assertThat(rec.states("cerebras", KeyState.PARKED)).singleElement().satisfies(p -> {
                assertThat(p.scope()).isEqualTo("org-a");
                assertThat(p.until()).isEqualTo(T0.plus(Duration.ofDays(1)));
            });
            Served<ChatResult> s = kc.chat(target, E2e.chat("two"), CallSpec.defaults());
            assertThat(s.attempts()).isEqualTo(1);
            assertThat(E2e.mask(s.fingerprint())).isEqualTo("…0002");
            assertThatThrownBy(() -> kc.chat(target, E2e.chat("three"), CallSpec.defaults()))
                    .isInstanceOfSatisfying(NoAvailableKeyException.class, e -> assertThat(e.parked()).isEqualTo(2));
            assertThat(sim.stats().total429()).as("the provider never had to refuse").isZero();
        }
    }
}
