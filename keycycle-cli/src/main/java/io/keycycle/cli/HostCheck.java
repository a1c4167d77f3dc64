package io.keycycle.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What the machine does to a latency-sensitive JVM that an operator would want to hear about when the
 * gateway starts, the way Redis warns about transparent huge pages. Today one thing: the kernel's
 * DAMON monitor sampling physical memory, which stalls every JVM on the machine at each sample (on
 * the benchmark host it more than doubled the gateway's p99; docs/gateway.md, "The host"). Reads
 * sysfs only; a machine without it, or one that does not let us read it, gives no warning.
 */
final class HostCheck {

    /** Where the kernel lists its DAMON monitors (kdamonds). */
    static final Path DAMON_KDAMONDS = Path.of("/sys/kernel/mm/damon/admin/kdamonds");

    private HostCheck() {}

    /**
     * One warning per running kdamond that monitors physical memory (operations {@code paddr}),
     * in the order of their numbers; empty when there is none or the directory cannot be read.
     */
    static List<String> damonWarnings(Path kdamonds) {
        List<Path> monitors = new ArrayList<>();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(kdamonds, p -> p.getFileName().toString().matches("\\d{1,6}"))) {
            dirs.forEach(monitors::add);
        } catch (IOException | SecurityException e) {
            return List.of();
        }
        monitors.sort((a, b) -> Integer.compare(number(a), number(b)));
        List<String> warnings = new ArrayList<>();
        for (Path d : monitors) {
            if (!"on".equals(read(d.resolve("state")))) continue;
            Path context = d.resolve("contexts").resolve("0");
            if (!"paddr".equals(read(context.resolve("operations")))) continue;
            String every = sampleEvery(read(context.resolve("monitoring_attrs/intervals/sample_us")));
            String stateFile = d.resolve("state").toString();
            warnings.add("the kernel's DAMON monitor is on (kdamond " + d.getFileName() + ", physical memory"
                    + (every.isEmpty() ? "" : ", a sample every " + every) + "). It stalls every JVM on this machine at its "
                    + "samples; on a benchmark host it more than doubled the gateway's p99 latency. If this machine serves "
                    + "latency-sensitive traffic, switch it off as root: echo off > " + stateFile
                    + " (docs/gateway.md, \"The host\").");
        }
        return List.copyOf(warnings);
    }

    private static int number(Path dir) {
        return Integer.parseInt(dir.getFileName().toString());
    }

    private static String sampleEvery(String micros) {
        if (micros == null || !micros.matches("\\d{1,12}")) return "";
        long us = Long.parseLong(micros);
        if (us <= 0) return "";
        return us % 1000 == 0 ? (us / 1000) + " ms" : us + " µs";
    }

    /** The trimmed first line of a small sysfs file, or null when it cannot be read. */
    private static String read(Path file) {
        try {
            String s = Files.readString(file, StandardCharsets.US_ASCII);
            int nl = s.indexOf('\n');
            return (nl < 0 ? s : s.substring(0, nl)).trim();
        } catch (IOException | SecurityException e) {
            return null;
        }
    }
}
