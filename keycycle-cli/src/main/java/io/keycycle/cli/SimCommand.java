package io.keycycle.cli;

import io.keycycle.sim.ProviderControl;
import io.keycycle.sim.ProviderKind;
import io.keycycle.sim.SimKey;
import io.keycycle.sim.SimProvider;
import io.keycycle.sim.Simulator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code keycycle sim}: the provider simulator on its own, so a program or test suite in any
 * language can be pointed at it. Prints each provider's base URL and the environment lines that
 * point Keycycle (or any OpenAI client) at it, then serves until Ctrl-C or {@code --duration}.
 *
 * <p>Its {@code --config} is a simulator file ({@code sim.yaml}), not {@code keycycle.yaml}, so the
 * command does not take the shared options.
 */
@Command(name = "sim", mixinStandardHelpOptions = true,
        description = {
                "Run the provider simulator (Cerebras, Groq, Gemini, OpenRouter) on its own until Ctrl-C.",
                "",
                "Each provider answers under a path that mirrors its real base URL, with its own bodies, headers, "
                        + "limits and errors. Prints the base URLs and the environment lines that point keycycle, "
                        + "or any OpenAI client, at it. Without --config: every provider with its current "
                        + "free-tier line-up and --keys fake keys each, one organisation/project per key."},
        footerHeading = "%nExamples:%n",
        footer = {
                "  keycycle sim                      :9001, 3 fake keys per provider",
                "  keycycle sim --port 0 --keys 5 --latency 80ms",
                "  keycycle sim --config sim.yaml    providers, keys, limits, faults",
                "  keycycle sim --any-key            any bearer secret is a key",
                "  keycycle sim --duration 10m       stop by itself, print the counts"})
final class SimCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @ParentCommand
    KeycycleCli root;

    @Option(names = {"-p", "--port"}, paramLabel = "PORT", defaultValue = "9001",
            description = "Port to listen on (default ${DEFAULT-VALUE}; 0 picks a free port).")
    int port;

    @Option(names = "--host", paramLabel = "HOST", defaultValue = "127.0.0.1",
            description = "Address to bind (default ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--config", paramLabel = "FILE",
            description = "A simulator file (sim.yaml: providers, keys, limits, gone models, faults); "
                    + "see keycycle-sim/README.md. Flags given here override its top-level settings.")
    Path config;

    @Option(names = "--latency", paramLabel = "DURATION", defaultValue = "0",
            description = "Added before every successful answer, e.g. 50ms (default none).")
    String latency;

    @Option(names = "--chunk-interval", paramLabel = "DURATION", defaultValue = "0",
            description = "Pause between stream frames, e.g. 20ms (default none).")
    String chunkInterval;

    @Option(names = "--keys", paramLabel = "N", defaultValue = "3",
            description = "Fake keys per provider without --config (default ${DEFAULT-VALUE}).")
    int keys;

    @Option(names = "--any-key", description = "Accept any bearer secret, each as its own scope.")
    boolean anyKey;

    @Option(names = "--table", paramLabel = "current|mid-2026", defaultValue = "current",
            description = "Model line-up without --config: 'current' (retired models answer \"gone\") or "
                    + "'mid-2026' (the older free-tier tables the tests use). Default ${DEFAULT-VALUE}.")
    String table;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "64",
            description = "Server threads; each in-flight request holds one (default ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = {"-d", "--duration"}, paramLabel = "DURATION",
            description = "Stop after this long (e.g. 10m) instead of waiting for Ctrl-C.")
    String duration;

    @Option(names = "--debug", description = "Log at DEBUG and print stack traces of failures.")
    boolean debug;

    @Override
    public Integer call() throws Exception {
        Simulator sim;
        try {
            sim = build().build().start();
        } catch (java.io.UncheckedIOException e) {
            throw new CliFailure(e.getMessage() + (e.getCause() == null ? "" : ": " + e.getCause().getMessage())
                    + " (is another simulator on that port? --port 0 picks a free one)");
        }
        PrintWriter out = spec.commandLine().getOut();
        try {
            printUrls(sim, out);
            out.flush();
            CountDownLatch stopped = new CountDownLatch(1);
            Thread hook = new Thread(() -> {
                sim.close();
                stopped.countDown();
            }, "keycycle-sim-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
            if (duration != null) {
                stopped.await(durationLimit().toMillis(), TimeUnit.MILLISECONDS);
                Runtime.getRuntime().removeShutdownHook(hook);
                sim.close();
                out.println(sim.stats().table());
            } else {
                stopped.await();
            }
            return 0;
        } finally {
            sim.close();
            out.flush();
        }
    }

    private Duration durationLimit() {
        try {
            return Durations.parse(duration);
        } catch (RuntimeException e) {
            throw usage("--duration: " + e.getMessage());
        }
    }

    Simulator.Builder build() {
        if (duration != null) durationLimit();
        if (port < 0 || port > 65_535) throw usage("--port must be within 0..65535, was " + port);
        if (keys < 0) throw usage("--keys must be >= 0, was " + keys);
        if (threads < 1) throw usage("--threads must be >= 1, was " + threads);
        String lineUp = table.trim().toLowerCase(Locale.ROOT);
        if (!lineUp.equals("current") && !lineUp.equals("mid-2026")) {
            throw usage("--table must be current or mid-2026, was '" + table + "'");
        }
        Simulator.Builder b = Simulator.builder();
        try {
            if (config != null) {
                Path file = root.environment().workDir().resolve(config);
                if (!Files.isRegularFile(file)) throw usage("--config " + config + ": no such file (" + file + ")");
                b.configFile(file);
            } else {
                for (ProviderKind k : ProviderKind.values()) {
                    SimProvider.Builder p = SimProvider.builder(k).fakeKeys(keys).acceptAnyKey(anyKey);
                    if (lineUp.equals("current")) p.currentModels();
                    else p.freeTierModels();
                    b.provider(p.build());
                }
            }
            // without --config the flags' defaults apply; with it, only the flags given override the file
            if (config == null || given("--port")) b.port(port);
            if (config == null || given("--host")) b.host(host);
            if (config == null || given("--threads")) b.threads(threads);
            if (config == null || given("--latency")) b.latency(duration(latency, "--latency"));
            if (config == null || given("--chunk-interval")) b.chunkInterval(duration(chunkInterval, "--chunk-interval"));
        } catch (IllegalArgumentException e) {
            throw new CliFailure("simulator configuration: " + e.getMessage());
        }
        return b;
    }

    /**
     * The base URLs and the lines that point Keycycle (and any OpenAI client) at them. Fake keys
     * are printed in full (they are the simulator's own); a key from a file only by its last four.
     */
    static void printUrls(Simulator sim, PrintWriter out) {
        out.println("keycycle-sim listening on " + sim.rootUrl());
        for (ProviderKind k : sim.providers()) {
            out.printf("  %-11s %s%n", k.id(), sim.baseUrl(k));
        }
        out.println();
        out.println("Point keycycle at it (export these, or put them in .env):");
        String firstKey = null;
        ProviderKind firstKind = null;
        for (ProviderKind k : sim.providers()) {
            ProviderControl p = sim.provider(k);
            String env = k.id().toUpperCase(Locale.ROOT);
            out.println("  " + env + "_BASE_URL=" + sim.baseUrl(k));
            int n = p.config().keys().size();
            if (n == 0 && p.config().acceptAnyKey()) {
                out.println("  NUM_" + env + "=1");
                out.println("  " + env + "_API_KEY_1=" + SimKey.fakeSecret(k, 1) + "   # any secret works (--any-key)");
                if (firstKey == null) { firstKey = SimKey.fakeSecret(k, 1); firstKind = k; }
                continue;
            }
            out.println("  NUM_" + env + "=" + n);
            for (int i = 0; i < n; i++) {
                SimKey key = p.config().keys().get(i);
                boolean fake = key.secret().equals(SimKey.fakeSecret(k, i + 1));
                out.println("  " + env + "_API_KEY_" + (i + 1) + "=" + (fake ? key.secret()
                        : "<the secret ending " + key.mask() + " in your sim.yaml>"));
                out.println("  " + env + "_SCOPE_" + (i + 1) + "=" + key.scope());
                if (firstKey == null && fake) { firstKey = key.secret(); firstKind = k; }
            }
        }
        if (firstKey != null) {
            out.println();
            out.println("Any OpenAI client (one provider at a time):");
            out.println("  OPENAI_BASE_URL=" + sim.baseUrl(firstKind));
            out.println("  OPENAI_API_KEY=" + firstKey);
        }
        out.println();
        out.println("Ctrl-C to stop.");
    }

    private boolean given(String option) {
        return spec.commandLine().getParseResult() != null && spec.commandLine().getParseResult().hasMatchedOption(option);
    }

    private Duration duration(String value, String option) {
        String v = value.trim();
        if (v.equals("0") || v.matches("0+\\s*(ms|s|m|h)")) return Duration.ZERO;
        try {
            return Durations.parse(v);
        } catch (RuntimeException e) {
            throw usage(option + ": " + e.getMessage());
        }
    }

    private ParameterException usage(String message) {
        return new ParameterException(spec.commandLine(), message);
    }
}
