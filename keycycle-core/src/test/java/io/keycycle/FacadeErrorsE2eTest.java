package io.keycycle;

import io.keycycle.core.ConfigurationException;
import io.keycycle.core.InvalidKeyException;
import io.keycycle.core.KeyNotFoundException;
import io.keycycle.core.KeycycleException;
import io.keycycle.core.NoAvailableKeyException;
import io.keycycle.core.OutcomeKind;
import io.keycycle.core.RateLimitException;
import io.keycycle.core.pool.Selection;
import io.keycycle.core.testing.ManualClock;
import io.keycycle.sim.SimLimits;
import io.keycycle.sim.SimProvider;
import io.keycycle.sim.Simulator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * Case 9: what callers see when the facade cannot serve: each exception carries its context
 * (options, key, retry instant and counts, attempts) and no message, event or snapshot ever holds a
 * raw secret.
 */
class FacadeErrorsE2eTest {

    private static final String MODEL = "llama-3.3-70b-versatile";
    private static final Instant T0 = Instant.parse("2026-03-02T10:00:00Z");

    private final ManualClock clock = new ManualClock(T0);
    private final E2e.Recorder rec = new E2e.Recorder();
    private final List<Throwable> thrown = new ArrayList<>();
    private Simulator sim;
    private Keycycle kc;

    @BeforeEach
    void start() {
        sim = Simulator.builder().clock(E2e.simClock(clock))
                .provider(SimProvider.groq().fakeKeys(3).model(MODEL, SimLimits.UNLIMITED).build())
                .provider(SimProvider.gemini().fakeKeys(1).model("gemini-2.5-flash", SimLimits.UNLIMITED).build())
                .build().start();
        String yaml = E2e.yaml(List.of("groq/" + MODEL + "=" + E2e.UNLIMITED, "gemini/gemini-2.5-flash=" + E2e.UNLIMITED),
                "fast=[groq/" + MODEL + "]", "strong=[gemini/gemini-2.5-flash]");
        kc = E2e.keycycle(sim, yaml).clock(clock).selection(Selection.FIRST_FIT).listener(rec)
                .keys("groq", E2e.keys("groq", "scope-1", "scope-2", "scope-3"))
                .keys("gemini", E2e.keys("gemini", "project-1")).build();
    }

    @AfterEach
    void stop() {
        kc.close();
        sim.close();
        List<String> secrets = List.of(E2e.secret("groq", 1), E2e.secret("groq", 2), E2e.secret("groq", 3), E2e.secret("gemini", 1));
        List<String> texts = new ArrayList<>();
        for (Throwable t : thrown) {
            for (Throwable c = t; c != null; c = c.getCause()) texts.add(String.valueOf(c));
        }
        rec.events.forEach(e -> texts.add(e.toString()));
        kc.snapshots().forEach(s -> texts.add(s.toString()));
        kc.pool("groq").keys().forEach(k -> texts.add(k.toString()));
        assertThat(texts).isNotEmpty();
        for (String s : secrets) {
            assertThat(texts).noneMatch(t -> t.contains(s) || t.contains(s.substring(0, s.length() - 4)));
        }
    }

    private <T extends Throwable> T capture(Class<T> type, Runnable r) {
        T t = catchThrowableOfType(type, r::run);
        assertThat(t).as("expected %s", type.getSimpleName()).isNotNull();
        thrown.add(t);
        return t;
    }

    @Test
    void anUnknownTargetNamesTheOptions() {
        ConfigurationException e = capture(ConfigurationException.class,
                () -> kc.chat("llama-9000", E2e.chat("hi"), CallSpec.defaults()));
        assertThat(e.getMessage()).contains("llama-9000", "groq", "gemini", "fast", "strong");
        ConfigurationException tier = capture(ConfigurationException.class,
                () -> kc.chat("fast", E2e.chat("hi"), CallSpec.defaults().withEscalation("stronger")));
        assertThat(tier.getMessage()).contains("stronger", "fast", "strong");
        ConfigurationException model = capture(ConfigurationException.class,
                () -> kc.chat("groq/llama-9000", E2e.chat("hi"), CallSpec.defaults()));
        assertThat(model.getMessage()).contains("llama-9000");
        assertThat(sim.stats().totalRequests()).isZero();
    }

    @Test
    void aPinnedKeyThatDoesNotExistIsKeyNotFound() {
        KeyNotFoundException e = capture(KeyNotFoundException.class,
                () -> kc.chat("groq/" + MODEL, E2e.chat("hi"), CallSpec.defaults().withPinnedKey("7")));
        assertThat(e.provider()).isEqualTo("groq");
        assertThat(e.keyId()).isEqualTo("7");
        assertThat(e.getMessage()).contains("3 keys");
        assertThat(sim.stats().totalRequests()).isZero();
    }

    @Test
    void aPinnedKeyGivenAsARawSecretIsNotQuotedBack() {
        String pasted = "gsk_FAKE_not_a_real_secret_0000wxyz";
        KeyNotFoundException e = capture(KeyNotFoundException.class,
                () -> kc.chat("groq/" + MODEL, E2e.chat("hi"), CallSpec.defaults().withPinnedKey(pasted)));
        assertThat(e.getMessage()).doesNotContain(pasted).doesNotContain("not_a_real_secret")
                .contains(io.keycycle.core.ApiKey.fingerprint(pasted));
        assertThat(e.keyId()).doesNotContain("not_a_real_secret");
        assertThat(sim.stats().totalRequests()).isZero();
    }

    @Test
    void aPinnedDisabledKeyIsInvalidKey() {
        sim.provider("groq").killKey(E2e.secret("groq", 1));
        String fp = kc.pool("groq").keys().get(0).fingerprint();
        Served<?> s = kc.chat("groq/" + MODEL, E2e.chat("hi"), CallSpec.defaults());
        assertThat(s.attempts()).isEqualTo(2);

        for (String id : List.of("1", fp)) {
            InvalidKeyException e = capture(InvalidKeyException.class,
                    () -> kc.chat("groq/" + MODEL, E2e.chat("hi"), CallSpec.defaults().withPinnedKey(id)));
            assertThat(e.fingerprint()).isEqualTo(fp);
            assertThat(e.provider()).isEqualTo("groq");
            assertThat(e.reason()).containsIgnoringCase("invalid");
        }
        assertThat(sim.stats().totalRequests()).isEqualTo(2);
        // a pinned healthy key is used, and only it
        assertThat(kc.chat("groq/" + MODEL, E2e.chat("hi"), CallSpec.defaults().withPinnedKey("3")).fingerprint())
                .isEqualTo(kc.pool("groq").keys().get(2).fingerprint());
    }

    @Test
    void failFastNoAvailableKeyCarriesTheEarliestRetryAndTheCounts() {
        sim.provider("groq").killKey(E2e.secret("groq", 1)).setLimits(MODEL, SimLimits.UNLIMITED.rpm(1));
        kc.chat("groq/" + MODEL, E2e.chat("a"), CallSpec.defaults());      // key 1 disabled, key 2 serves
        kc.chat("groq/" + MODEL, E2e.chat("b"), CallSpec.defaults());      // key 2: 429 (cools 60 s), key 3 serves
        capture(RateLimitException.class, () -> kc.chat("groq/" + MODEL, E2e.chat("c"), CallSpec.defaults()));

        NoAvailableKeyException e = capture(NoAvailableKeyException.class,
                () -> kc.chat("groq/" + MODEL, E2e.chat("d"), CallSpec.defaults()));
        assertThat(e.provider()).isEqualTo("groq");
        assertThat(e.model()).isEqualTo(MODEL);
        assertThat(e.totalKeys()).isEqualTo(3);
        assertThat(e.disabled()).isEqualTo(1);
        assertThat(e.cooling()).isEqualTo(2);
        assertThat(e.parked()).isZero();
        assertThat(e.retryAt()).isEqualTo(T0.plusSeconds(60));
        assertThat(e.getMessage()).contains("groq", MODEL, "1 disabled", "2 cooling", T0.plusSeconds(60).toString());
    }

    @Test
    void aTierWhoseCandidatesAreAllExhaustedCombinesTheirCounts() {
        kc.pool("groq").keys().forEach(k -> kc.pool("groq").disable(k.fingerprint(), "test"));
        NoAvailableKeyException e = capture(NoAvailableKeyException.class,
                () -> kc.chat("fast", E2e.chat("x"), CallSpec.defaults()));
        assertThat(e.disabled()).isEqualTo(3);
        assertThat(e.retryAt()).as("never by itself").isNull();
    }

    @Test
    void rateLimitExceptionCarriesEveryAttempt() {
        for (int i = 1; i <= 3; i++) sim.provider("groq").killKey(E2e.secret("groq", i));
        RateLimitException e = capture(RateLimitException.class,
                () -> kc.chat("groq/" + MODEL, E2e.chat("hi"), CallSpec.defaults()));
        assertThat(e.attempts()).hasSize(3);
        assertThat(e.attempts()).extracting(a -> a.outcome().kind()).containsOnly(OutcomeKind.KEY_INVALID);
        assertThat(e.attempts()).extracting(RateLimitException.Attempt::fingerprint)
                .containsExactlyElementsOf(kc.pool("groq").keys().stream().map(k -> k.fingerprint()).toList());
        assertThat(e.lastOutcome().status()).isEqualTo(401);
        assertThat(e.getMessage()).contains("3 attempt(s)");

        RateLimitException capped = capture(RateLimitException.class, () -> {
            sim.provider("gemini").failNext(5, io.keycycle.sim.FaultKind.INTERNAL_500);
            kc.chat("gemini/gemini-2.5-flash", E2e.chat("hi"), CallSpec.defaults().withMaxRetries(0));
        });
        assertThat(capped.attempts()).singleElement().satisfies(a -> assertThat(a.outcome().kind()).isEqualTo(OutcomeKind.TRANSIENT));
        assertThat(capped).isInstanceOf(KeycycleException.class);
    }

    /**
     * Targets, tiers and the environment name providers in lower case: keys added as "Groq" made a
     * pool no target found (every call said there were no keys for groq). Now refused at once.
     */
    @Test
    void keysAddedUnderAProviderNameWithCapitalsAreRefusedNamingTheLowerCaseOne() {
        List<io.keycycle.core.ApiKey> keys = List.of(new io.keycycle.core.ApiKey("Groq", 1, "gsk_fake_capital_provider_key_0001", "org-a"));
        assertThatThrownBy(() -> Keycycle.builder().env(java.util.Map.of()).keys("Groq", keys))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("keys(\"groq\"")
                .hasMessageNotContaining("gsk_fake_capital");
    }
}
