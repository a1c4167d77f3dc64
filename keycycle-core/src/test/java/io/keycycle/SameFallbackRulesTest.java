package io.keycycle;

import io.keycycle.core.ApiKey;
import io.keycycle.core.KeycycleEvent;
import io.keycycle.core.ProviderResponse;
import io.keycycle.core.RateLimitException;
import io.keycycle.core.NoAvailableKeyException;
import io.keycycle.core.config.KeycycleConfig;
import io.keycycle.core.config.ModelRef;
import io.keycycle.core.testing.ManualClock;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The blocking {@link Keycycle#call} and the non-blocking {@link Keycycle#callAsync} follow one set
 * of rules (docs/engine.md, "The call loop and fallback"): the same scripted answers through both
 * must try the same keys and candidates, count the same requests and end with the same failure.
 */
class SameFallbackRulesTest {

    static final String YAML = E2e.yaml(List.of("groq/m-a=" + E2e.UNLIMITED, "groq/m-b=" + E2e.UNLIMITED),
            "two=[groq/m-a, groq/m-b]");

    /** One scripted answer: a ProviderResponse, or a Throwable the call throws (blocking) or fails with (async). */
    interface Script extends BiFunction<ModelRef, ApiKey, Object> { }

    static String transcript(Script script, boolean async) { return transcript(script, async, CallSpec.DEFAULT); }

    static String transcript(Script script, boolean async, CallSpec spec) {
        ManualClock clock = ManualClock.at("2026-12-01T10:00:00Z");
        List<String> tried = Collections.synchronizedList(new ArrayList<>());
        List<String> settled = Collections.synchronizedList(new ArrayList<>());
        try (Keycycle kc = Keycycle.builder().env(Map.of()).config(KeycycleConfig.parse(YAML, Map.of(), "t.yaml"))
                .discoverPersistence(false).shutdownHook(false).clock(clock)
                .keys("groq", E2e.keys("groq", "s1", "s2", "s3"))
                .listener(e -> {
                    if (e instanceof KeycycleEvent.Settled s) {
                        settled.add(s.model() + "#" + s.fingerprint().substring(s.fingerprint().length() - 1) + ":" + s.outcome()
                                + (s.requests() > 0 ? "+counted" : ""));
                    }
                }).build()) {
            String end;
            try {
                Served<Object> served;
                if (async) {
                    served = kc.callAsync("two", spec, (c, k) -> {
                        tried.add(c.model() + "#" + k.index());
                        Object a = script.apply(c, k);
                        return a instanceof Throwable t ? CompletableFuture.failedFuture(t) : CompletableFuture.completedFuture(a);
                    }).join();
                } else {
                    served = kc.call("two", spec, (c, k) -> {
                        tried.add(c.model() + "#" + k.index());
                        Object a = script.apply(c, k);
                        if (a instanceof Exception t) throw t;
                        return a;
                    });
                }
                end = "served by " + served.model();
            } catch (CompletionException e) {
                end = describe(e.getCause());
            } catch (RuntimeException e) {
                end = describe(e);
            }
            long open = kc.pool("groq").openLeases();
            return "tried " + tried + "; settled " + settled + "; open " + open + "; " + end;
        }
    }

    static String describe(Throwable t) {
        String kind = t instanceof RateLimitException ? "RateLimitException" : t instanceof NoAvailableKeyException
                ? "NoAvailableKeyException" : t.getClass().getSimpleName();
        return "failed with " + kind;
    }

    static void same(Script script) { same(script, CallSpec.DEFAULT); }

    static void same(Script script, CallSpec spec) {
        String blocking = transcript(script, false, spec);
        String async = transcript(script, true, spec);
        assertThat(async).as("blocking: %s", blocking).isEqualTo(blocking);
    }

    static ProviderResponse ok() {
        return ProviderResponse.of(200, "{\"choices\":[],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1,\"total_tokens\":2}}");
    }

    @Test
    void rateLimitedKeysHandOverToTheNextCandidate() {
        same((c, k) -> c.model().equals("m-a")
                ? ProviderResponse.of(429, "{\"error\":{\"message\":\"Rate limit reached (RPM). Please try again in 7.66s.\",\"code\":\"rate_limit_exceeded\"}}")
                : ok());
    }

    @Test
    void aGoneModelHandsOverAndAnInvalidRequestIsSurfaced() {
        same((c, k) -> c.model().equals("m-a")
                ? ProviderResponse.of(404, "{\"error\":{\"message\":\"The model `m-a` does not exist\",\"code\":\"model_not_found\"}}")
                : ok());
        same((c, k) -> ProviderResponse.of(400, "{\"error\":{\"message\":\"bad\",\"code\":\"invalid_request_error\"}}"));
    }

    @Test
    void timeoutsFailuresAndInvalidKeys() {
        AtomicInteger n = new AtomicInteger();
        same((c, k) -> k.index() == 1 ? new java.net.SocketTimeoutException("slow")
                : k.index() == 2 ? ProviderResponse.of(401, "{\"error\":{\"message\":\"Invalid API Key\",\"code\":\"invalid_api_key\"}}")
                : ok());
        same((c, k) -> new IllegalStateException("boom"));
    }

    /**
     * A call whose own future was cancelled (the caller gave up after it started): the async loop
     * abandons the lease (the request may have reached the provider, so it stays counted) and ends
     * without trying another key; the blocking loop must do the same, not give the request back and
     * send it again with the next key.
     */
    @Test
    void aCancelledCallEndsTheSameWayInBoth() {
        same((c, k) -> new CancellationException("cancelled by the caller"));
    }

    /**
     * A call interrupted while it ran (its thread, or the worker an async stage ran on, was
     * interrupted: an executor shutting down): the request may have reached the provider, so it stays
     * counted, and the call ends there — no other key is tried — in both loops.
     */
    @Test
    void anInterruptedCallEndsTheSameWayInBoth() {
        Script interrupted = (c, k) -> new InterruptedException("the worker was interrupted");
        String blocking = transcript(interrupted, false);
        Thread.interrupted(); // the blocking loop restores the caller's interrupt flag, as it should
        String async = transcript(interrupted, true);
        assertThat(async).as("blocking: %s", blocking).isEqualTo(blocking);
        assertThat(blocking).contains("tried [m-a#").doesNotContain(", m-a#").contains("failed with KeycycleException");
    }

    @Test
    void dailyLimitsSuspendedOrganisationsAndOverload() {
        same((c, k) -> ProviderResponse.of(429,
                "{\"error\":{\"message\":\"Rate limit reached for model `m-a` in organization `org_x` on requests per day (RPD): Limit 1000, Used 1000, Requested 1. Please try again in 2m59.56s.\",\"code\":\"rate_limit_exceeded\"}}",
                "retry-after", "180"));
        same((c, k) -> k.index() == 1 ? ProviderResponse.of(400, "{\"error\":{\"message\":\"Organization has been restricted.\",\"code\":\"organization_restricted\"}}")
                : c.model().equals("m-a") ? ProviderResponse.of(503, "{\"error\":{\"message\":\"over capacity\"}}", "retry-after", "2") : ok());
        same((c, k) -> ProviderResponse.of(413, "{\"error\":{\"message\":\"Request too large on tokens per minute (TPM)\"}}"));
    }

    @Test
    void waitingForAKeyThatFreesUpOnlyAfterTheDeadline() {
        same((c, k) -> ProviderResponse.of(429, "{\"error\":{\"message\":\"Rate limit reached (RPM)\"}}", "retry-after", "60"),
                CallSpec.DEFAULT.withWait(true).withTimeout(java.time.Duration.ofSeconds(5)));
    }

    @Test
    void partialAndCancelledAnswers() {
        same((c, k) -> new io.keycycle.core.pool.PartialAnswerException("groq", new java.io.IOException("cut")));
        same((c, k) -> new io.keycycle.core.pool.ProviderAnswer() {
            @Override public ProviderResponse response() { return ok(); }
            @Override public boolean cancelled() { return true; }
            @Override public boolean reachedProvider() { return k.index() != 1; }
            @Override public String toString() { return "cancelled answer"; }
        });
    }
}
