package io.keycycle.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Ctrl-C (here SIGTERM, which runs the same shutdown hooks) during the demo's story: the demo
 * stops its traffic, prints the summary with the books and closes the database before the JVM
 * exits, rather than being cut off by the exit.
 */
class DemoInterruptTest {

    @TempDir Path dir;

    @Test
    void ctrlCDuringTheStoryPrintsTheSummaryBeforeExiting() throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), "io.keycycle.cli.Main",
                "demo", "--port", "0", "--duration", "120"));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().clear();
        pb.environment().put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
        Process p = pb.start();
        List<String> output = new CopyOnWriteArrayList<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) output.add(line);
            } catch (IOException ignored) {
                // the process ended
            }
        }, "demo-output");
        reader.setDaemon(true);
        reader.start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (output.stream().noneMatch(l -> l.startsWith("[  4s] sent")) && System.nanoTime() < deadline && p.isAlive()) {
                Thread.sleep(50);
            }
            assertThat(output).as("the demo runs").anyMatch(l -> l.startsWith("[  4s] sent"));

            // SIGTERM, which runs the shutdown hooks as Ctrl-C does (Process.destroy() would also close our end of its output)
            assertThat(p.toHandle().destroy()).isTrue();
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("the demo exits").isTrue();
            reader.join(5_000);

            String all = "exit " + p.exitValue() + "\n" + String.join("\n", output);
            assertThat(all).as(all).contains("Summary after").contains("Books: ✓");
        } finally {
            p.destroyForcibly();
        }
    }
}
