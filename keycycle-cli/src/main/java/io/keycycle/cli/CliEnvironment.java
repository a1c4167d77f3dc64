package io.keycycle.cli;

import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.Objects;

/**
 * What a command may read from the process: its environment variables, its working directory
 * (where {@code .env}, {@code keycycle.yaml} and the default {@code keycycle.db} are looked for)
 * and the wall clock. Tests pass their own.
 *
 * @param env     environment variables (keys, {@code KEYCYCLE_DB_URL}, {@code <P>_BASE_URL}, …)
 * @param workDir the directory relative defaults are resolved against
 * @param clock   "now" for reports, status and pruning
 */
public record CliEnvironment(Map<String, String> env, Path workDir, Clock clock) {

    public CliEnvironment {
        env = Map.copyOf(Objects.requireNonNull(env, "env"));
        workDir = Objects.requireNonNull(workDir, "workDir").toAbsolutePath().normalize();
        Objects.requireNonNull(clock, "clock");
    }

    /** The real process: {@code System.getenv()}, the current directory, the UTC system clock. */
    public static CliEnvironment system() {
        return new CliEnvironment(System.getenv(), Path.of(""), Clock.systemUTC());
    }

    /** A variable, or null when unset or blank. */
    public String get(String name) {
        String v = env.get(name);
        return v == null || v.isBlank() ? null : v.trim();
    }
}
