package io.keycycle.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import io.keycycle.Keycycle;
import io.keycycle.core.ApiKey;
import io.keycycle.sim.SimLimits;
import io.keycycle.sim.SimProvider;
import io.keycycle.sim.Simulator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.keycycle.gateway.TestGateway.MODEL;
import static io.keycycle.gateway.TestGateway.TARGET;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.abort;

/**
 * An operator acts on keys from the dashboard, in headless Chromium driven through its chromedriver:
 * disables a key with a reason, enables it again, and releases a scope the provider's 429s cooled,
 * each checked through the admin API afterwards. A page opened with a client token shows no action.
 * Skips without Chromium and chromedriver unless {@code -Dkeycycle.requireServices=true}.
 */
class DashboardKeyActionsBrowserTest {

    private static final String CLIENT = "fake-client-token-for-the-dashboard";
    private static final String ADMIN = "fake-admin-token-for-the-dashboard";
    private static final Duration WAIT = Duration.ofSeconds(20);

    static Simulator sim;
    static Keycycle keycycle;
    static KeycycleGateway gateway;
    static final HttpClient HTTP = HttpClient.newHttpClient();
    WebDriver browser;

    @BeforeAll
    static void start() throws Exception {
        // Groq allows 2 a minute per key here, the table 4: the third call on a key is a 429 that cools its scope
        sim = Simulator.builder().provider(SimProvider.groq().fakeKeys(3).model(MODEL, SimLimits.UNLIMITED.rpm(2).rpd(50)).build()).build().start();
        keycycle = TestGateway.keycycle(sim, 3, "rpm: 4, rpd: 1000, tpm: 6000", null).build();
        gateway = KeycycleGateway.builder().keycycle(keycycle).host("127.0.0.1").port(0)
                .tokens(List.of(CLIENT)).adminTokens(List.of(ADMIN)).build();
        gateway.start();
    }

    /** Calls enough for the simulator's 429s to cool scopes, each until its minute frees (up to a minute from now). */
    static void coolSomeScopes() throws Exception {
        for (int i = 0; i < 9; i++) {
            HTTP.send(HttpRequest.newBuilder(URI.create(gateway.url() + "/v1/chat/completions"))
                    .header("Authorization", "Bearer " + CLIENT).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(TestGateway.chatBody(TARGET, "dashboard actions " + i, false))).build(),
                    HttpResponse.BodyHandlers.ofString());
        }
    }

    @AfterAll
    static void stop() {
        if (gateway != null) gateway.close();
        if (keycycle != null) keycycle.close();
        if (sim != null) sim.close();
    }

    @BeforeEach
    void openBrowser() {
        String chromium = DashboardBrowserTest.chromium();
        String driver = "/usr/bin/chromedriver";
        if (!Files.isExecutable(Path.of(driver))) {
            if (Boolean.getBoolean("keycycle.requireServices")) fail("chromedriver is required (keycycle.requireServices=true): apt-get install -y chromium-driver");
            abort("chromedriver is not installed; skipping the dashboard's key actions (apt-get install -y chromium-driver)");
        }
        ChromeOptions options = new ChromeOptions().setBinary(chromium)
                .addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage",
                        "--no-first-run", "--disable-component-update", "--disable-sync", "--window-size=1400,1000");
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(new File(driver)).usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
    }

    @AfterEach
    void closeBrowser() {
        if (browser != null) browser.quit();
    }

    @Test
    void anOperatorReleasesDisablesAndEnablesKeysFromTheDashboard() throws Exception {
        coolSomeScopes(); // first: a cooldown lasts until its minute frees, the release comes within seconds
        browser.get(gateway.url() + "/?poll#token=" + ADMIN);
        until(By.cssSelector("body[data-admin=yes]"));

        // release a key whose scope the simulator's 429s cooled
        JsonNode held = null;
        for (JsonNode k : admin("/admin/keys")) {
            if (k.path("provider").asText().equals("groq") && isHeld(k)) held = k;
        }
        assertThat(held).as("a key the 429s cooled: %s", admin("/admin/keys")).isNotNull();
        int index = held.path("index").asInt();
        String fp = held.path("fingerprint").asText();
        click(fp, "release");
        assertThat(browser.findElement(By.id("actions")).getText()).contains("Release groq key #" + index).contains(held.path("scope").asText());
        browser.findElement(By.id("action-go")).click();
        assertThat(result()).startsWith("Released groq key #" + index + " (" + fp + "): holds ended for ");
        assertThat(isHeld(key(index))).as("no hold left: %s", key(index)).isFalse();
        new WebDriverWait(browser, WAIT).until(b -> row(fp).findElements(By.cssSelector("button[data-action=release]")).isEmpty());
        browser.findElement(By.id("action-close")).click();
        assertThat(browser.findElement(By.id("actions")).isDisplayed()).isFalse();

        // disable key 1 with a reason
        String fp1 = ApiKey.fingerprint(TestGateway.secret(1));
        click(fp1, "disable");
        WebElement reason = until(By.id("action-reason"));
        reason.sendKeys("rotated by ops");
        assertThat(browser.findElement(By.id("actions")).getText()).contains("Disable groq key #1 (" + fp1 + ")");
        browser.findElement(By.id("action-go")).click();
        assertThat(result()).isEqualTo("groq key #1 (" + fp1 + ") is now disabled.");
        JsonNode k1 = key(1);
        assertThat(k1.path("state").asText()).isEqualTo("DISABLED");
        assertThat(k1.path("reason").asText()).contains("rotated by ops");
        new WebDriverWait(browser, WAIT).until(b -> !row(fp1).findElements(By.cssSelector("button[data-action=enable]")).isEmpty());

        // and enable it again
        click(fp1, "enable");
        browser.findElement(By.id("action-go")).click();
        assertThat(result()).startsWith("groq key #1 (" + fp1 + ") is now ");
        assertThat(key(1).path("state").asText()).isNotEqualTo("DISABLED");
    }

    @Test
    void aClientTokenSeesTheKeysButNoAction() throws Exception {
        browser.get(gateway.url() + "/?poll#token=" + CLIENT);
        String fp2 = ApiKey.fingerprint(TestGateway.secret(2));
        row(fp2);
        // the page asked the admin API (403 for a client token), then drew a snapshot after that answer
        until(By.cssSelector("body[data-admin=no]"));
        String at = browser.findElement(By.id("at")).getText();
        new WebDriverWait(browser, WAIT).until(b -> !b.findElement(By.id("at")).getText().equals(at));
        assertThat(browser.findElements(By.cssSelector("button.act"))).isEmpty();
        assertThat(browser.findElements(By.cssSelector("th"))).extracting(WebElement::getText).doesNotContain("actions");
        assertThat(row(fp2).getText()).contains(fp2);
    }

    private WebElement row(String fingerprint) {
        return until(By.cssSelector("section[data-provider=groq] tr[data-key='" + fingerprint + "']"));
    }

    /**
     * Clicks {@code action} in the row of the key {@code fingerprint}, found anew at each try: the
     * tables are redrawn with each snapshot, so a row found before (until 2026-12-06 the caller's
     * element, asked for its fingerprint here) may be stale at every try.
     */
    private void click(String fingerprint, String action) {
        new WebDriverWait(browser, WAIT).until(b -> {
            try {
                row(fingerprint).findElement(By.cssSelector("button[data-action=" + action + "]")).click();
                return true;
            } catch (org.openqa.selenium.NoSuchElementException | org.openqa.selenium.StaleElementReferenceException redrawn) {
                return false; // the tables are drawn anew with each snapshot
            }
        });
    }

    private WebElement until(By what) {
        return new WebDriverWait(browser, WAIT).ignoring(org.openqa.selenium.StaleElementReferenceException.class)
                .until(b -> b.findElements(what).stream().findFirst().orElse(null));
    }

    /** The answer the page shows for the action just sent. */
    private String result() {
        return new WebDriverWait(browser, WAIT).until(b -> b.findElements(By.cssSelector("#actions .done, #actions .failed")).stream()
                .findFirst().map(WebElement::getText).orElse(null));
    }

    private static boolean isHeld(JsonNode k) {
        if (Map.of("COOLING", 1, "PARKED", 1).containsKey(k.path("state").asText())) return true;
        for (JsonNode m : k.path("models")) if (Map.of("COOLING", 1, "PARKED", 1).containsKey(m.path("state").asText())) return true;
        return false;
    }

    private static JsonNode key(int index) throws Exception {
        for (JsonNode k : admin("/admin/keys")) if (k.path("index").asInt() == index) return k;
        throw new AssertionError("no key " + index);
    }

    private static JsonNode admin(String path) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(gateway.url() + path)).header("Authorization", "Bearer " + ADMIN).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode j = TestGateway.json(r);
        return j.has("keys") ? j.path("keys") : j;
    }

}
