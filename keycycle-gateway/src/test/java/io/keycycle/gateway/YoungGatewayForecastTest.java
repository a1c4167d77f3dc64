package io.keycycle.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import io.keycycle.Keycycle;
import io.keycycle.core.Outcome;
import io.keycycle.core.Usage;
import io.keycycle.core.pool.KeyPool;
import io.keycycle.core.testing.ManualClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static io.keycycle.gateway.TestGateway.MODEL;
import static io.keycycle.gateway.TestGateway.json;
import static org.assertj.core.api.Assertions.assertThat;

/** A gateway without a store forecasts at the rate of the minutes it has seen, not as if the window were idle before it started. */
class YoungGatewayForecastTest {

    final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) open.get(i).close();
    }

    @Test
    void threeMinutesOldWithoutAStoreTheRateIsThatOfTheThreeMinutes() {
        ManualClock clock = ManualClock.at("2026-03-10T16:30:00Z");
        Keycycle kc = ForecastAndPlanTest.groq(1, "rpm: 1000, rpd: 1000", "sliding").clock(clock).build();
        open.add(kc);
        KeycycleGateway gw = KeycycleGateway.builder().keycycle(kc).host("127.0.0.1").port(0).build();   // 15-minute window
        open.add(gw);
        gw.start();
        KeyPool pool = kc.pool("groq");
        for (int minute = 0; minute < 3; minute++) {                   // 40 calls a minute since the gateway started
            for (int i = 0; i < 40; i++) {
                clock.set(Instant.parse("2026-03-10T16:30:00Z").plusSeconds(minute * 60L + i).toEpochMilli());
                pool.acquire(MODEL, 10).report(Outcome.success(Usage.of(5, 5)));
            }
        }
        clock.set(Instant.parse("2026-03-10T16:33:00Z").toEpochMilli());

        JsonNode rpd = null;
        for (JsonNode f : json(TestGateway.over(kc, gw).get("/api/state")).path("forecasts")) {
            if (f.path("metric").asText().equals("rpd")) rpd = f;
        }
        assertThat(rpd).isNotNull();
        assertThat(rpd.path("used").asLong()).isEqualTo(120);
        // 880 left at 40 a minute: 22 minutes, at 16:55 (the old code divided 120 by 15 minutes: 8 a minute, 18:23)
        assertThat(rpd.path("rate_per_minute").asDouble()).isEqualTo(40.0);
        assertThat(rpd.path("exhausts_at").asText()).isEqualTo("2026-03-10T16:55:00Z");
    }
}
