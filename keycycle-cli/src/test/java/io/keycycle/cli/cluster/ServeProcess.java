package io.keycycle.cli.cluster;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A separate JVM running a main class of this module's class path: {@code keycycle serve} (a
 * gateway) or {@link LibraryClient} (an application using the library). Its output is kept for
 * the failure message; {@link #kill()} is {@code kill -9}.
 */
final class ServeProcess implements AutoCloseable {

    private static final Pattern LISTENING = Pattern.compile("listening on (http://\\S+)/v1");
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final Process process;
    private final List<String> output = new CopyOnWriteArrayList<>();
    private final CompletableFuture<String> url = new CompletableFuture<>();
    final String name;

    private ServeProcess(String name, Process process) {
        this.name = name;
        this.process = process;
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    output.add(line);
                    Matcher m = LISTENING.matcher(line);
                    if (m.find()) url.complete(m.group(1));
                }
            } catch (IOException ignored) {
                // the process died
            } finally {
                url.completeExceptionally(new IllegalStateException(name + " ended before listening:\n" + String.join("\n", output)));
            }
        }, name + "-output");
        reader.setDaemon(true);
        reader.start();
    }

    /** {@code keycycle serve --port 0} with this environment, in its own JVM; waits until it listens. */
    static ServeProcess serve(String name, Map<String, String> env, Path workDir, String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("serve", "--port", "0", "--db", "none"));
        args.addAll(List.of(extra));
        ServeProcess p = start(name, "io.keycycle.cli.Main", env, workDir, args);
        p.url.get(90, TimeUnit.SECONDS);
        return p;
    }

    static ServeProcess start(String name, String mainClass, Map<String, String> env, Path workDir, List<String> args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), mainClass));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(workDir.toFile()).redirectErrorStream(true);
        pb.environment().clear();
        pb.environment().put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
        pb.environment().putAll(env);
        return new ServeProcess(name, pb.start());
    }

    String url() { return url.join(); }

    List<String> output() { return output; }

    int waitFor(long seconds) throws InterruptedException {
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) throw new IllegalStateException(name + " still runs after " + seconds + " s:\n" + String.join("\n", output));
        return process.exitValue();
    }

    /** POST /v1/chat/completions without waiting. */
    CompletableFuture<HttpResponse<String>> chat(String body) {
        HttpRequest r = HttpRequest.newBuilder(URI.create(url() + "/v1/chat/completions")).timeout(Duration.ofSeconds(60))
                .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
        return HTTP.sendAsync(r, HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url() + path)).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** {@code kill -9}: no shutdown hook, no goodbye to the fleet. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    long pid() { return process.pid(); }

    /** Writes one line to the process's standard input. */
    void send(String line) throws IOException {
        process.getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
        process.getOutputStream().flush();
    }

    /** Waits for an output line starting with {@code prefix} and returns it. */
    String awaitLine(String prefix, long seconds) throws InterruptedException {
        long deadline = System.currentTimeMillis() + seconds * 1000;
        while (System.currentTimeMillis() < deadline) {
            for (String l : output) if (l.startsWith(prefix)) return l;
            if (!process.isAlive()) break;
            Thread.sleep(20);
        }
        for (String l : output) if (l.startsWith(prefix)) return l;
        throw new IllegalStateException(name + ": no line starting with '" + prefix + "':\n" + String.join("\n", output));
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) kill();
        }
    }
}
