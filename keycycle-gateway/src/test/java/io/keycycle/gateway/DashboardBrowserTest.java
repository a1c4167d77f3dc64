package io.keycycle.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import io.keycycle.core.ApiKey;
import io.keycycle.sim.SimLimits;
import io.keycycle.sim.SimProvider;
import io.keycycle.sim.Simulator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.keycycle.gateway.TestGateway.MODEL;
import static io.keycycle.gateway.TestGateway.TARGET;
import static io.keycycle.gateway.TestGateway.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.abort;

/**
 * Opens the dashboard in headless Chromium after real traffic and checks what it renders: key
 * fingerprints, states with reasons, usage against limits and the outcome feed. Also writes
 * {@code target/dashboard.png} (the screenshot in docs/ comes from it). Skips without Chromium
 * unless {@code -Dkeycycle.requireServices=true}.
 *
 * <p>The page is opened as {@code /?poll}: with its event stream open a headless browser's virtual
 * time never runs out (the connection stays pending), so the DOM would never be dumped. The event
 * stream itself is checked in {@link DashboardEventsTest}.
 */
class DashboardBrowserTest {

    static Simulator sim;
    static TestGateway gw;
    @TempDir static Path profile;

    @BeforeAll
    static void start() {
        // Groq's headers say 50 a day where the table says 1,000: learned on the first answer of each scope
        sim = Simulator.builder().provider(SimProvider.groq().fakeKeys(3).model(MODEL, SimLimits.UNLIMITED.rpm(2).rpd(50)).build()).build().start();
        gw = TestGateway.start(TestGateway.keycycle(sim, 3, "rpm: 4, rpd: 1000, tpm: 6000", null).build());
        assertThat(gw.post("/admin/keys/groq/3/disable", "{\"reason\":\"dashboard check\"}").statusCode()).isEqualTo(200);
        for (int i = 0; i < 6; i++) gw.chat(TARGET, "dashboard traffic " + i);   // the simulator allows 2 per key: some 429s
        gw.chat("groq/" + MODEL, "dashboard traffic " + 7);
    }

    @AfterAll
    static void stop() {
        if (gw != null) gw.close();
        if (sim != null) sim.close();
    }

    static String chromium() {
        for (String c : List.of("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")) {
            if (Files.isExecutable(Path.of(c))) return c;
        }
        if (Boolean.getBoolean("keycycle.requireServices")) fail("Chromium is required (keycycle.requireServices=true) but not installed: apt-get install -y chromium");
        return abort("Chromium is not installed; skipping the browser check (apt-get install -y chromium)");
    }

    static String run(List<String> extra) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(chromium(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--no-first-run", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--user-data-dir=" + profile.resolve("p" + System.nanoTime()),
                "--virtual-time-budget=5000"));
        cmd.addAll(extra);
        Path out = profile.resolve("out-" + System.nanoTime() + ".txt");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("Chromium did not finish within 60 s: " + cmd);
        }
        return Files.readString(out, StandardCharsets.UTF_8);
    }

    @Test
    void theDashboardShowsKeysStatesUsageAndTheFeed() throws Exception {
        String dom = run(List.of("--dump-dom", gw.gateway.url() + "/?poll"));

        assertThat(dom).contains("data-provider=\"groq\"");
        for (int i = 1; i <= 3; i++) assertThat(dom).contains(ApiKey.fingerprint(TestGateway.secret(i)));
        for (int i = 1; i <= 3; i++) assertThat(dom).doesNotContain(TestGateway.secret(i));
        assertThat(dom).contains(">disabled<").contains("disabled by operator: dashboard check");
        assertThat(dom).contains(">cooling<");   // the simulator's 429s cooled a scope
        JsonNode state = json(gw.get("/api/state"));
        int bars = 0;
        for (JsonNode b : state.path("providers").get(0).path("buckets")) {
            for (JsonNode u : b.path("usage")) {
                String label = u.path("metric").asText() + " " + u.path("used").asLong()
                        + (u.path("limit").isNull() ? " (no limit)" : " / " + u.path("limit").asLong());
                assertThat(dom).contains(label);
                bars++;
            }
        }
        assertThat(bars).isGreaterThanOrEqualTo(4);
        assertThat(dom).containsPattern("rpm [1-9] / 4");
        assertThat(dom).contains("<span class=\"out SUCCESS\">SUCCESS</span>").contains("<span class=\"out RATE_LIMITED\">RATE_LIMITED</span>");
    }

    @Test
    void theDashboardShowsTheLimitsLearnedFromTheProvider() throws Exception {
        String dom = run(List.of("--dump-dom", gw.gateway.url() + "/?poll"));
        JsonNode learned = json(gw.get("/api/state")).path("learned_limits");
        assertThat(learned.size()).as("one per scope that answered (keys 1 and 2; key 3 is disabled)").isGreaterThanOrEqualTo(1);
        assertThat(dom).as("the learned-limits table").contains("<table id=\"learned\">");
        String learnedTable = dom.substring(dom.indexOf("<table id=\"learned\">"), dom.indexOf("</table>", dom.indexOf("<table id=\"learned\">")));
        for (JsonNode l : learned) {
            assertThat(l.path("text").asText()).startsWith("rpd 1000 → 50, learned from groq 20");
            assertThat(learnedTable).contains("data-learned=\"groq/" + l.path("scope").asText() + "/" + MODEL + "/rpd\"")
                    .contains(l.path("text").asText());
        }
        assertThat(learnedTable).doesNotContain("none: every limit in force");
    }

    @Test
    void aScreenshotOfThePopulatedDashboard() throws Exception {
        Path png = Path.of("target", "dashboard.png").toAbsolutePath();
        Files.deleteIfExists(png);
        run(List.of("--hide-scrollbars", "--window-size=1280,900", "--screenshot=" + png, gw.gateway.url() + "/?poll"));
        assertThat(png).exists();
        assertThat(Files.size(png)).isGreaterThan(20_000);
    }
}
