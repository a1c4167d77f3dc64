package io.keycycle.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import io.keycycle.Keycycle;
import io.keycycle.core.ApiKey;
import io.keycycle.core.KeycycleEvent;
import io.keycycle.core.Outcome;
import io.keycycle.core.OutcomeKind;
import io.keycycle.core.Usage;
import io.keycycle.core.config.KeycycleConfig;
import io.keycycle.core.forecast.QuotaForecast;
import io.keycycle.core.pool.KeyPool;
import io.keycycle.core.pool.Lease;
import io.keycycle.core.testing.ManualClock;
import io.keycycle.store.KeycycleStore;
import io.keycycle.store.StoreConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.keycycle.gateway.TestGateway.MODEL;
import static io.keycycle.gateway.TestGateway.json;
import static org.assertj.core.api.Assertions.assertThat;

/** Forecasts from the engine's own counters and rates on an injected clock; the capacity plan of a seeded day. */
class ForecastAndPlanTest {

    @TempDir Path dir;
    final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) open.get(i).close();
    }

    static Keycycle.Builder groq(int keys, String limits, String reset) {
        String yaml = "providers:\n  groq:\n    daily-reset: " + reset + "\n    models:\n      " + MODEL + ": { " + limits + " }\n";
        return Keycycle.builder().env(Map.of()).config(KeycycleConfig.parse(yaml, Map.of(), "test.yaml"))
                .keys("groq", TestGateway.keys(keys)).shutdownHook(false);
    }

    @Test
    void aSteadyRateIsForecastToRunOutAtTheRightMinuteOnTheInjectedClock() {
        ManualClock clock = ManualClock.at("2026-03-10T16:30:00Z");    // 09:30 in Los Angeles (PDT)
        LiveHistory live = new LiveHistory(clock::millis);
        Keycycle kc = groq(1, "rpm: 100, rpd: 1000", "midnight America/Los_Angeles").clock(clock).listener(live).build();
        open.add(kc);
        KeyPool pool = kc.pool("groq");
        for (int minute = 0; minute < 30; minute++) {           // 4 calls a minute, at :10 :20 :30 :40, for half an hour
            for (int s = 10; s <= 40; s += 10) {
                clock.set(Instant.parse("2026-03-10T16:30:00Z").plusSeconds(minute * 60L + s).toEpochMilli());
                Lease lease = pool.acquire(MODEL, 100);
                lease.report(Outcome.success(Usage.of(60, 40)));
            }
        }
        clock.set(Instant.parse("2026-03-10T17:00:00Z").toEpochMilli());
        Instant now = clock.now();

        List<QuotaForecast> fs = OperatorView.forecasts(kc, kc.snapshots(), live, 15, now);

        QuotaForecast rpd = fs.stream().filter(f -> f.metric().key().equals("rpd")).findFirst().orElseThrow();
        assertThat(rpd.used()).isEqualTo(120);
        assertThat(rpd.ratePerMinute()).isEqualTo(4.0);
        // 880 requests left at 4 a minute: 220 minutes, i.e. 20:40 UTC (13:40 in Los Angeles), before midnight there
        assertThat(rpd.exhaustsAt()).isEqualTo(Instant.parse("2026-03-10T20:40:00Z"));
        assertThat(rpd.resetAt()).isEqualTo(Instant.parse("2026-03-11T07:00:00Z"));
        assertThat(rpd.runsOutBeforeReset()).isTrue();
        assertThat(rpd.secondsUntilExhausted(now)).isEqualTo(220 * 60);

        // the same rate from the store's per-key aggregate (what a fresh gateway and the command line use)
        KeycycleStore store = KeycycleStore.open(StoreConfig.builder("jdbc:sqlite:" + dir.resolve("kc.db"))
                .journalDir(dir.resolve("j")).shutdownHook(false).build());
        open.add(store);
        String fp = ApiKey.fingerprint(TestGateway.secret(1));
        for (int minute = 0; minute < 30; minute++) {
            for (int s = 10; s <= 40; s += 10) {
                Instant at = Instant.parse("2026-03-10T16:30:00Z").plusSeconds(minute * 60L + s);
                store.onEvent(new KeycycleEvent.Settled(at, at, "groq", "key-" + fp, fp, MODEL, OutcomeKind.SUCCESS, 200, 1, 60, 40, 100, 0));
            }
        }
        assertThat(store.flush(Duration.ofSeconds(10))).isTrue();
        List<QuotaForecast> fromStore = OperatorView.forecasts(kc, kc.snapshots(),
                OperatorView.storeRates(store, kc.snapshots(), now, 15), 15, now);
        assertThat(fromStore).filteredOn(f -> f.metric().key().equals("rpd")).singleElement()
                .extracting(QuotaForecast::exhaustsAt).isEqualTo(Instant.parse("2026-03-10T20:40:00Z"));
    }

    @Test
    void theCapacityPlanOfASeededDayOfRefusalsNamesTheKeysThatWereMissing() throws Exception {
        KeycycleStore store = KeycycleStore.open(StoreConfig.builder("jdbc:sqlite:" + dir.resolve("kc.db"))
                .journalDir(dir.resolve("j")).shutdownHook(false).build());
        open.add(store);
        // 3 keys of their own scope at 10 rpm answered 30 calls a minute for an hour; 25 more a minute were refused locally
        // and 5 got a 429: 60 a minute wanted service, so 6 scopes would have served everything: 3 more keys
        Instant start = Instant.now().minus(Duration.ofHours(3)).truncatedTo(java.time.temporal.ChronoUnit.MINUTES);
        for (int minute = 0; minute < 60; minute++) {
            Instant m = start.plusSeconds(minute * 60L);
            for (int i = 0; i < 30; i++) {
                String fp = ApiKey.fingerprint(TestGateway.secret(1 + i % 3));
                Instant at = m.plusMillis(i * 1_000L);
                store.onEvent(new KeycycleEvent.Settled(at, at, "groq", "key-" + fp, fp, MODEL, OutcomeKind.SUCCESS, 200, 1, 30, 20, 50, 0));
            }
            for (int i = 0; i < 25; i++) store.onEvent(new KeycycleEvent.Rejected(m.plusMillis(31_000L + i), "groq", MODEL, null, "rpm"));
            for (int i = 0; i < 2; i++) {
                store.onEvent(new KeycycleEvent.FellBack(m.plusMillis(32_000L + i), "cerebras", "gpt-oss-120b", "fast", "groq", MODEL, 1));
            }
            for (int i = 0; i < 5; i++) {
                String fp = ApiKey.fingerprint(TestGateway.secret(1));
                Instant at = m.plusMillis(58_000L + i);
                store.onEvent(new KeycycleEvent.Settled(at, at, "groq", "key-" + fp, fp, MODEL, OutcomeKind.RATE_LIMITED, 429, 1, 0, 0, 0, 0));
            }
        }
        assertThat(store.flush(Duration.ofSeconds(20))).isTrue();
        Keycycle kc = groq(3, "rpm: 10, rpd: 14400", "sliding").persistence(store).build();
        TestGateway gw = TestGateway.start(kc, store, List.of(), 1 << 20);
        open.add(gw);

        JsonNode plan = json(gw.get("/api/plan")).path("providers").get(0);

        assertThat(plan.path("provider").asText()).isEqualTo("groq");
        assertThat(plan.path("scopes").asInt()).isEqualTo(3);
        assertThat(plan.path("scopes_needed").asInt()).isEqualTo(6);
        assertThat(plan.path("additional_scopes").asInt()).isEqualTo(3);
        JsonNode model = plan.path("models").get(0);
        assertThat(model.path("refused").asLong()).isEqualTo(60 * 25);
        assertThat(model.path("limited").asLong()).isEqualTo(60 * 5);
        assertThat(model.path("binding_limit").asText()).isEqualTo("rpm");
        assertThat(model.path("binding_demand").asLong()).isEqualTo(60);
        JsonNode overflow = plan.path("overflow").get(0);
        assertThat(overflow.path("target").asText()).isEqualTo("fast");
        assertThat(overflow.path("served_by").asText()).isEqualTo("cerebras/gpt-oss-120b");
        assertThat(overflow.path("calls").asLong()).isEqualTo(120);
    }
}
