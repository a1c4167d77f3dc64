package io.keycycle.cli;

import io.keycycle.Keycycle;
import io.keycycle.core.config.KeycycleConfig;
import io.keycycle.gateway.KeycycleGateway;
import io.keycycle.sim.ProviderKind;
import io.keycycle.store.KeycycleStore;
import io.keycycle.store.StoreConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.net.BindException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code keycycle demo}: the whole product on one machine without a single real key. A simulator
 * plays Cerebras, Groq, Gemini and OpenRouter; the gateway serves OpenAI-style clients over an
 * embedded database; a scripted minute of traffic meets a dead key, a burst, a 429 storm, an
 * exhausted account and a daily quota; then a summary shows what happened and that the books
 * balance.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {
                "Run a simulated multi-provider set-up with live traffic and show what Keycycle does.",
                "",
                "Starts a provider simulator (Cerebras, Groq, Gemini, OpenRouter; 18 fake keys in 9 scopes), the "
                        + "gateway with its dashboard and an embedded SQLite database, and drives OpenAI-style "
                        + "clients through it: steady load, a burst, a revoked key, a 429 storm (a provider stricter "
                        + "than configured), accounts out of credit (tier fallback) and a daily quota running out "
                        + "sooner than the configuration believes. "
                        + "Prints live progress and a summary. Without --duration the story runs 90 s, then the "
                        + "dashboard stays up (with light traffic) until Ctrl-C.",
                "",
                "The database is ./keycycle-demo.db, recreated each run ($KEYCYCLE_DB_URL is not read), unless "
                        + "--db names a new or empty one. The demo brings its own fake keys and configuration: "
                        + "--config and --env-file are refused."},
        footerHeading = "%nExamples:%n",
        footer = {
                "  keycycle demo                       story, summary, dashboard until Ctrl-C",
                "  keycycle demo --duration 60         a one-minute run that exits 0 when the books balance",
                "  keycycle demo --port 0              any free port",
                "  keycycle demo --db demo.db          keep the database (a new file; then: keycycle status --db demo.db)"})
final class DemoCommand extends KeycycleCommand {

    @Option(names = {"-d", "--duration"}, paramLabel = "DURATION",
            description = "Length of the run (e.g. 60, 60s, 2m), then exit. Default: a 90 s story, then serve until Ctrl-C.")
    String duration;

    @Option(names = {"-p", "--port"}, paramLabel = "PORT", defaultValue = "8787",
            description = "Gateway port (default: ${DEFAULT-VALUE}; a free one if that is taken; 0 = any).")
    int port;

    @Option(names = "--rate", paramLabel = "N", defaultValue = "2",
            description = "Baseline requests per second (bursts double it; default: ${DEFAULT-VALUE}).")
    double rate;

    @Override
    protected boolean quietByDefault() { return true; }

    @Override
    protected int execute() throws Exception {
        Duration story = duration == null ? Duration.ofSeconds(90) : parseDuration(duration);
        if (story.toSeconds() < 20) throw usage("--duration must be at least 20s for the story to unfold, was " + duration);
        if (rate <= 0 || rate > 200) throw usage("--rate must be within (0, 200], was " + rate);
        if (port < 0 || port > 65535) throw usage("--port must be within 0..65535, was " + port);
        if (common.config != null || common.envFile != null) {
            // silently running the simulated world instead of the file someone named would mislead them
            throw usage((common.config != null ? "--config" : "--env-file") + ": the demo brings its own fake keys and "
                    + "configuration and reads neither; `keycycle serve` runs the gateway over yours");
        }

        Path db = common.db == null ? root.environment().workDir().resolve("keycycle-demo.db") : null;
        String dbUrl;
        if (db != null) {
            for (String suffix : new String[]{"", "-wal", "-shm"}) Files.deleteIfExists(Path.of(db + suffix));
            Path journal = Path.of(db + ".journal"); // a previous run's unwritten events belong to the old database
            if (Files.isDirectory(journal)) {
                try (var files = Files.walk(journal)) {
                    for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
                }
            }
            dbUrl = "jdbc:sqlite:" + db;
        } else {
            dbUrl = factory().databaseUrl();
            if (dbUrl == null) throw usage("the demo needs a database; --db none is not possible here");
        }

        KeycycleStore store = KeycycleStore.open(StoreConfig.builder(dbUrl).shutdownHook(false).build());
        String used;
        try {
            used = db == null ? earlierData(store) : null;
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
        if (used != null) {
            String where = store.url().redacted();
            store.close();
            throw usage("--db " + common.db + ": " + where + " already holds " + used + " (an earlier demo run?). The demo "
                    + "starts from an empty database: its engine would restore those states and its books would count "
                    + "that usage. Pass a new file (--db demo-2.db) or leave out --db for ./keycycle-demo.db, recreated each run.");
        }

        out().println("Keycycle demo — no real provider is contacted; keys are fake.");
        out().flush();
        DemoWorld world;
        try {
            world = DemoWorld.start(story);
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
        Keycycle keycycle = null;
        KeycycleGateway gateway = null;
        DemoLoad load = null;
        // Ctrl-C runs the shutdown hooks and then halts the JVM: the hook holds the exit until this
        // thread has stopped the traffic, printed the summary and closed the database
        CountDownLatch finished = new CountDownLatch(1);
        ScheduledExecutorService script = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "demo-script");
            t.setDaemon(true);
            return t;
        });
        try {
            DemoReport report = new DemoReport(out(), world);
            keycycle = Keycycle.builder().env(world.env)
                    .config(KeycycleConfig.parse(world.yaml, world.env, "keycycle demo"))
                    .persistence(store).shutdownHook(false).listener(report::onEvent).build();
            report.keycycle(keycycle);
            gateway = startGateway(keycycle, store);
            out().println("simulator  " + world.sim.rootUrl() + "  (cerebras 6 keys/3 orgs, groq 4 keys, gemini 6 keys/3 projects, openrouter 2 accounts)");
            out().println("gateway    " + gateway.url() + "/v1   — point any OpenAI client here");
            out().println("dashboard  " + gateway.url() + "/");
            out().println("database   " + store.url().redacted());
            out().println("tiers      fast = cerebras → groq;  strong = groq → gemini → openrouter");
            out().println();
            out().flush();

            load = new DemoLoad(URI.create(gateway.url()), null);
            long start = System.nanoTime();
            report.start(start);
            double storySeconds = story.toSeconds();
            DemoLoad l = load;
            load.start(() -> {
                double t = (System.nanoTime() - start) / 1e9 / storySeconds;
                return t >= 0.30 && t < 0.42 ? rate * 2 : rate;
            });
            scheduleStory(script, world, report, story);
            script.scheduleAtFixedRate(() -> report.progress(l), 2, 2, TimeUnit.SECONDS);

            AtomicBoolean interrupted = new AtomicBoolean();
            CountDownLatch ctrlC = new CountDownLatch(1);
            Thread hook = new Thread(() -> {
                interrupted.set(true);
                ctrlC.countDown();
                try {
                    finished.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "demo-ctrl-c");
            Runtime.getRuntime().addShutdownHook(hook);
            ctrlC.await(story.toMillis(), TimeUnit.MILLISECONDS);

            script.shutdownNow();
            load.close();
            boolean balanced = report.summary(load, store);
            if (duration != null || interrupted.get()) {
                if (!interrupted.get()) {
                    try {
                        Runtime.getRuntime().removeShutdownHook(hook);
                    } catch (IllegalStateException shuttingDown) {
                        // Ctrl-C just now: the hook waits for the finally block below
                    }
                }
                return balanced && load.ok.sum() > 0 ? 0 : 1;
            }
            out().println();
            out().println("The dashboard stays up at " + gateway.url() + "/ with light traffic. Ctrl-C to stop.");
            out().flush();
            load = new DemoLoad(URI.create(gateway.url()), null);
            load.start(() -> rate / 3);
            ctrlC.await();
            return 0;
        } finally {
            script.shutdownNow();
            if (load != null) load.close();
            try {
                ServeCommand.closeAll(gateway, keycycle, store);
                world.close();
            } finally {
                out().flush();
                finished.countDown();
            }
        }
    }

    /** What a database given with --db already holds ("usage", "key states", …), or null when it is empty. */
    private String earlierData(KeycycleStore store) {
        StateCollector c = new StateCollector();
        store.hydrate(c, root.environment().clock().instant());
        List<String> what = new java.util.ArrayList<>();
        if (store.storage().oldestUsage() != null || c.usageRecords > 0) what.add("usage");
        if (!c.states.isEmpty()) what.add("key states");
        if (!c.learned.isEmpty()) what.add("learned limits");
        return what.isEmpty() ? null : String.join(", ", what);
    }

    private KeycycleGateway startGateway(Keycycle keycycle, KeycycleStore store) {
        KeycycleGateway g = KeycycleGateway.builder().keycycle(keycycle).store(store).host("127.0.0.1").port(port).build();
        try {
            g.start();
            return g;
        } catch (RuntimeException e) {
            g.close();
            if (port == 0 || !(rootCause(e) instanceof BindException)) throw e;
            err().println("port " + port + " is taken; using a free port instead (choose one with --port)");
            KeycycleGateway any = KeycycleGateway.builder().keycycle(keycycle).store(store).host("127.0.0.1").port(0).build();
            any.start();
            return any;
        }
    }

    private static Throwable rootCause(Throwable t) {
        while (t.getCause() != null && t.getCause() != t) t = t.getCause();
        return t;
    }

    /** The scripted events, at fractions of the run. */
    private static void scheduleStory(ScheduledExecutorService script, DemoWorld world, DemoReport report, Duration story) {
        long ms = story.toMillis();
        script.schedule(() -> {
            world.sim.provider("gemini").killKey(world.secret(ProviderKind.GEMINI, 1));
            report.scripted("Gemini revokes key #1 (the next call with it gets 400 API_KEY_INVALID)");
        }, ms * 15 / 100, TimeUnit.MILLISECONDS);
        script.schedule(() -> report.scripted("burst: traffic doubles for a while"), ms * 30 / 100, TimeUnit.MILLISECONDS);
        script.schedule(() -> report.scripted("burst over"), ms * 42 / 100, TimeUnit.MILLISECONDS);
        script.schedule(() -> {
            world.sim.provider("groq").setLimits(DemoWorld.GROQ_STRONG, DemoWorld.GROQ_STORM);
            report.scripted("429 storm: Groq now allows 2 requests/min on " + DemoWorld.GROQ_STRONG + " (the configuration still says 20)");
        }, ms * 50 / 100, TimeUnit.MILLISECONDS);
        script.schedule(() -> {
            world.sim.provider("groq").setLimits(DemoWorld.GROQ_STRONG, DemoWorld.GROQ_STRONG_LIMITS);
            report.scripted("storm over: Groq is back to 20 requests/min");
        }, ms * 65 / 100, TimeUnit.MILLISECONDS);
        script.schedule(() -> {
            for (int i = 1; i <= 6; i++) world.sim.provider("cerebras").exhaustCredit(world.secret(ProviderKind.CEREBRAS, i));
            report.scripted("Cerebras accounts run out of credit (HTTP 402): tier 'fast' must fall back to Groq");
        }, ms * 72 / 100, TimeUnit.MILLISECONDS);
    }

    /** Seconds ({@code 60}) or a duration as every other option takes it ({@code 60s}, {@code 2m}, {@code 1h}). */
    static Duration parseDuration(String s) {
        String t = s.trim();
        return t.matches("\\d{1,9}") ? Duration.ofSeconds(Long.parseLong(t)) : Durations.parse(t);
    }
}
