package io.keycycle.cli;

import io.keycycle.sim.FaultKind;
import io.keycycle.sim.ProviderKind;
import io.keycycle.sim.SimKey;
import io.keycycle.sim.SimLimits;
import io.keycycle.sim.SimProvider;
import io.keycycle.sim.Simulator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code keycycle serve --request-timeout} and {@code --timeout} override {@code calls:} of the file:
 * a provider that hangs is cut after the request timeout and the request rotates to another key;
 * {@code --shutdown-grace 0} is accepted.
 */
class ServeTimeoutsTest {

    static final String MODEL = "openai/gpt-oss-20b";
    @TempDir Path dir;

    @Test
    void theRequestTimeoutOptionBeatsTheFileAndAHungKeyIsRotatedAway() throws Exception {
        try (Simulator sim = Simulator.builder()
                .provider(SimProvider.groq().fakeKeys(2).model(MODEL, SimLimits.UNLIMITED).build()).build().start()) {
            Files.writeString(dir.resolve("keycycle.yaml"), """
                    providers:
                      groq:
                        models:
                          openai/gpt-oss-20b: { rpm: 100 }
                    calls:
                      request-timeout: 60s
                    """);
            Map<String, String> env = Map.of("NUM_GROQ", "2", "GROQ_API_KEY_1", SimKey.fakeSecret(ProviderKind.GROQ, 1),
                    "GROQ_API_KEY_2", SimKey.fakeSecret(ProviderKind.GROQ, 2),
                    "GROQ_BASE_URL", sim.baseUrl("groq"), "KEYCYCLE_DB_URL", "none");
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            CommandLine cl = KeycycleCli.commandLine(new CliEnvironment(env, dir, Clock.systemUTC()));
            cl.setOut(new PrintWriter(out, true));
            cl.setErr(new PrintWriter(err, true));
            Thread serve = new Thread(() -> cl.execute("serve", "--port", "0", "--config", "keycycle.yaml",
                    "--request-timeout", "1s", "--timeout", "30s", "--shutdown-grace", "0"), "serve-under-test");
            serve.start();
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            try {
                int port = ServeHelpers.awaitPort(out, err);
                sim.provider("groq").failNext(1, FaultKind.SLOW(Duration.ofSeconds(60)));
                long t0 = System.nanoTime();
                HttpResponse<String> r = http.send(ServeHelpers.chat(port, "groq/" + MODEL, null), HttpResponse.BodyHandlers.ofString());
                long millis = (System.nanoTime() - t0) / 1_000_000;
                assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                assertThat(millis).as("--request-timeout 1s, not the file's 60 s").isBetween(900L, 20_000L);
                assertThat(r.headers().firstValue("x-keycycle-attempts")).hasValue("2");
            } finally {
                serve.interrupt();
                serve.join(15_000);
            }
        }
    }

    @Test
    void badDurationsAreUsageErrorsNamingTheOption() {
        for (String[] bad : new String[][]{{"--shutdown-grace", "soon"}, {"--shutdown-grace", "-1s"},
                {"--request-timeout", "0"}, {"--request-timeout", "soon"}, {"--timeout", "-3s"}}) {
            Cli.Result r = Cli.at(dir, Map.of()).run("serve", bad[0], bad[1]);
            assertThat(r.code()).as(r.toString()).isEqualTo(2);
            assertThat(r.err()).as(r.toString()).contains(bad[0]);
        }
    }
}
