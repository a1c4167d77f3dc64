package io.keycycle.cli;

import io.keycycle.sim.ProviderKind;
import io.keycycle.sim.SimKey;
import io.keycycle.sim.SimProvider;
import io.keycycle.sim.Simulator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code keycycle serve} takes its tokens from a file or the environment, so they stay out of the process list. */
class ServeCommandTest {

    static final String CLIENT = "client-token-from-file-01";
    static final String ADMIN = "admin-token-from-env-0001";
    static Simulator sim;
    @TempDir Path dir;

    @BeforeAll
    static void startSimulator() { sim = Simulator.builder().provider(SimProvider.freeTier(ProviderKind.GROQ, 1)).build().start(); }

    @AfterAll
    static void stopSimulator() { sim.close(); }

    @Test
    void aPortInUseIsOneLineNamingThePortAndTheOption() throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            Cli.Result r = Cli.at(dir, Map.of("NUM_GROQ", "1", "GROQ_API_KEY_1", SimKey.fakeSecret(ProviderKind.GROQ, 1),
                    "GROQ_BASE_URL", sim.baseUrl("groq"), "KEYCYCLE_DB_URL", "none"))
                    .run("serve", "--port", String.valueOf(taken.getLocalPort()));

            assertThat(r.code()).as(r.toString()).isEqualTo(1);
            assertThat(r.err()).as(r.toString()).contains("error: ", "127.0.0.1:" + taken.getLocalPort(), "in use", "--port")
                    .doesNotContain("IllegalStateException", "--debug for the stack trace");
        }
    }

    @Test
    void tokensFromAFileAndTheEnvironmentGuardTheGateway() throws Exception {
        Files.writeString(dir.resolve("tokens.txt"), "# client tokens\n\n" + CLIENT + "\n");
        Map<String, String> env = new HashMap<>(Map.of("NUM_GROQ", "1", "GROQ_API_KEY_1", SimKey.fakeSecret(ProviderKind.GROQ, 1),
                "GROQ_BASE_URL", sim.baseUrl("groq"), "KEYCYCLE_DB_URL", "none",
                "KEYCYCLE_GATEWAY_ADMIN_TOKEN", ADMIN, "KEYCYCLE_GATEWAY_TOKEN", "second-client-token-02"));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = KeycycleCli.commandLine(new CliEnvironment(env, dir, Clock.systemUTC()));
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        Thread serve = new Thread(() -> cl.execute("serve", "--port", "0", "--token-file", "tokens.txt"), "serve-under-test");
        serve.start();
        try {
            int port = ServeHelpers.awaitPort(out, err);
            HttpClient http = HttpClient.newHttpClient();
            assertThat(get(http, port, "/v1/models", null)).isEqualTo(401);
            assertThat(get(http, port, "/v1/models", CLIENT)).isEqualTo(200);
            assertThat(get(http, port, "/v1/models", "second-client-token-02")).isEqualTo(200);
            assertThat(get(http, port, "/admin/keys", CLIENT)).isEqualTo(403);
            assertThat(get(http, port, "/admin/keys", ADMIN)).isEqualTo(200);
            assertThat(out + err.toString()).doesNotContain(CLIENT, ADMIN).doesNotContain("--token puts");
        } finally {
            serve.interrupt();
            serve.join(15_000);
        }
    }

    @Test
    void aMissingOrEmptyTokenFileIsAUsageError() throws Exception {
        Cli.Result missing = Cli.at(dir, Map.of()).run("serve", "--token-file", "nope.txt");
        assertThat(missing.code()).isEqualTo(2);
        assertThat(missing.err()).contains("--token-file nope.txt: no such file");
        Files.writeString(dir.resolve("empty.txt"), "# nothing\n\n");
        Cli.Result empty = Cli.at(dir, Map.of()).run("serve", "--token-file", "empty.txt");
        assertThat(empty.code()).isEqualTo(2);
        assertThat(empty.err()).contains("holds no token");
    }

    /**
     * The load and upstream limits reach a gateway started by {@code serve}: from the file's
     * {@code gateway:} section (here {@code max-in-flight: 1}) and from options ({@code --max-streams 1}).
     */
    @Test
    void loadLimitsFromTheFileAndFromOptionsReachTheGateway() throws Exception {
        try (Simulator slow = Simulator.builder().chunkInterval(Duration.ofMillis(300))
                .provider(SimProvider.freeTier(ProviderKind.GROQ, 1)).build().start()) {
            Files.writeString(dir.resolve("keycycle.yaml"), """
                    gateway:
                      max-in-flight: 1
                      stream-idle-timeout: 90s
                      max-upstream-body-bytes: 16MiB
                    """);
            Map<String, String> env = Map.of("NUM_GROQ", "1", "GROQ_API_KEY_1", SimKey.fakeSecret(ProviderKind.GROQ, 1),
                    "GROQ_BASE_URL", slow.baseUrl("groq"), "KEYCYCLE_DB_URL", "none");
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            CommandLine cl = KeycycleCli.commandLine(new CliEnvironment(env, dir, Clock.systemUTC()));
            cl.setOut(new PrintWriter(out, true));
            cl.setErr(new PrintWriter(err, true));
            Thread serve = new Thread(() -> cl.execute("serve", "--port", "0", "--config", "keycycle.yaml", "--max-streams", "1",
                    "--stream-deadline", "5m", "--max-sse-line-bytes", "1MiB", "--shutdown-grace", "1s"), "serve-under-test");
            serve.start();
            try {
                int port = ServeHelpers.awaitPort(out, err);
                HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
                // a stream in progress (one chunk every 300 ms): a second one is over --max-streams 1
                var first = http.sendAsync(chat(port, true), HttpResponse.BodyHandlers.ofString());
                Thread.sleep(600);
                HttpResponse<String> second = http.send(chat(port, true), HttpResponse.BodyHandlers.ofString());
                assertThat(second.statusCode()).as(second.body()).isEqualTo(503);
                assertThat(second.headers().firstValue("retry-after")).hasValue("1");
                assertThat(second.body()).contains("keycycle_overloaded", "1 streams at once");
                assertThat(first.get(30, java.util.concurrent.TimeUnit.SECONDS).statusCode()).isEqualTo(200);
                // a slow plain call in flight: a second one is over max-in-flight: 1 of the file
                slow.provider("groq").failNext(1, io.keycycle.sim.FaultKind.SLOW(Duration.ofMillis(2_000)));
                var slowOne = http.sendAsync(chat(port, false), HttpResponse.BodyHandlers.ofString());
                Thread.sleep(600);
                HttpResponse<String> over = http.send(chat(port, false), HttpResponse.BodyHandlers.ofString());
                assertThat(over.statusCode()).as(over.body()).isEqualTo(503);
                assertThat(over.body()).contains("keycycle_overloaded", "1 requests in flight");
                assertThat(slowOne.get(30, java.util.concurrent.TimeUnit.SECONDS).statusCode()).isEqualTo(200);
            } finally {
                serve.interrupt();
                serve.join(15_000);
            }
        }
    }

    @Test
    void badLimitOptionsAreUsageErrors() {
        Cli.Result line = Cli.at(dir, Map.of()).run("serve", "--max-sse-line-bytes", "12");
        assertThat(line.code()).isEqualTo(2);
        assertThat(line.err()).contains("--max-sse-line-bytes must be within 1024..");
        Cli.Result size = Cli.at(dir, Map.of()).run("serve", "--max-upstream-body-bytes", "lots");
        assertThat(size.code()).isEqualTo(2);
        assertThat(size.err()).contains("'lots' is not a size");
        Cli.Result streams = Cli.at(dir, Map.of()).run("serve", "--max-streams", "0");
        assertThat(streams.code()).isEqualTo(2);
        assertThat(streams.err()).contains("--max-streams must be >= 1, was 0");
        Cli.Result grace = Cli.at(dir, Map.of()).run("serve", "--shutdown-grace", "soon");
        assertThat(grace.code()).isEqualTo(2);
        assertThat(grace.err()).contains("--shutdown-grace", "soon");
    }

    private static HttpRequest chat(int port, boolean stream) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions")).timeout(Duration.ofSeconds(30))
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"groq\",\"stream\":" + stream
                        + ",\"messages\":[{\"role\":\"user\",\"content\":\"Tell me a long story\"}]}")).build();
    }

    private static int get(HttpClient http, int port, String path, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10));
        if (token != null) b.header("Authorization", "Bearer " + token);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString()).statusCode();
    }

}
