package io.keycycle.cli;

import io.keycycle.Keycycle;
import io.keycycle.core.KeyState;
import io.keycycle.core.KeycycleEvent;
import io.keycycle.core.pool.PoolSnapshot;
import io.keycycle.sim.SimStats;
import io.keycycle.store.KeycycleStore;
import io.keycycle.store.ReportQuery;
import io.keycycle.store.UsageRow;

import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the demo prints: a progress line every two seconds, a timeline of what the engine did
 * (keys disabled, scopes parked, storms absorbed) and the closing summary with the books check.
 */
final class DemoReport {

    private final PrintWriter out;
    private final DemoWorld world;
    private Keycycle keycycle;
    private volatile long start;
    private final List<String> timeline = new CopyOnWriteArrayList<>();
    private final Map<String, Boolean> announced = new ConcurrentHashMap<>();
    private final LongAdder rejections = new LongAdder();
    private final LongAdder cooldowns = new LongAdder();

    DemoReport(PrintWriter out, DemoWorld world) {
        this.out = out;
        this.world = world;
    }

    void keycycle(Keycycle k) { this.keycycle = k; }

    void start(long nanos) { this.start = nanos; }

    private String at() {
        return String.format("[%3ds]", start == 0 ? 0 : (System.nanoTime() - start) / 1_000_000_000L);
    }

    /** A scripted event of the story (the world changes; Keycycle is not told). */
    synchronized void scripted(String what) {
        String line = at() + " ▶ " + what;
        timeline.add(line);
        out.println(line);
        out.flush();
    }

    /** Engine events worth a line: keys disabled, scopes parked, the first cooldown of each scope. */
    void onEvent(KeycycleEvent e) {
        if (e instanceof KeycycleEvent.Rejected) {
            rejections.increment();
            return;
        }
        if (!(e instanceof KeycycleEvent.StateChanged s)) return;
        String what;
        switch (s.state()) {
            case DISABLED -> what = s.provider() + " key " + s.fingerprint() + " disabled: " + s.reason();
            case PARKED -> what = s.provider() + " " + s.scope() + (s.model().equals("*") ? "" : " / " + s.model())
                    + " parked until " + s.until() + " (" + s.reason() + ")";
            case COOLING -> {
                cooldowns.increment();
                String first = s.provider() + "/" + s.level() + "/" + s.model();
                if (announced.putIfAbsent(first, Boolean.TRUE) != null) return;
                long wait = s.until() == null ? 0 : Duration.between(s.at(), s.until()).toSeconds();
                what = s.provider() + (s.level() == KeycycleEvent.Level.MODEL ? " model " + s.model() + " backing off"
                        : " " + s.scope() + " cooling " + wait + "s") + " (" + s.reason() + ")";
            }
            case MODEL_UNAVAILABLE -> what = s.provider() + " model " + s.model() + " unavailable: " + s.reason();
            default -> { return; }
        }
        if (announced.putIfAbsent(what, Boolean.TRUE) != null) return;
        String line = at() + "   " + abbreviate(what, 150);
        timeline.add(line);
        synchronized (this) {
            out.println(line);
            out.flush();
        }
    }

    synchronized void progress(DemoLoad load) {
        Map<KeyState, Integer> states = keyStates();
        out.printf("%s sent %5d  ok %5d  streamed %4d  429→client %3d | upstream requests %5d  429s %3d | keys: %d ready, %d cooling, %d parked, %d disabled%n",
                at(), load.sent.sum(), load.ok.sum(), load.streamed.sum(), load.rejected.sum(),
                world.sim.stats().totalRequests(), world.sim.stats().total429(),
                states.get(KeyState.READY), states.get(KeyState.COOLING), states.get(KeyState.PARKED), states.get(KeyState.DISABLED));
        out.flush();
    }

    /** Keys by state over every provider (see {@link #perProviderStates()}). */
    private Map<KeyState, Integer> keyStates() {
        Map<KeyState, Integer> m = new EnumMap<>(KeyState.class);
        for (KeyState s : KeyState.values()) m.put(s, 0);
        for (Map<KeyState, Integer> p : perProviderStates().values()) p.forEach((k, n) -> m.merge(k, n, Integer::sum));
        return m;
    }

    /** Prints the summary; returns true when the database holds exactly the usage the providers reported. */
    boolean summary(DemoLoad load, KeycycleStore store) {
        long seconds = (System.nanoTime() - start) / 1_000_000_000L;
        store.flush(Duration.ofSeconds(20));
        SimStats stats = world.sim.stats();
        Map<String, UsageRow> books = new HashMap<>();
        for (UsageRow r : store.report(ReportQuery.of(Instant.EPOCH, Instant.now().plusSeconds(60), ReportQuery.GroupBy.PROVIDER))) {
            books.put(r.provider(), r);
        }
        out.println();
        out.println("══ Summary after " + seconds + " s " + "═".repeat(60));
        out.println();
        out.printf("Clients (OpenAI-style, through the gateway): %d requests, %d answered (%d streamed), %d got 429 + Retry-After, %d failed%n",
                load.sent.sum(), load.ok.sum(), load.streamed.sum(), load.rejected.sum(), load.failed.sum());
        double[] lat = load.latencyMillis();
        out.printf("  end-to-end latency of answers: p50 %.0f ms, p99 %.0f ms (simulated provider latency 40 ms + streaming)%n", lat[0], lat[1]);
        StringBuilder served = new StringBuilder();
        load.servedBy.forEach((p, n) -> served.append(served.length() == 0 ? "" : ", ").append(p).append(' ').append(n.sum()));
        out.println("  served by: " + served);
        load.failures.forEach((what, n) -> out.println("  failure ×" + n.sum() + ": " + abbreviate(what, 140)));
        out.println();

        Grid g = new Grid("provider", "keys", "upstream req", "ok", "429 min", "429 day", "other 429", "errors",
                "tokens (provider)", "tokens (db)", "ready", "cooling", "parked", "disabled");
        boolean balanced = true;
        Map<String, Map<KeyState, Integer>> perProvider = perProviderStates();
        long upstream429 = 0;
        for (String p : List.of("cerebras", "groq", "gemini", "openrouter")) {
            SimStats.Row t = stats.total(p);
            UsageRow b = books.get(p);
            long simTokens = t.promptTokens() + t.completionTokens();
            long dbTokens = b == null ? 0 : b.promptTokens() + b.completionTokens();
            balanced &= simTokens == dbTokens;
            upstream429 += t.total429();
            Map<KeyState, Integer> s = perProvider.getOrDefault(p, Map.of());
            g.row(p, String.valueOf(world.secrets.get(io.keycycle.sim.ProviderKind.valueOf(p.toUpperCase(java.util.Locale.ROOT))).size()),
                    String.valueOf(t.requests()), String.valueOf(t.successes()), String.valueOf(t.minute429()), String.valueOf(t.day429()),
                    String.valueOf(t.other429() + t.hour429()), String.valueOf(t.otherErrors()), String.valueOf(simTokens),
                    String.valueOf(dbTokens), String.valueOf(s.getOrDefault(KeyState.READY, 0)),
                    String.valueOf(s.getOrDefault(KeyState.COOLING, 0)), String.valueOf(s.getOrDefault(KeyState.PARKED, 0)),
                    String.valueOf(s.getOrDefault(KeyState.DISABLED, 0)));
        }
        g.printTable(out, "");
        out.println();
        out.println("What happened:");
        for (String line : timeline) out.println("  " + line);
        out.println();
        long storm = stats.total("groq").minute429();
        long dailyCap = stats.total("openrouter").day429();
        long unforeseen = upstream429 - storm - dailyCap;
        out.printf("Engine: %d cooldowns; %d times a candidate had no key free (the next candidate took over, or the client got "
                + "429 + Retry-After).%n", cooldowns.sum(), rejections.sum());
        out.printf("Upstream 429s: %d — %d from the storm (Groq stricter than configured), %d from OpenRouter's real daily cap "
                + "(the file said 1000/day), %d from limits the configuration knew.%n", upstream429, storm, dailyCap, unforeseen);
        out.println(balanced
                ? "Books: ✓ the database holds every usage record — its token counts equal the usage the providers reported."
                : "Books: ✗ the database and the providers disagree (see the table); the store may still be replaying its journal.");
        out.println("Try:   ./keycycle status --db " + dbArg(store) + "    ./keycycle usage --db " + dbArg(store) + " --by provider,model");
        out.flush();
        return balanced;
    }

    private static String dbArg(KeycycleStore store) {
        String u = store.url().redacted();
        return u.startsWith("jdbc:sqlite:") ? u.substring("jdbc:sqlite:".length()) : "'" + u + "'";
    }

    /** Per provider, keys by state: disabled, else the worst state of the key's scope (parked over cooling). */
    private Map<String, Map<KeyState, Integer>> perProviderStates() {
        Map<String, Map<KeyState, Integer>> out = new HashMap<>();
        for (PoolSnapshot p : keycycle.snapshots()) {
            Map<KeyState, Integer> m = new EnumMap<>(KeyState.class);
            for (PoolSnapshot.KeyView k : p.keys()) m.merge(p.status(k).state(), 1, Integer::sum);
            out.put(p.provider(), m);
        }
        return out;
    }

    private static String abbreviate(String s, int max) {
        String t = s.replaceAll("\\s+", " ");
        return t.length() > max ? t.substring(0, max) + "…" : t;
    }

    List<String> timeline() { return new ArrayList<>(timeline); }
}
