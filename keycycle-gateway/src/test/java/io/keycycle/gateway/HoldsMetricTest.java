package io.keycycle.gateway;

import io.keycycle.core.ApiKey;
import io.keycycle.sim.SimLimits;
import io.keycycle.sim.SimProvider;
import io.keycycle.sim.Simulator;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.keycycle.gateway.TestGateway.MODEL;
import static io.keycycle.gateway.TestGateway.TARGET;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code keycycle_holds_seconds}: Prometheus says which scopes (keys) are held, for which model, why
 * (a cause from a fixed set and the limit concerned) and for how much longer; the provider's text
 * and the operator's note stay out of the labels.
 */
class HoldsMetricTest {

    @Test
    void aCooledScopeAndADisabledKeyAreEachAHoldWithItsCauseAndTimeLeft() {
        try (Simulator sim = Simulator.builder().provider(SimProvider.groq().fakeKeys(2).model(MODEL, SimLimits.UNLIMITED.rpm(1)).build())
                .build().start();
             TestGateway gw = TestGateway.start(TestGateway.keycycle(sim, 2, "rpm: 4, rpd: 1000", null).build())) {
            assertThat(gw.post("/admin/keys/groq/2/disable", "{\"reason\":\"rotated secret 42\"}").statusCode()).isEqualTo(200);
            for (int i = 0; i < 2; i++) gw.chat(TARGET, "holds " + i); // key 1: the second is the simulator's 429 on its minute
            String scope1 = "key-" + ApiKey.fingerprint(TestGateway.secret(1));
            String scope2 = "key-" + ApiKey.fingerprint(TestGateway.secret(2));

            List<String> holds = gw.get("/metrics").body().lines().filter(l -> l.startsWith("keycycle_holds_seconds{")).toList();
            assertThat(holds).as("%s", holds).hasSize(2);
            String cooled = line(holds, scope1);
            assertThat(cooled).contains("cause=\"rate_limited\"", "metric=\"rpm\"", "model=\"" + MODEL + "\"", "provider=\"groq\"", "state=\"COOLING\"");
            assertThat(value(cooled)).as("the rest of the simulator's minute").isBetween(0.5, 61.0);
            String disabled = line(holds, scope2);
            assertThat(disabled).contains("cause=\"operator\"", "metric=\"\"", "model=\"*\"", "state=\"DISABLED\"");
            assertThat(value(disabled)).as("until an operator enables it").isEqualTo(-1.0);
            assertThat(String.join("\n", holds)).doesNotContain("rotated secret").doesNotContain("Limit 1");

            assertThat(gw.post("/admin/keys/groq/1/release", "{}").statusCode()).isEqualTo(200);
            assertThat(gw.post("/admin/keys/groq/2/enable", "{}").statusCode()).isEqualTo(200);
            assertThat(gw.get("/metrics").body().lines().filter(l -> l.startsWith("keycycle_holds_seconds{")))
                    .as("released and enabled: no hold left").isEmpty();
        }
    }

    private static String line(List<String> lines, String scope) {
        return lines.stream().filter(l -> l.contains("scope=\"" + scope + "\"")).findFirst()
                .orElseThrow(() -> new AssertionError("no hold of " + scope + " in " + lines));
    }

    private static double value(String line) {
        Matcher m = Pattern.compile("} (\\S+)$").matcher(line);
        assertThat(m.find()).isTrue();
        return Double.parseDouble(m.group(1));
    }
}
