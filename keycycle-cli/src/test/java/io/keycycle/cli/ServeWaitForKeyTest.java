package io.keycycle.cli;

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
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code keycycle serve --wait-for-key}: overrides {@code gateway.wait-for-key} of the file; bad values are usage errors. */
class ServeWaitForKeyTest {

    static final String MODEL = "openai/gpt-oss-20b";
    @TempDir Path dir;

    @Test
    void theOptionOverridesTheFilesWait() throws Exception {
        try (Simulator sim = Simulator.builder()
                .provider(SimProvider.groq().fakeKeys(1).model(MODEL, SimLimits.UNLIMITED.rpm(1)).build()).build().start()) {
            // the file waits 1 s: too short for the key at 1 rpm, which frees up a minute after its call
            Files.writeString(dir.resolve("keycycle.yaml"), """
                    providers:
                      groq:
                        models:
                          openai/gpt-oss-20b: { rpm: 1 }
                    gateway:
                      wait-for-key: 1s
                    """);
            Map<String, String> env = Map.of("NUM_GROQ", "1", "GROQ_API_KEY_1", SimKey.fakeSecret(ProviderKind.GROQ, 1),
                    "GROQ_BASE_URL", sim.baseUrl("groq"), "KEYCYCLE_DB_URL", "none");
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            CommandLine cl = KeycycleCli.commandLine(new CliEnvironment(env, dir, Clock.systemUTC()));
            cl.setOut(new PrintWriter(out, true));
            cl.setErr(new PrintWriter(err, true));
            Thread serve = new Thread(() -> cl.execute("serve", "--port", "0", "--config", "keycycle.yaml", "--wait-for-key", "90s"),
                    "serve-under-test");
            serve.start();
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            try {
                int port = ServeHelpers.awaitPort(out, err);
                assertThat(http.send(ServeHelpers.chat(port, "groq/" + MODEL, null), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
                CompletableFuture<HttpResponse<String>> waiting = http.sendAsync(ServeHelpers.chat(port, "groq/" + MODEL, null), HttpResponse.BodyHandlers.ofString());
                Thread.sleep(2_500);
                assertThat(waiting).as("--wait-for-key 90s, not the file's 1s: the request still waits for the key").isNotDone();
                HttpResponse<String> failFast = http.send(ServeHelpers.chat(port, "groq/" + MODEL, "0"), HttpResponse.BodyHandlers.ofString());
                assertThat(failFast.statusCode()).as(failFast.body()).isEqualTo(429);
                assertThat(failFast.headers().firstValue("retry-after")).isPresent();
                waiting.cancel(true);
                assertThat(sim.stats().total429()).isZero();
            } finally {
                serve.interrupt();
                serve.join(15_000);
            }
        }
    }

    @Test
    void aBadWaitIsAUsageErrorNamingTheOption() {
        for (String bad : new String[]{"soon", "-5s"}) {
            Cli.Result r = Cli.at(dir, Map.of()).run("serve", "--wait-for-key", bad);
            assertThat(r.code()).as(r.toString()).isEqualTo(2);
            assertThat(r.err()).contains("--wait-for-key", bad);
        }
    }
}
