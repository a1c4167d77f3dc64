package io.keycycle;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.keycycle.core.KeycycleException;
import io.keycycle.core.OutcomeKind;
import io.keycycle.core.RateLimitException;
import io.keycycle.core.client.ChatResult;
import io.keycycle.sim.SimLimits;
import io.keycycle.sim.SimProvider;
import io.keycycle.sim.Simulator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Case 5: tiers. {@code fast} is [cerebras/gpt-oss-120b, groq/llama-3.1-8b-instant], {@code strong}
 * is [groq/llama-3.3-70b-versatile]; an exhausted candidate hands over to the next, an exhausted tier
 * escalates when asked, and an invalid request is surfaced instead of being sent elsewhere.
 */
class TierFallbackE2eTest {

    private Simulator sim;
    private Keycycle kc;
    private final E2e.Recorder rec = new E2e.Recorder();

    @BeforeEach
    void start() {
        sim = Simulator.builder()
                .provider(SimProvider.cerebras().fakeKeys(2, "org-c").model("gpt-oss-120b", SimLimits.UNLIMITED).build())
                .provider(SimProvider.groq().fakeKeys(2).model("llama-3.1-8b-instant", SimLimits.UNLIMITED.tpm(100))
                        .model("llama-3.3-70b-versatile", SimLimits.UNLIMITED).build())
                .build().start();
        String yaml = E2e.yaml(List.of(
                        "cerebras/gpt-oss-120b=" + E2e.UNLIMITED,
                        "groq/llama-3.1-8b-instant=" + E2e.UNLIMITED,
                        "groq/llama-3.3-70b-versatile=" + E2e.UNLIMITED),
                "fast=[cerebras/gpt-oss-120b, groq/llama-3.1-8b-instant]",
                "strong=[groq/llama-3.3-70b-versatile]",
                "small-first=[groq/llama-3.1-8b-instant, groq/llama-3.3-70b-versatile]");
        kc = E2e.keycycle(sim, yaml)
                .keys("cerebras", E2e.keys("cerebras", "org-c", "org-c"))
                .keys("groq", E2e.keys("groq", "scope-1", "scope-2"))
                .listener(rec).build();
    }

    @AfterEach
    void stop() {
        kc.close();
        sim.close();
    }

    @Test
    void theFirstCandidateServesWhileItCan() {
        Served<ChatResult> s = kc.chat("fast", E2e.chat("hello"), CallSpec.defaults());
        assertThat(s.provider()).isEqualTo("cerebras");
        assertThat(s.model()).isEqualTo("gpt-oss-120b");
        assertThat(s.fallbacks()).isZero();
        assertThat(s.attempts()).isEqualTo(1);
    }

    @Test
    void deadCerebrasKeysHandOverToGroqAndAreNotTriedAgain() {
        sim.provider("cerebras").killKey(E2e.secret("cerebras", 1)).killKey(E2e.secret("cerebras", 2));
        List<io.keycycle.core.KeycycleEvent.FellBack> fellBack = new java.util.concurrent.CopyOnWriteArrayList<>();
        kc.addListener(e -> { if (e instanceof io.keycycle.core.KeycycleEvent.FellBack f) fellBack.add(f); });
        // small requests: groq's llama-3.1-8b-instant has a TPM of 100 in the simulator, which its headers report
        // (the engine adopts it), so a default-sized request would rightly be refused as one that can never fit
        Served<ChatResult> zero = kc.chat("groq/llama-3.1-8b-instant", E2e.chat("direct", 20), CallSpec.defaults());
        assertThat(zero.fallbacks()).isZero();
        assertThat(fellBack).as("a call served by its first candidate is no fallback").isEmpty();

        Served<ChatResult> first = kc.chat("fast", E2e.chat("hello", 20), CallSpec.defaults());
        assertThat(fellBack).singleElement().satisfies(f -> {
            assertThat(f.target()).isEqualTo("fast");
            assertThat(f.fromProvider() + "/" + f.fromModel()).isEqualTo("cerebras/gpt-oss-120b");
            assertThat(f.provider() + "/" + f.model()).isEqualTo("groq/llama-3.1-8b-instant");
            assertThat(f.skipped()).isEqualTo(1);
        });
        assertThat(first.provider()).isEqualTo("groq");
        assertThat(first.model()).isEqualTo("llama-3.1-8b-instant");
        assertThat(first.fallbacks()).isEqualTo(1);
        assertThat(first.attempts()).as("two dead cerebras keys, then groq").isEqualTo(3);
        assertThat(rec.outcomes("cerebras")).containsExactly(OutcomeKind.KEY_INVALID, OutcomeKind.KEY_INVALID);

        Served<ChatResult> second = kc.chat("fast", E2e.chat("again", 20), CallSpec.defaults());
        assertThat(second.provider()).isEqualTo("groq");
        assertThat(second.fallbacks()).isEqualTo(1);
        assertThat(second.attempts()).isEqualTo(1);
        assertThat(sim.stats().total("cerebras").requests()).as("disabled keys are not sent again").isEqualTo(2);
    }

    @Test
    void aParkedCerebrasHandsOverToGroq() {
        sim.provider("cerebras").setLimits("gpt-oss-120b", SimLimits.UNLIMITED.tpd(40));
        assertThat(kc.chat("fast", E2e.chat("one", 20), CallSpec.defaults()).provider()).isEqualTo("cerebras");

        Served<ChatResult> s = kc.chat("fast", E2e.chat("two", 20), CallSpec.defaults());
        assertThat(s.provider()).isEqualTo("groq");
        assertThat(s.fallbacks()).isEqualTo(1);
        assertThat(rec.outcomes("cerebras")).containsExactly(OutcomeKind.SUCCESS, OutcomeKind.QUOTA_EXHAUSTED);
        // the org (both keys) is parked: the next call goes to groq without asking cerebras
        long cerebrasRequests = sim.stats().total("cerebras").requests();
        Served<ChatResult> t = kc.chat("fast", E2e.chat("three", 20), CallSpec.defaults());
        assertThat(t.provider()).isEqualTo("groq");
        assertThat(t.attempts()).isEqualTo(1);
        assertThat(sim.stats().total("cerebras").requests()).isEqualTo(cerebrasRequests);
    }

    @Test
    void anExhaustedTierEscalatesOnlyWhenAsked() {
        sim.provider("cerebras").killKey(E2e.secret("cerebras", 1)).killKey(E2e.secret("cerebras", 2));
        sim.provider("groq").markGone("llama-3.1-8b-instant");

        assertThatThrownBy(() -> kc.chat("fast", E2e.chat("hello"), CallSpec.defaults()))
                .isInstanceOfSatisfying(RateLimitException.class, e -> {
                    assertThat(e.attempts()).extracting(a -> a.outcome().kind())
                            .containsExactly(OutcomeKind.KEY_INVALID, OutcomeKind.KEY_INVALID, OutcomeKind.MODEL_UNAVAILABLE);
                    assertThat(e.getMessage()).contains("cerebras/gpt-oss-120b", "groq/llama-3.1-8b-instant");
                });

        Served<ChatResult> s = kc.chat("fast", E2e.chat("hello"), CallSpec.defaults().withEscalation("strong"));
        assertThat(s.provider()).isEqualTo("groq");
        assertThat(s.model()).isEqualTo("llama-3.3-70b-versatile");
        assertThat(s.fallbacks()).isEqualTo(2);
        assertThat(s.value().status()).isEqualTo(200);
    }

    @Test
    void anInvalidRequestIsSurfacedNotFallenBack() {
        ObjectNode bad = E2e.JSON.createObjectNode();
        bad.putArray("messages").add("not a message object");

        assertThatThrownBy(() -> kc.chat("fast", bad, CallSpec.defaults()))
                .isInstanceOfSatisfying(RateLimitException.class, e -> {
                    assertThat(e.lastOutcome().kind()).isEqualTo(OutcomeKind.REQUEST_INVALID);
                    assertThat(e.lastOutcome().status()).isEqualTo(400);
                    assertThat(e.attempts()).as("not retried on the other cerebras key").hasSize(1);
                    assertThat(e.provider()).isEqualTo("cerebras");
                });
        assertThat(sim.stats().total("groq").requests()).as("no fallback").isZero();
        assertThat(sim.stats().total("cerebras").requests()).isEqualTo(1);
    }

    @Test
    void aRequestTooLargeForTheSmallModelsTierFallsBackToTheLargerModel() {
        // groq 413 "Request too large ... on tokens per minute (TPM): Limit 100": REQUEST_INVALID, but
        // a larger model may take it (the configuration does not know the 100-token limit)
        ObjectNode big = E2e.chat("x".repeat(600));
        Served<ChatResult> s = kc.chat("small-first", big, CallSpec.defaults());
        assertThat(s.model()).isEqualTo("llama-3.3-70b-versatile");
        assertThat(s.fallbacks()).isEqualTo(1);
        assertThat(rec.settled("groq")).extracting(e -> e.outcome(), e -> e.status())
                .containsExactly(org.assertj.core.groups.Tuple.tuple(OutcomeKind.REQUEST_INVALID, 413),
                        org.assertj.core.groups.Tuple.tuple(OutcomeKind.SUCCESS, 200));
    }

    @Test
    void aPinnedKeyIsNeverFallenBackFrom() {
        sim.provider("cerebras").killKey(E2e.secret("cerebras", 1));
        assertThatThrownBy(() -> kc.chat("fast", E2e.chat("hello"), CallSpec.defaults().withPinnedKey("1")))
                .isInstanceOf(KeycycleException.class);
        assertThat(sim.stats().total("groq").requests()).isZero();
    }
}
