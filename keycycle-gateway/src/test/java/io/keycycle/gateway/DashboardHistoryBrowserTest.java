package io.keycycle.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import io.keycycle.Keycycle;
import io.keycycle.core.ApiKey;
import io.keycycle.core.KeyState;
import io.keycycle.core.KeycycleEvent;
import io.keycycle.core.OutcomeKind;
import io.keycycle.sim.SimLimits;
import io.keycycle.sim.SimProvider;
import io.keycycle.sim.Simulator;
import io.keycycle.store.KeycycleStore;
import io.keycycle.store.OutcomeClass;
import io.keycycle.store.OutcomeMinute;
import io.keycycle.store.StoreConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.keycycle.gateway.TestGateway.MODEL;
import static io.keycycle.gateway.TestGateway.json;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The history part of the dashboard in headless Chromium over a seeded store: the uPlot charts hold
 * exactly the store's per-minute aggregates (read back from the page), the key-state timeline shows
 * the seeded cooldown with its reason, a forecast that runs out is highlighted, the plan is shown.
 * Writes {@code target/dashboard-history.png}.
 */
class DashboardHistoryBrowserTest {

    static Simulator sim;
    static KeycycleStore store;
    static TestGateway gw;
    static Instant seededFrom;
    @TempDir static Path dir;

    @BeforeAll
    static void start() {
        sim = Simulator.builder().provider(SimProvider.groq().fakeKeys(3).model(MODEL, SimLimits.UNLIMITED).build()).build().start();
        store = KeycycleStore.open(StoreConfig.builder("jdbc:sqlite:" + dir.resolve("kc.db")).journalDir(dir.resolve("j"))
                .shutdownHook(false).build());
        Instant now = Instant.now().truncatedTo(ChronoUnit.MINUTES);
        seededFrom = now.minus(Duration.ofMinutes(50));
        String fp1 = ApiKey.fingerprint(TestGateway.secret(1));
        String fp2 = ApiKey.fingerprint(TestGateway.secret(2));
        for (int m = 0; m < 48; m++) {
            Instant minute = seededFrom.plusSeconds(m * 60L);
            for (int i = 0; i < 1 + m % 7; i++) {
                String fp = i % 2 == 0 ? fp1 : fp2;
                Instant at = minute.plusSeconds(1 + i);
                store.onEvent(new KeycycleEvent.Settled(at, at, "groq", "key-" + fp, fp, MODEL, OutcomeKind.SUCCESS, 200, 1,
                        60 + m, 40, 100 + m, 0));
            }
            if (m % 5 == 0) {
                Instant at = minute.plusSeconds(20);
                store.onEvent(new KeycycleEvent.Settled(at, at, "groq", "key-" + fp1, fp1, MODEL, OutcomeKind.RATE_LIMITED, 429, 1, 0, 0, 0, 0));
            }
            if (m % 3 == 0) {
                for (int i = 0; i < 2; i++) store.onEvent(new KeycycleEvent.Rejected(minute.plusSeconds(30 + i), "groq", MODEL, null, "rpm"));
            }
            if (m % 11 == 0) {
                Instant at = minute.plusSeconds(40);
                store.onEvent(new KeycycleEvent.Settled(at, at, "groq", "key-" + fp2, fp2, MODEL, OutcomeKind.TRANSIENT, 502, 0, 0, 0, 0, 0));
            }
        }
        Instant cooled = seededFrom.plusSeconds(10 * 60);
        store.onEvent(new KeycycleEvent.StateChanged(cooled, "groq", KeycycleEvent.Level.KEY, "key-" + fp1, fp1, "*", KeyState.COOLING,
                cooled.plusSeconds(150), "429: requests per minute exceeded"));
        assertThat(store.flush(Duration.ofSeconds(20))).isTrue();
        Keycycle kc = TestGateway.keycycle(sim, 3, "rpm: 30, rpd: 2000", null).persistence(store).build();
        gw = TestGateway.start(kc, store, List.of(), 1 << 20);
    }

    @AfterAll
    static void stop() {
        if (gw != null) gw.close();
        if (store != null) store.close();
        if (sim != null) sim.close();
    }

    /** The {@code data-uplot} attribute (uPlot's data as the page holds it) of a chart, parsed. */
    static JsonNode chartData(String dom, String chart) {
        Matcher m = Pattern.compile("data-chart=\"" + Pattern.quote(chart) + "\" data-uplot=\"([^\"]*)\"").matcher(dom);
        assertThat(m.find()).as("chart " + chart + " in the page").isTrue();
        return Jsons.tryParse(m.group(1).replace("&quot;", "\"").replace("&amp;", "&"));
    }

    @Test
    void theChartsHoldTheStoresPerMinuteAggregatesAndTheTimelineAndForecastShow() throws Exception {
        String dom = Chromium.run(dir, 5000, List.of("--dump-dom", gw.gateway.url() + "/?poll&range=1h"));

        for (String kind : List.of("calls", "tokens")) {
            JsonNode data = chartData(dom, "groq|" + kind);
            JsonNode xs = data.get(0);
            assertThat(xs.size()).isEqualTo(60);
            Instant first = Instant.ofEpochSecond(xs.get(0).asLong());
            Instant end = Instant.ofEpochSecond(xs.get(xs.size() - 1).asLong()).plusSeconds(60);
            long[][] expected = new long[4][xs.size()];
            long total = 0;
            for (OutcomeMinute r : store.outcomesPerMinute(first, end)) {
                int i = (int) ((r.minute().getEpochSecond() - first.getEpochSecond()) / 60);
                long v = kind.equals("calls") ? r.calls() : r.tokens();
                expected[r.outcome().ordinal()][i] += v;
                total += v;
            }
            assertThat(total).as("seeded " + kind + " inside the chart's hour").isPositive();
            // the page stacks answered, limited, refused, error and draws the top band first
            for (int i = 0; i < xs.size(); i++) {
                assertThat(xs.get(i).asLong()).isEqualTo(first.getEpochSecond() + 60L * i);
                long cumulative = 0;
                for (OutcomeClass c : OutcomeClass.values()) {
                    cumulative += expected[c.ordinal()][i];
                    int series = 4 - c.ordinal();
                    assertThat(data.get(series).get(i).asLong()).as(kind + " " + c + " at minute " + i).isEqualTo(cumulative);
                }
            }
        }
        String fp1 = ApiKey.fingerprint(TestGateway.secret(1));
        assertThat(dom).contains("data-timeline=\"groq\"").contains("key " + fp1);
        assertThat(dom).containsPattern("class=\"tl-seg COOLING\"[^>]*title=\"cooling [0-9:]+–[0-9:]+: 429: requests per minute exceeded\"");
        assertThat(dom).contains("class=\"runs-out\" data-forecast=\"groq/key-" + fp1 + "/" + MODEL + "/rpd\"");
        assertThat(dom).contains("data-plan=\"groq\"");
        assertThat(dom).contains("refused locally").contains("429 from provider");
        assertThat(dom).doesNotContain(TestGateway.secret(1));
    }

    @Test
    void theForecastIsInTheStateAndInPrometheus() {
        JsonNode state = json(gw.get("/api/state"));
        // the model has a daily request and a daily token limit: the seeded traffic runs out of requests first
        JsonNode f = null;
        for (JsonNode candidate : state.path("forecasts")) if (f == null && candidate.path("metric").asText().equals("rpd")) f = candidate;
        assertThat(f).as("an rpd forecast in " + state.path("forecasts")).isNotNull();
        assertThat(f.path("runs_out_before_reset").asBoolean()).isTrue();
        assertThat(f.path("seconds_until_exhausted").asLong()).isPositive();
        assertThat(state.path("store").path("storage").path("size_bytes").asLong()).isPositive();
        assertThat(state.path("store").path("storage").path("retention").asText()).isEqualTo("raw usage 30d, aggregates 400d");
        String metrics = gw.get("/metrics").body();
        assertThat(metrics).containsPattern("keycycle_quota_exhaustion_seconds\\{metric=\"rpd\",model=\"" + Pattern.quote(MODEL)
                + "\",provider=\"groq\",scope=\"key-[^\"]+\"} [0-9.E]+");
        assertThat(metrics).contains("keycycle_quota_remaining_ratio{");
    }

    @Test
    void aScreenshotOfTheHistory() throws Exception {
        Path png = Path.of("target", "dashboard-history.png").toAbsolutePath();
        Files.deleteIfExists(png);
        Chromium.run(dir, 5000, List.of("--hide-scrollbars", "--window-size=1400,1500", "--screenshot=" + png, gw.gateway.url() + "/?poll&range=1h"));
        assertThat(png).exists();
        assertThat(Files.size(png)).isGreaterThan(30_000);
    }
}
