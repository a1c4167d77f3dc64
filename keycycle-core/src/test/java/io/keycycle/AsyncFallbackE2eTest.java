package io.keycycle;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.keycycle.core.ApiKey;
import io.keycycle.core.ConfigurationException;
import io.keycycle.core.NoAvailableKeyException;
import io.keycycle.core.OutcomeKind;
import io.keycycle.core.ProviderResponse;
import io.keycycle.core.RateLimitException;
import io.keycycle.core.config.ModelRef;
import io.keycycle.sim.FaultKind;
import io.keycycle.sim.SimLimits;
import io.keycycle.sim.SimProvider;
import io.keycycle.sim.Simulator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@link Keycycle#callAsync} against the simulator with a non-blocking HTTP call: the tier rules of
 * {@link Keycycle#call} (hand over when exhausted, surface an invalid request, escalate when
 * asked), and cancellation that gives the reservation back.
 */
class AsyncFallbackE2eTest {

    private Simulator sim;
    private Keycycle kc;
    private final E2e.Recorder rec = new E2e.Recorder();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeEach
    void start() {
        sim = Simulator.builder()
                .provider(SimProvider.cerebras().fakeKeys(2, "org-c").model("gpt-oss-120b", SimLimits.UNLIMITED).build())
                .provider(SimProvider.groq().fakeKeys(2).model("llama-3.1-8b-instant", SimLimits.UNLIMITED)
                        .model("llama-3.3-70b-versatile", SimLimits.UNLIMITED).build())
                .build().start();
        String yaml = E2e.yaml(List.of(
                        "cerebras/gpt-oss-120b=" + E2e.UNLIMITED,
                        "groq/llama-3.1-8b-instant=" + E2e.UNLIMITED,
                        "groq/llama-3.3-70b-versatile=" + E2e.UNLIMITED),
                "fast=[cerebras/gpt-oss-120b, groq/llama-3.1-8b-instant]",
                "strong=[groq/llama-3.3-70b-versatile]");
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

    /** A chat completion with the JDK client's sendAsync; the answer is a ProviderResponse for the profile to classify. */
    private CompletionStage<ProviderResponse> chat(ModelRef c, ApiKey key, ObjectNode body) {
        ObjectNode b = body.deepCopy().put("model", c.model());
        HttpRequest r = HttpRequest.newBuilder(URI.create(kc.catalog().provider(c.provider()).baseUrl() + "/chat/completions"))
                .header("Authorization", "Bearer " + key.secret()).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(b.toString())).build();
        return http.sendAsync(r, HttpResponse.BodyHandlers.ofString())
                .thenApply(x -> new ProviderResponse(x.statusCode(), x.headers().map(), x.body()));
    }

    private CompletableFuture<Served<ProviderResponse>> call(String target, CallSpec spec, ObjectNode body) {
        return kc.callAsync(target, spec, (c, key) -> chat(c, key, body));
    }

    private static Throwable failure(CompletableFuture<?> f) throws Exception {
        try {
            f.get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            return e.getCause();
        }
        throw new AssertionError("completed normally");
    }

    @Test
    void deadKeysOfTheFirstCandidateHandOverToTheNext() throws Exception {
        sim.provider("cerebras").killKey(E2e.secret("cerebras", 1)).killKey(E2e.secret("cerebras", 2));
        List<io.keycycle.core.KeycycleEvent.FellBack> fellBack = new java.util.concurrent.CopyOnWriteArrayList<>();
        kc.addListener(e -> { if (e instanceof io.keycycle.core.KeycycleEvent.FellBack f) fellBack.add(f); });
        Served<ProviderResponse> s = call("fast", CallSpec.defaults(), E2e.chat("hello")).get(10, TimeUnit.SECONDS);
        assertThat(fellBack).singleElement().satisfies(f -> {
            assertThat(f.target()).isEqualTo("fast");
            assertThat(f.fromProvider()).isEqualTo("cerebras");
            assertThat(f.provider() + "/" + f.model()).isEqualTo("groq/llama-3.1-8b-instant");
        });
        assertThat(s.value().status()).isEqualTo(200);
        assertThat(s.provider()).isEqualTo("groq");
        assertThat(s.model()).isEqualTo("llama-3.1-8b-instant");
        assertThat(s.fallbacks()).isEqualTo(1);
        assertThat(s.attempts()).isEqualTo(3);
        assertThat(rec.outcomes("cerebras")).containsExactly(OutcomeKind.KEY_INVALID, OutcomeKind.KEY_INVALID);
    }

    @Test
    void rotatesPastAnUpstreamFailureWithinACandidate() throws Exception {
        sim.provider("groq").failNext(1, FaultKind.INTERNAL_500);
        Served<ProviderResponse> s = call("groq/llama-3.1-8b-instant", CallSpec.defaults(), E2e.chat("hi")).get(10, TimeUnit.SECONDS);
        assertThat(s.value().status()).isEqualTo(200);
        assertThat(s.attempts()).isEqualTo(2);
        assertThat(s.fallbacks()).isZero();
        assertThat(rec.outcomes("groq")).containsExactly(OutcomeKind.TRANSIENT, OutcomeKind.SUCCESS);
    }

    @Test
    void anInvalidRequestIsSurfacedNotFallenBack() throws Exception {
        ObjectNode bad = E2e.JSON.createObjectNode();
        bad.putArray("messages").add("not a message object");
        assertThat(failure(call("fast", CallSpec.defaults(), bad))).isInstanceOfSatisfying(RateLimitException.class, e -> {
            assertThat(e.lastOutcome().kind()).isEqualTo(OutcomeKind.REQUEST_INVALID);
            assertThat(e.attempts()).hasSize(1);
        });
        assertThat(sim.stats().total("groq").requests()).isZero();
    }

    @Test
    void anExhaustedTierEscalatesOnlyWhenAsked() throws Exception {
        sim.provider("cerebras").killKey(E2e.secret("cerebras", 1)).killKey(E2e.secret("cerebras", 2));
        sim.provider("groq").markGone("llama-3.1-8b-instant");
        assertThat(failure(call("fast", CallSpec.defaults(), E2e.chat("hello")))).isInstanceOfSatisfying(RateLimitException.class,
                e -> assertThat(e.attempts()).extracting(a -> a.outcome().kind())
                        .containsExactly(OutcomeKind.KEY_INVALID, OutcomeKind.KEY_INVALID, OutcomeKind.MODEL_UNAVAILABLE));
        Served<ProviderResponse> s = call("fast", CallSpec.defaults().withEscalation("strong"), E2e.chat("hello")).get(10, TimeUnit.SECONDS);
        assertThat(s.model()).isEqualTo("llama-3.3-70b-versatile");
        assertThat(s.fallbacks()).isEqualTo(2);
    }

    @Test
    void everyCandidateExhaustedIsNoAvailableKeyAndAnUnknownTargetFailsTheFuture() throws Exception {
        kc.pool("cerebras").disable("1", "test");
        kc.pool("cerebras").disable("2", "test");
        kc.pool("groq").disable("1", "test");
        kc.pool("groq").disable("2", "test");
        assertThat(failure(call("fast", CallSpec.defaults(), E2e.chat("hello")))).isInstanceOf(NoAvailableKeyException.class)
                .hasMessageContaining("every candidate is exhausted");
        assertThat(failure(call("nowhere/at-all", CallSpec.defaults(), E2e.chat("x")))).isInstanceOf(ConfigurationException.class);
    }

    @Test
    void cancellingTheCallKeepsTheRequestCounted() {
        sim.provider("groq").failNext(1, FaultKind.SLOW(Duration.ofSeconds(5)));
        CompletableFuture<Served<ProviderResponse>> f = call("groq/llama-3.1-8b-instant", CallSpec.defaults(), E2e.chat("slow"));
        // the request has reached the provider (it met the slow fault) before the caller gives up;
        // a cancel before it left would rightly give the reservation back
        await().atMost(Duration.ofSeconds(3)).until(() -> sim.provider("groq").queuedFaults() == 0);
        assertThat(kc.pool("groq").openLeases()).isEqualTo(1);
        f.cancel(true);
        // settled on the attempt's thread: at once, or just after it hands the stage over (the
        // request can reach the provider before the attempt has recorded the stage it cancels)
        await().atMost(Duration.ofSeconds(2)).until(() -> kc.pool("groq").openLeases() == 0 && rec.settled("groq").size() == 1);
        assertThat(rec.settled("groq")).singleElement().satisfies(s -> {
            assertThat(s.requests()).as("the provider has it: still counted").isEqualTo(1);
            assertThat(s.chargedTokens()).as("the estimate stays charged").isPositive();
            assertThat(s.status()).isZero();
        });
    }
}
