package io.keycycle.store;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** A test's child process: a main class of the test class path in a JVM of its own, its stderr in {@code log}. */
final class ChildJvm {

    private ChildJvm() { }

    static Process start(Path log, String maxHeap, Class<?> main, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + maxHeap, "-cp", System.getProperty("java.class.path"), main.getName()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectError(log.toFile()).start();
    }

    /** Waits up to a minute for the child's first stdout line starting with {@code prefix}, and asserts it is {@code expected}. */
    static void awaitLine(Process child, Path log, String prefix, String expected) throws Exception {
        CompletableFuture<String> line = CompletableFuture.supplyAsync(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                for (String l; (l = r.readLine()) != null; ) if (l.startsWith(prefix)) return l;
                return "ended";
            } catch (IOException gone) {
                return "killed";
            }
        });
        assertThat(line.get(60, TimeUnit.SECONDS)).as("the child's stderr:\n%s", Files.exists(log) ? Files.readString(log) : "")
                .isEqualTo(expected);
    }
}
