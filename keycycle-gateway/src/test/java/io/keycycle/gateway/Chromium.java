package io.keycycle.gateway;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.fail;

/** Runs headless Chromium once (dump the DOM or take a screenshot), as {@link DashboardBrowserTest} does. */
final class Chromium {

    private Chromium() { }

    static String run(Path workDir, int virtualTimeMillis, List<String> extra) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(DashboardBrowserTest.chromium(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--no-first-run", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--user-data-dir=" + workDir.resolve("p" + System.nanoTime()),
                "--virtual-time-budget=" + virtualTimeMillis));
        cmd.addAll(extra);
        Path out = workDir.resolve("out-" + System.nanoTime() + ".txt");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(90, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("Chromium did not finish within 90 s: " + cmd);
        }
        return Files.readString(out, StandardCharsets.UTF_8);
    }
}
