package io.keycycle.cli;

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
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

class SimCommandTest {

    @TempDir
    Path dir;

    /** Runs {@code keycycle sim …} in the background; the output is readable while it runs. */
    private record Running(CompletableFuture<Integer> exit, StringWriter out) {
        String text() {
            synchronized (out) { return out.toString(); }
        }

        String env(String name) {
            Matcher m = Pattern.compile("(?m)^  " + Pattern.quote(name) + "=(\\S+)").matcher(text());
            assertThat(m.find()).as("%s in output:%n%s", name, text()).isTrue();
            return m.group(1);
        }
    }

    private Running start(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = KeycycleCli.commandLine(new CliEnvironment(Map.of(), dir, Clock.systemUTC()));
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        Running r = new Running(CompletableFuture.supplyAsync(() -> cl.execute(args)), out);
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!r.text().contains("Ctrl-C to stop.") && !r.exit().isDone() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return r;
    }

    private static HttpResponse<String> get(String url, String key) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + key)
                .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> chat(String base, String key, String model) throws Exception {
        String body = "{\"model\":\"" + model + "\",\"max_completion_tokens\":50,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base + "/chat/completions"))
                .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(10)).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void printsBaseUrlsAndEnvLinesThatReallyReachTheProviders() throws Exception {
        Running r = start("sim", "--port", "0", "--keys", "2", "--duration", "4s");
        String groq = r.env("GROQ_BASE_URL");
        assertThat(groq).matches("http://127\\.0\\.0\\.1:\\d+/groq/openai/v1");
        assertThat(r.env("NUM_GROQ")).isEqualTo("2");
        assertThat(r.env("GROQ_SCOPE_2")).isEqualTo("scope-2");
        String key = r.env("GROQ_API_KEY_2");
        assertThat(get(groq + "/models", key).body()).contains("openai/gpt-oss-120b").doesNotContain("llama-3.3-70b-versatile");
        assertThat(chat(groq, key, "openai/gpt-oss-120b").statusCode()).isEqualTo(200);
        assertThat(chat(r.env("OPENAI_BASE_URL"), r.env("OPENAI_API_KEY"), "gpt-oss-120b").statusCode()).isEqualTo(200);
        assertThat(get(groq + "/models", "gsk_not_a_key").statusCode()).isEqualTo(401);
        assertThat(r.exit().get()).isEqualTo(0);
        assertThat(r.text()).contains("groq");   // the answer counts printed at the end
    }

    @Test
    void readsASimulatorFileAndHidesKeysThatAreNotTheSimulatorsOwn() throws Exception {
        Files.writeString(dir.resolve("sim.yaml"), """
                latency: 1ms
                providers:
                  openrouter:
                    current-models: true
                    keys:
                      - { secret: sk-or-v1-mine-000000000000000000007, scope: acct, state: key-limit }
                """);
        Running r = start("sim", "--port", "0", "--config", "sim.yaml", "--duration", "2s");
        assertThat(r.text()).contains("OPENROUTER_API_KEY_1=<the secret ending …0007 in your sim.yaml>")
                .doesNotContain("sk-or-v1-mine-000000000000000000007").doesNotContain("GROQ_BASE_URL");
        String base = r.env("OPENROUTER_BASE_URL");
        HttpResponse<String> limited = chat(base, "sk-or-v1-mine-000000000000000000007", "meta-llama/llama-3.3-70b-instruct:free");
        assertThat(limited.statusCode()).isEqualTo(402);
        assertThat(r.exit().get()).isEqualTo(0);
    }

    @Test
    void badArgumentsAreUsageErrors() {
        Cli cli = Cli.at(dir, Map.of());
        Cli.Result table = cli.run("sim", "--table", "2024", "--port", "0");
        assertThat(table.code()).as(table.toString()).isEqualTo(2);
        assertThat(table.err()).contains("--table must be current or mid-2026");
        Cli.Result missing = cli.run("sim", "--config", "nope.yaml", "--port", "0");
        assertThat(missing.code()).isEqualTo(2);
        assertThat(missing.err()).contains("no such file");
        Cli.Result badFile = cli.run("sim", "--config", write("providers: { groq: { bogus: 1 } }"), "--port", "0");
        assertThat(badFile.code()).isEqualTo(1);
        assertThat(badFile.err()).contains("unknown key 'bogus' for provider groq");
    }

    private String write(String yaml) {
        try {
            Files.writeString(dir.resolve("bad.yaml"), yaml);
            return "bad.yaml";
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
