package io.keycycle.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Durations, windows, request accounting and configuration parsing. */
class SupportTest {

    @Test
    void goDurationsMatchGroqHeaders() {
        assertThat(Durations.go(Duration.ofMillis(179_560))).isEqualTo("2m59.56s");
        assertThat(Durations.go(Duration.ofMillis(7_660))).isEqualTo("7.66s");
        assertThat(Durations.go(Duration.ofMillis(578_016))).isEqualTo("9m38.016s");
        assertThat(Durations.go(Duration.ofSeconds(2))).isEqualTo("2s");
        assertThat(Durations.go(Duration.ofMillis(250))).isEqualTo("250ms");
        assertThat(Durations.go(Duration.ofHours(24))).isEqualTo("24h0m0s");
        assertThat(Durations.go(Duration.ZERO)).isEqualTo("0s");
        assertThat(Durations.ceilSeconds(Duration.ofMillis(2_500))).isEqualTo(3);
        assertThat(Durations.preciseSeconds(Duration.ofNanos(38_909_233_090L))).isEqualTo("38.90923309");
        assertThat(Durations.parse("250ms")).isEqualTo(Duration.ofMillis(250));
        assertThat(Durations.parse("1.5s")).isEqualTo(Duration.ofMillis(1500));
        assertThat(Durations.parse("PT2M")).isEqualTo(Duration.ofMinutes(2));
        assertThatThrownBy(() -> Durations.parse("soon")).hasMessageContaining("not a duration: 'soon'");
    }

    @Test
    void slidingWindowWaitsAreExact() {
        Window w = Window.sliding(60_000);
        w.add(0, 10);
        w.add(20_000, 30);
        w.add(40_000, 5);
        // requests: limit 3 at t=50s → the first entry leaves at 60s
        assertThat(w.waitForRequests(3, 50_000)).isEqualTo(10_000);
        // limit 2: for one more to fit, two entries must leave; the second leaves at 80s
        assertThat(w.waitForRequests(2, 50_000)).isEqualTo(30_000);
        // tokens: 45 used, limit 50, want 20 → need 15 freed → first (10) is not enough, second (30) is: 80s
        assertThat(w.waitForTokens(50, 20, 50_000)).isEqualTo(30_000);
        w.evict(60_000);
        assertThat(w.requests()).isEqualTo(2);
        assertThat(w.tokens()).isEqualTo(35);
    }

    /** Groq's captured TPD 429: "Limit 100000, Used 97050, Requested 3619. Please try again in 9m38.016s." */
    @Test
    void refillingWindowWaitsAsGroqsDayQuotaDoes() {
        Window w = Window.refilling(86_400_000);
        w.limits(SimLimits.NONE, 100_000);
        w.add(0, 97_050);
        assertThat(w.tokens()).isEqualTo(97_050);
        assertThat(Durations.go(Duration.ofMillis(w.waitForTokens(100_000, 3_619, 0)))).isEqualTo("9m38.016s");
        w.evict(864_000);  // 864 s at 100,000 a day: 1,000 tokens back
        assertThat(w.tokens()).isEqualTo(96_050);
    }

    @Test
    void calendarWindowClearsAtMidnightOfItsZone() {
        ZoneId la = ZoneId.of("America/Los_Angeles");
        Window w = Window.calendarDay(la);
        long t = java.time.Instant.parse("2026-11-28T07:00:00Z").toEpochMilli();  // 23:00 LA
        w.add(t, 1);
        assertThat(w.waitForRequests(1, t)).isEqualTo(3_600_000);
        w.evict(t + 3_599_999);
        assertThat(w.requests()).isEqualTo(1);
        w.evict(t + 3_600_000);
        assertThat(w.requests()).isZero();
    }

    @Test
    void tokenAccountingIsDeterministic() throws Exception {
        var body = Http.JSON.readTree("{\"model\":\"m\",\"max_tokens\":5,\"messages\":["
                + "{\"role\":\"system\",\"content\":\"12345678\"},"
                + "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"123456789\"}]}]}");
        ChatRequest a = ChatRequest.parse(body);
        ChatRequest b = ChatRequest.parse(body);
        assertThat(a.promptTokens()).isEqualTo((2 + 4) + (3 + 4));
        assertThat(a.completionTokens()).isEqualTo(5);
        assertThat(a.finishReason()).isEqualTo("length");
        assertThat(a.content()).isEqualTo(b.content());
        assertThat(a.content().split(" ")).hasSize(5);
        assertThatThrownBy(() -> ChatRequest.parse(Http.JSON.readTree("{\"model\":\"m\",\"max_tokens\":-1,\"messages\":[{}]}")))
                .hasMessageContaining("'max_tokens' must be a positive integer");
    }

    @Test
    void yamlConfigBuildsProviders(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("sim.yaml");
        Files.writeString(file, """
                latency: 5ms
                providers:
                  groq:
                    fake-keys: 2
                    keys:
                      - { secret: gsk_test_dead000000000000000009, scope: org-b, state: dead }
                    models:
                      llama-3.3-70b-versatile: { rpm: 30, tpd: 100000 }
                    gone-models: [gemma2-9b-it]
                    fault-probability: 0.1
                    faults: [OVERLOADED_503, "SLOW(2s)"]
                  gemini:
                    free-tier-models: true
                """);
        Simulator.Builder b = SimulatorMain.parse(new String[] {"--config", file.toString(), "--port", "0"});
        try (Simulator sim = b.build().start()) {
            SimProvider groq = sim.provider("groq").config();
            assertThat(groq.keys()).hasSize(3);
            assertThat(groq.keys().get(2).state()).isEqualTo(KeyState.DEAD);
            assertThat(groq.models().get("llama-3.3-70b-versatile")).isEqualTo(SimLimits.UNLIMITED.rpm(30).tpd(100_000));
            assertThat(groq.faultKinds()).containsExactly(FaultKind.OVERLOADED_503, FaultKind.SLOW(Duration.ofSeconds(2)));
            assertThat(sim.provider("gemini").config().noFreeTierModels()).contains("gemini-2.5-pro");
        }
        Files.writeString(file, "providers:\n  groq:\n    modles: {}\n");
        assertThatThrownBy(() -> SimulatorMain.parse(new String[] {"--config", file.toString()}))
                .hasMessageContaining("unknown key 'modles' for provider groq");
    }

    @Test
    void badConfigValuesAndFlagsAreNamed(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("sim.yaml");
        Files.writeString(file, "providers:\n  groq:\n    keys: [{ secret: gsk_test_x, state: revoked }]\n");
        assertThatThrownBy(() -> SimulatorMain.parse(new String[] {"--config", file.toString()}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("groq.keys").hasMessageContaining("'revoked'")
                .hasMessageContaining("active, dead, suspended, no-credit or key-limit");
        assertThatThrownBy(() -> SimulatorMain.parse(new String[] {"--port", "ninety"}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--port").hasMessageContaining("'ninety'");
    }

    @Test
    void standaloneDefaultsServeAllFourProviders() {
        try (Simulator sim = SimulatorMain.parse(new String[] {"--keys", "1", "--any-key"}).build().start()) {
            var out = new java.io.ByteArrayOutputStream();
            SimulatorMain.printBaseUrls(sim, new java.io.PrintStream(out, true));
            assertThat(out.toString()).contains("/cerebras/v1", "/groq/openai/v1", "/gemini/v1beta/openai",
                    "/openrouter/api/v1", "…0001").doesNotContain("gsk_test_");
            assertThat(Http.chat(sim.baseUrl("groq"), "gsk_anything_goes", Http.body("llama-3.1-8b-instant", "a")).statusCode())
                    .isEqualTo(200);
        }
    }
}
