package io.keycycle;

import io.keycycle.core.KeyState;
import io.keycycle.core.Outcome;
import io.keycycle.core.OutcomeKind;
import io.keycycle.core.RateLimitException;
import io.keycycle.core.client.ChatResult;
import io.keycycle.sim.SimLimits;
import io.keycycle.sim.SimProvider;
import io.keycycle.sim.Simulator;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A 400 {@code context_length_exceeded} (Groq, Cerebras) says the request is too long for that
 * model's context window, not that it is malformed: a tier's next candidate or an escalation with a
 * larger window may take it. Until 2026-12-06 it was surfaced at once like any invalid request. It
 * is still not retried on another key of the same model (each would answer the same), and it
 * changes no key's state.
 */
class ContextTooLongFallbackE2eTest {

    static final String SMALL = "openai/gpt-oss-20b";
    static final String LARGE = "openai/gpt-oss-120b";
    /** About 10,000 tokens: more than the small model's 8,192 here. */
    static final String LONG = "x".repeat(40_000);

    private Simulator sim;
    private Keycycle kc;
    private final E2e.Recorder rec = new E2e.Recorder();

    @BeforeEach
    void start() {
        sim = Simulator.builder()
                .provider(SimProvider.groq().fakeKeys(2).model(SMALL, SimLimits.UNLIMITED).model(LARGE, SimLimits.UNLIMITED)
                        .contextWindow(SMALL, 8_192).build())
                .provider(SimProvider.cerebras().fakeKeys(1).model("gpt-oss-120b", SimLimits.UNLIMITED).contextWindow("gpt-oss-120b", 1_000).build())
                .build().start();
        String yaml = E2e.yaml(List.of("groq/" + SMALL + "=" + E2e.UNLIMITED, "groq/" + LARGE + "=" + E2e.UNLIMITED,
                        "cerebras/gpt-oss-120b=" + E2e.UNLIMITED),
                "small-first=[groq/" + SMALL + ", groq/" + LARGE + "]",
                "large=[groq/" + LARGE + "]",
                "cerebras-first=[cerebras/gpt-oss-120b, groq/" + LARGE + "]");
        kc = E2e.keycycle(sim, yaml).keys("groq", E2e.keys("groq", "org-1", "org-2"))
                .keys("cerebras", E2e.keys("cerebras", "org-c")).listener(rec).build();
    }

    @AfterEach
    void stop() {
        kc.close();
        sim.close();
    }

    @Test
    void aTierFallsBackToTheModelWhoseWindowTakesTheRequest() {
        Served<ChatResult> s = kc.chat("small-first", E2e.chat(LONG, 100), CallSpec.defaults());
        assertThat(s.model()).isEqualTo(LARGE);
        assertThat(s.fallbacks()).isEqualTo(1);
        assertThat(s.attempts()).as("the small model once, not on its other key").isEqualTo(2);
        assertThat(rec.settled("groq")).extracting(e -> e.model(), e -> e.outcome(), e -> e.status())
                .containsExactly(Tuple.tuple(SMALL, OutcomeKind.REQUEST_INVALID, 400), Tuple.tuple(LARGE, OutcomeKind.SUCCESS, 200));
        for (KeyState st : new KeyState[]{KeyState.COOLING, KeyState.PARKED, KeyState.DISABLED}) {
            assertThat(rec.states("groq", st)).as("no key state changed: %s", st).isEmpty();
        }
        assertThat(kc.chat("small-first", E2e.chat("short", 100), CallSpec.defaults()).model())
                .as("a request that fits still goes to the first candidate").isEqualTo(SMALL);
    }

    @Test
    void anEscalationTakesItAndACallWithNowhereElseToGoGetsTheProvidersAnswer() {
        Served<ChatResult> s = kc.chat("groq/" + SMALL, E2e.chat(LONG, 100), CallSpec.defaults().withEscalation("large"));
        assertThat(s.model()).isEqualTo(LARGE);

        assertThatThrownBy(() -> kc.chat("groq/" + SMALL, E2e.chat(LONG, 100), CallSpec.defaults()))
                .isInstanceOfSatisfying(RateLimitException.class, e -> {
                    assertThat(e.lastOutcome().kind()).isEqualTo(OutcomeKind.REQUEST_INVALID);
                    assertThat(e.lastOutcome().contextTooLong()).as(e.lastOutcome().reason()).isTrue();
                    assertThat(e.attempts()).hasSize(1);
                });
    }

    @Test
    void cerebrasSaysItTheSameWay() {
        Served<ChatResult> s = kc.chat("cerebras-first", E2e.chat("y".repeat(8_000), 100), CallSpec.defaults());
        assertThat(s.provider()).isEqualTo("groq");
        assertThat(rec.settled("cerebras")).extracting(e -> e.outcome(), e -> e.status())
                .containsExactly(Tuple.tuple(OutcomeKind.REQUEST_INVALID, 400));
    }
}
