package io.keycycle.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Gateway tokens from places other than the command line, where every user of the machine can read
 * them ({@code ps}): a file with one token per line, or an environment variable.
 */
final class TokenSources {

    private TokenSources() { }

    /**
     * The tokens in {@code file} (relative to {@code workDir}): one per line, blank lines and lines
     * starting with {@code #} ignored. Empty for no file.
     */
    static List<String> read(Path file, Path workDir, String option, Function<String, RuntimeException> usage) {
        if (file == null) return List.of();
        Path resolved = workDir.resolve(file);
        List<String> lines;
        try {
            lines = Files.readAllLines(resolved, StandardCharsets.UTF_8);
        } catch (java.nio.file.NoSuchFileException e) {
            throw usage.apply(option + " " + file + ": no such file (" + resolved + ")");
        } catch (IOException | java.io.UncheckedIOException e) {
            throw usage.apply(option + " " + file + ": cannot read it (" + e.getClass().getSimpleName() + ")");
        }
        List<String> out = new ArrayList<>();
        for (String l : lines) {
            String t = l.strip();
            if (!t.isEmpty() && !t.startsWith("#")) out.add(t);
        }
        if (out.isEmpty()) throw usage.apply(option + " " + file + ": the file holds no token");
        return out;
    }

    /** The variable's value, if set and not blank. */
    static Optional<String> fromEnv(Map<String, String> env, String name) {
        String v = env.get(name);
        return v == null || v.isBlank() ? Optional.empty() : Optional.of(v.strip());
    }
}
