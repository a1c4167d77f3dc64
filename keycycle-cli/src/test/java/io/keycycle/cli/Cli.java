package io.keycycle.cli;

import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;

/** Runs the command line in-process with captured output, in a given directory and environment. */
final class Cli {

    /** What a run left behind. */
    record Result(int code, String out, String err) {
        String all() { return out + err; }

        @Override public String toString() { return "exit " + code + "\n--- out\n" + out + "--- err\n" + err; }
    }

    private final Map<String, String> env;
    private final Path dir;
    private final Clock clock;

    Cli(Map<String, String> env, Path dir, Clock clock) {
        this.env = env;
        this.dir = dir;
        this.clock = clock;
    }

    static Cli at(Path dir, Map<String, String> env) { return new Cli(env, dir, Clock.systemUTC()); }

    static Cli at(Path dir, Map<String, String> env, Instant now) { return new Cli(env, dir, Clock.fixed(now, ZoneOffset.UTC)); }

    Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = KeycycleCli.commandLine(new CliEnvironment(env, dir, clock));
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Result(code, out.toString(), err.toString());
    }
}
