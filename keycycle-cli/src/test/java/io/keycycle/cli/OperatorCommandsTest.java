package io.keycycle.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.keycycle.core.ApiKey;
import io.keycycle.core.KeycycleEvent;
import io.keycycle.core.OutcomeKind;
import io.keycycle.store.KeycycleStore;
import io.keycycle.store.StoreConfig;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/** usage --chart / --since / --plan and status --forecast against a seeded SQLite database, on a fixed clock. */
class OperatorCommandsTest {

    static final Instant NOW = Instant.parse("2026-03-10T17:00:00Z");   // 10:00 in Los Angeles (PDT)
    static final String MODEL = "llama-3.1-8b-instant";
    static final String[] KEYS = {"gsk_test_0000000000000000000001", "gsk_test_0000000000000000000002", "gsk_test_0000000000000000000003"};

    @TempDir Path dir;
    String db;
    Cli cli;

    @BeforeEach
    void setUp() throws Exception {
        db = "jdbc:sqlite:" + dir.resolve("keycycle.db");
        Files.writeString(dir.resolve("keycycle.yaml"), """
                providers:
                  groq:
                    daily-reset: midnight America/Los_Angeles
                    models:
                      llama-3.1-8b-instant: { rpm: 10, rpd: 1000 }
                """);
        cli = Cli.at(dir, Map.of("NUM_GROQ", "3", "GROQ_API_KEY_1", KEYS[0], "GROQ_API_KEY_2", KEYS[1], "GROQ_API_KEY_3", KEYS[2],
                "KEYCYCLE_DB_URL", db), NOW);
    }

    void seed(Consumer<KeycycleStore> events) {
        try (KeycycleStore store = KeycycleStore.open(StoreConfig.builder(db).shutdownHook(false).build())) {
            events.accept(store);
            assertThat(store.flush(Duration.ofSeconds(20))).isTrue();
        }
    }

    static KeycycleEvent.Settled call(Instant at, int key, OutcomeKind kind, long tokens) {
        String fp = ApiKey.fingerprint(KEYS[key - 1]);
        boolean ok = kind == OutcomeKind.SUCCESS;
        return new KeycycleEvent.Settled(at, at, "groq", "key-" + fp, fp, MODEL, kind, ok ? 200 : 429, 1, ok ? tokens / 2 : 0,
                ok ? tokens - tokens / 2 : 0, ok ? tokens : 0, 0);
    }

    @Test
    void statusForecastRunsOutAtTheMinuteTheSteadyRateSays() throws Exception {
        // key 1: 4 calls a minute since 16:30 (120 today); at 4 a minute its 880 left last until 20:40 UTC
        seed(store -> {
            for (int m = 0; m < 30; m++) {
                for (int s = 10; s <= 40; s += 10) store.onEvent(call(NOW.minusSeconds(1_800 - m * 60L - s), 1, OutcomeKind.SUCCESS, 100));
            }
        });
        Cli.Result r = cli.run("status", "--forecast", "--format", "json");
        assertThat(r.code()).as(r.toString()).isZero();
        JsonNode out = Json.MAPPER.readTree(r.out());
        JsonNode f = out.path("forecasts").get(0);
        assertThat(f.path("scope").asText()).isEqualTo("key-" + ApiKey.fingerprint(KEYS[0]));
        assertThat(f.path("used").asLong()).isEqualTo(120);
        assertThat(f.path("rate_per_minute").asDouble()).isEqualTo(4.0);
        assertThat(f.path("exhausts_at").asText()).isEqualTo("2026-03-10T20:40:00Z");
        assertThat(f.path("reset_at").asText()).isEqualTo("2026-03-11T07:00:00Z");
        assertThat(f.path("runs_out_before_reset").asBoolean()).isTrue();
        assertThat(out.path("storage").path("retention").asText()).isEqualTo("raw usage 30d, aggregates 400d");

        Cli.Result table = cli.run("status", "--forecast");
        assertThat(table.out()).contains("size ").contains("keeps raw usage 30d, aggregates 400d")
                .containsPattern("!\\s+groq\\s+key-\\S+\\s+" + MODEL + "\\s+1000 rpd\\s+120\\s+88%\\s+4\\.0\\s+2026-03-10T20:40:00Z \\(in 3h40m\\)");
        assertThat(cli.run("status").out()).contains("keeps raw usage 30d, aggregates 400d");
    }

    @Test
    void usagePlanNamesTheKeysADayOfRefusalsWasMissing() throws Exception {
        // 3 keys at 10 rpm answered 30 a minute for an hour while 25 a minute were refused and 5 got a 429:
        // 60 a minute wanted service, 6 scopes' worth: 3 more keys
        Instant start = NOW.minus(Duration.ofHours(5));
        seed(store -> {
            for (int m = 0; m < 60; m++) {
                Instant minute = start.plusSeconds(m * 60L);
                for (int i = 0; i < 30; i++) store.onEvent(call(minute.plusSeconds(i), 1 + i % 3, OutcomeKind.SUCCESS, 50));
                for (int i = 0; i < 25; i++) store.onEvent(new KeycycleEvent.Rejected(minute.plusSeconds(31), "groq", MODEL, null, "rpm"));
                store.onEvent(new KeycycleEvent.FellBack(minute.plusSeconds(32), "gemini", "gemini-2.5-flash", "fast", "groq", MODEL, 1));
                for (int i = 0; i < 5; i++) store.onEvent(call(minute.plusSeconds(58), 1, OutcomeKind.RATE_LIMITED, 0));
            }
        });
        Cli.Result json = cli.run("usage", "--plan", "--format", "json");
        assertThat(json.code()).as(json.toString()).isZero();
        JsonNode groq = Json.MAPPER.readTree(json.out()).get(0);
        assertThat(groq.path("scopes").asInt()).isEqualTo(3);
        assertThat(groq.path("additional_scopes").asInt()).isEqualTo(3);
        assertThat(groq.path("models").get(0).path("refused").asLong()).isEqualTo(1_500);

        Cli.Result table = cli.run("usage", "--plan");
        assertThat(table.out()).contains("groq: add 3 keys in organisations/projects of their own (6 scopes instead of 3)")
                .contains("overflow of groq/" + MODEL + " carried by gemini/gemini-2.5-flash (tier fast): 60 calls");
        assertThat(groq.path("overflow").get(0).path("calls").asLong()).isEqualTo(60);
    }

    @Test
    void usageChartDrawsSparklinesPerProviderAndJsonForScripts() throws Exception {
        // one answered call in the oldest hour of the last 24, then 2, 3 ... 24 per hour; refusals only in the last hour
        seed(store -> {
            for (int h = 0; h < 24; h++) {
                Instant hour = NOW.minus(Duration.ofHours(24 - h));
                for (int i = 0; i <= h; i++) store.onEvent(call(hour.plusSeconds(60 + i), 1, OutcomeKind.SUCCESS, 10));
            }
            for (int i = 0; i < 7; i++) store.onEvent(new KeycycleEvent.Rejected(NOW.minusSeconds(600 + i), "groq", MODEL, null, "rpm"));
        });
        Cli.Result r = cli.run("usage", "--since", "24h", "--by", "provider", "--chart", "--width", "24", "--ascii");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out()).contains("calls per 1h from 2026-03-09T17:01:00Z");
        // 1, 2, ... 24 calls an hour scaled to 24: one character per hour, the same scale for every outcome of a provider
        assertThat(r.out()).contains("groq      answered |...:::---===+++***###@@@| 300\n");
        assertThat(r.out()).contains("          refused  |                       -| 7\n");

        Cli.Result json = cli.run("usage", "--since", "24h", "--by", "provider", "--chart", "--format", "json");
        JsonNode s = Json.MAPPER.readTree(json.out()).path("series").get(0);
        assertThat(s.path("provider").asText()).isEqualTo("groq");
        long answered = 0;
        for (JsonNode v : s.path("answered")) answered += v.asLong();
        assertThat(answered).isEqualTo(300);
        assertThat(s.path("refused").get(s.path("refused").size() - 1).asLong()).isEqualTo(7);
        assertThat(s.path("tokens").size()).isEqualTo(s.path("answered").size());

        Cli.Result since = cli.run("usage", "--since", "90m", "--by", "provider", "--format", "json");
        assertThat(Json.MAPPER.readTree(since.out()).get(0).path("requests").asLong()).isEqualTo(24);   // 15:30 to 17:00 holds the 24 calls at 16:01 only
        assertThat(cli.run("usage", "--since", "2h", "--days", "1").code()).isNotZero();
        assertThat(cli.run("usage", "--chart", "--by", "key").err()).contains("--chart groups by provider or provider,model");
    }

    @Test
    void sparklinesScaleToTheBusiestIntervalAndShowEveryNonZeroCount() {
        assertThat(Sparkline.of(new long[] {0, 1, 4, 8, 100}, 100, true)).isEqualTo(" ...@");
        assertThat(Sparkline.of(new long[] {0, 1, 2, 3, 4, 5, 6, 7, 8}, 8, false)).isEqualTo(" ▁▂▃▄▅▆▇█");
        assertThat(Sparkline.bucket(new long[] {1, 2, 3, 4, 5}, 2)).containsExactly(6, 9);
    }
}
