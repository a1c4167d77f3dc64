package io.keycycle.core.client;

import io.keycycle.core.client.KeyProbe.Health;
import io.keycycle.sim.KeyState;
import io.keycycle.sim.ProviderKind;
import io.keycycle.sim.SimKey;
import io.keycycle.sim.SimProvider;
import io.keycycle.sim.Simulator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/** Probing keys over real HTTP against the simulator: every provider's way of saying "fine", "revoked", "no credit". */
class KeyProbeTest {

    static final Instant NOW = Instant.parse("2026-11-30T10:00:00Z");
    static Simulator sim;

    @BeforeAll
    static void start() {
        sim = Simulator.builder().provider(
                SimProvider.cerebras().fakeKeys(2).currentModels().build(),
                SimProvider.groq().fakeKeys(2).currentModels().build(),
                SimProvider.gemini().fakeKeys(2).currentModels().build(),
                SimProvider.openrouter().fakeKeys(2, "acct").currentModels().build()).build().start();
    }

    @AfterAll
    static void stop() {
        sim.close();
    }

    @BeforeEach
    void reset() {
        sim.reset();
    }

    static KeyProbe probe(String provider) {
        return KeyProbe.create(provider, URI.create(sim.baseUrl(provider)));
    }

    static String key(String provider, int i) {
        return SimKey.fakeSecret(ProviderKind.of(provider), i);
    }

    @ParameterizedTest
    @CsvSource({"cerebras, gpt-oss-120b", "groq, openai/gpt-oss-120b", "gemini, gemini-3.5-flash-lite",
            "openrouter, meta-llama/llama-3.3-70b-instruct:free"})
    void aWorkingKeyIsValidAndSeesTheModelsARevokedOneIsInvalidAndARestoredOneValidAgain(String provider, String model)
            throws Exception {
        KeyProbe.Result ok = probe(provider).probe(key(provider, 1), NOW);
        assertThat(ok.health()).as(ok.toString()).isEqualTo(Health.VALID);
        assertThat(ok.models()).contains(model);

        sim.provider(provider).killKey(key(provider, 1));
        KeyProbe.Result dead = probe(provider).probe(key(provider, 1), NOW);
        assertThat(dead.health()).as(dead.toString()).isEqualTo(Health.INVALID);
        assertThat(dead.models()).isEmpty();
        assertThat(dead.toString()).doesNotContain(key(provider, 1));
        assertThat(probe(provider).probe(key(provider, 2), NOW).health()).isEqualTo(Health.VALID);

        sim.provider(provider).reviveKey(key(provider, 1));
        assertThat(probe(provider).probe(key(provider, 1), NOW).health()).isEqualTo(Health.VALID);
    }

    @Test
    void suspendedNoCreditAndKeyLimitAreToldApart() throws Exception {
        sim.provider("groq").setKeyState(key("groq", 1), KeyState.SUSPENDED);
        assertThat(probe("groq").probe(key("groq", 1), NOW).health()).isEqualTo(Health.SUSPENDED);
        sim.provider("gemini").suspendKey(key("gemini", 1));
        assertThat(probe("gemini").probe(key("gemini", 1), NOW).health()).isEqualTo(Health.SUSPENDED);
        sim.provider("cerebras").exhaustCredit(key("cerebras", 1));
        assertThat(probe("cerebras").probe(key("cerebras", 1), NOW).health()).isEqualTo(Health.NO_CREDIT);
        sim.provider("openrouter").exhaustCredit(key("openrouter", 1));
        assertThat(probe("openrouter").probe(key("openrouter", 1), NOW).health()).isEqualTo(Health.NO_CREDIT);
        sim.provider("openrouter").exhaustKeyLimit(key("openrouter", 2));
        KeyProbe.Result limited = probe("openrouter").probe(key("openrouter", 2), NOW);
        assertThat(limited.health()).isEqualTo(Health.KEY_LIMIT);
        assertThat(limited.organisation()).as("OpenRouter's key label").isEqualTo("…0002");
    }

    /**
     * Groq names the organisation only in the text of its errors ("… in organization `org_…` service
     * tier …"); its {@code /models} carries no organisation header. A key whose probe is rate-limited
     * reports that organisation. The answer comes over real HTTP from a stub serving Groq's 429 as
     * the simulator words it (the simulator's {@code /models} itself is never rate-limited).
     */
    @Test
    void groqsOrganisationIsReadFromTheTextOfItsErrors() throws Exception {
        String body = "{\"error\":{\"message\":\"Rate limit reached for model `openai/gpt-oss-120b` in organization "
                + "`org_01jexampleorg7q` service tier `on_demand` on requests per minute (RPM): Limit 30, Used 30, Requested 1. "
                + "Please try again in 2s.\",\"type\":\"requests\",\"code\":\"rate_limit_exceeded\"}}";
        com.sun.net.httpserver.HttpServer stub = com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        stub.createContext("/openai/v1/models", ex -> {
            byte[] b = body.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("content-type", "application/json");
            ex.getResponseHeaders().add("retry-after", "2");
            ex.sendResponseHeaders(429, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        });
        stub.start();
        try {
            KeyProbe.Result r = KeyProbe.create("groq", URI.create("http://127.0.0.1:" + stub.getAddress().getPort() + "/openai/v1"))
                    .probe(key("groq", 1), NOW);
            assertThat(r.health()).isEqualTo(Health.RATE_LIMITED);
            assertThat(r.status()).isEqualTo(429);
            assertThat(r.organisation()).isEqualTo("org_01jexampleorg7q");
        } finally {
            stub.stop(0);
        }
        // a working key's /models names no organisation: none is made up
        assertThat(probe("groq").probe(key("groq", 1), NOW).organisation()).isNull();
    }

    @Test
    void noAnswerIsUnreachable() throws Exception {
        KeyProbe.Result r = KeyProbe.create("groq", URI.create("http://127.0.0.1:1/openai/v1")).probe("gsk_x", NOW);
        assertThat(r.health()).isEqualTo(Health.UNREACHABLE);
        assertThat(r.status()).isZero();
    }
}
