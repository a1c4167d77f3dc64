package io.keycycle.cli;

import io.keycycle.core.ApiKey;
import io.keycycle.core.KeyState;
import io.keycycle.core.KeycycleEvent;
import io.keycycle.core.KeycycleEvent.Level;
import io.keycycle.core.config.LoadedKeys;
import io.keycycle.gateway.OperatorView;
import io.keycycle.store.KeycycleStore;
import io.keycycle.store.StorageInfo;
import io.keycycle.store.ReportQuery;
import io.keycycle.store.UsageRow;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code keycycle status}: key states as the database has them (what a restarted engine would
 * restore) and today's usage per key. Keys come from the environment and from the database, so a
 * key removed from the configuration but still disabled or used today shows too.
 */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = {
                "Show key states and today's usage from the database.",
                "",
                "Per provider, scope and key: the state (READY, COOLING, PARKED, DISABLED, "
                        + "MODEL_UNAVAILABLE), until when, why, and today's requests and tokens (UTC day). Scope rows "
                        + "are cooldowns and day parkings shared by every key of a scope (for one model, or '*' for "
                        + "all); model rows are models a provider no longer serves. Then the limits learned from "
                        + "the providers (\"rpd 1000 → 50, learned from openrouter …\")."},
        footerHeading = "%nExamples:%n",
        footer = {
                "  keycycle status",
                "  keycycle status --db jdbc:sqlite:/var/lib/keycycle/keycycle.db",
                "  keycycle status --format json --db mysql+pymysql://user:pass@host:4000/kc",
                "  keycycle status --forecast                     when each daily quota runs out at the last 15 min's rate",
                "  keycycle status --forecast --forecast-minutes 60 --format json"})
final class StatusCommand extends KeycycleCommand {

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "table",
            description = "table, csv or json (default: ${DEFAULT-VALUE}).")
    OutputFormat format;

    @Option(names = "--forecast", description = "Instead of key states: for every scope, model and daily limit, when "
            + "today's quota runs out at the recent rate and how much is left (rows marked ! run out before the reset).")
    boolean forecast;

    @Option(names = "--forecast-minutes", paramLabel = "N", defaultValue = "15",
            description = "The rate window of --forecast: the last N complete minutes (default: ${DEFAULT-VALUE}).")
    int forecastMinutes;

    /** One line of the report before printing. */
    private record Line(String provider, String scope, String key, Integer index, String level, String model, KeyState state,
                        Instant until, String reason, Long requestsToday, Long tokensToday) { }

    @Override
    protected int execute() {
        if (forecast) {
            if (forecastMinutes < 1 || forecastMinutes > 1_440) throw usage("--forecast-minutes must be 1..1440, was " + forecastMinutes);
            return new StatusForecast(factory(), forecastMinutes, format, out()).print();
        }
        KeycycleFactory f = factory();
        Instant now = f.clock().instant();
        LoadedKeys loaded = f.keys();
        if (loaded.report().hasErrors()) {
            err().println("warning: the key set-up has errors (run `keycycle check`); showing the keys that loaded");
        }
        LocalDate today = LocalDate.ofInstant(now, ZoneOffset.UTC);
        Instant dayStart = today.atStartOfDay(ZoneOffset.UTC).toInstant();
        StateCollector collector = new StateCollector();
        List<UsageRow> usage;
        String database;
        StorageInfo storage;
        try (KeycycleStore store = f.openExistingStore()) {
            database = store.url().redacted();
            storage = store.storage();
            store.hydrate(collector, now);
            // the engine's rule: a model reported gone is re-checked, so a row past its re-check instant is no live state
            collector.states.removeIf(s -> !io.keycycle.core.pool.PoolPolicy.DEFAULT.stillHolds(s, now));
            usage = store.report(ReportQuery.of(dayStart, dayStart.plus(Duration.ofDays(1)), ReportQuery.GroupBy.KEY));
        }
        List<Line> lines = lines(loaded, collector.states, usage);
        Grid g = new Grid("PROVIDER", "SCOPE", "KEY", "INDEX", "LEVEL", "MODEL", "STATE", "UNTIL", "REASON",
                "REQUESTS TODAY", "TOKENS TODAY");
        for (Line l : lines) {
            Object until = l.until == null ? null
                    : format == OutputFormat.TABLE ? untilText(l.until, now) : l.until.truncatedTo(ChronoUnit.SECONDS).toString();
            g.row(l.provider, l.scope, l.key, l.index, l.level, l.model, l.state.name(), until, l.reason, l.requestsToday, l.tokensToday);
        }
        if (format != OutputFormat.TABLE) {
            g.print(format, out());
            return 0;
        }
        long live = collector.states.size();
        out().println("database " + database + " — " + live + (live == 1 ? " live state" : " live states")
                + ", usage today since " + dayStart + " (UTC)");
        out().println(storageLine(storage));
        if (lines.isEmpty()) {
            out().println("no keys in the environment and nothing recorded in the database");
            return 0;
        }
        g.printTable(out(), "");
        if (!collector.learned.isEmpty()) {
            out().println();
            out().println("Limits learned from the providers (in force instead of the table's):");
            for (KeycycleEvent.LimitLearned l : collector.learned) out().println("  " + StateCollector.describe(l));
        }
        printFleet(f, now);
        return 0;
    }

    /** With a shared pool configured: the instances of the fleet (id, mode, last heartbeat, calls in flight). */
    private void printFleet(KeycycleFactory f, Instant now) {
        String url = f.env().get("KEYCYCLE_REDIS_URL");
        if (url == null || url.isBlank()) url = f.config().cluster().redisUrl();
        if (url == null || url.isBlank()) return;
        io.keycycle.redis.RedisSettings rs = io.keycycle.redis.RedisSettings.of(url).withInstanceId("status");
        if (f.config().cluster().keyPrefix() != null) rs = rs.withKeyPrefix(f.config().cluster().keyPrefix());
        List<io.keycycle.redis.InstanceView> fleet;
        try {
            fleet = io.keycycle.redis.FleetView.read(rs);
        } catch (io.keycycle.core.ConfigurationException e) {
            out().println();
            out().println("shared pool: " + e.getMessage());
            return;
        }
        out().println();
        out().println("shared pool " + rs.redactedUrl() + " (prefix " + rs.keyPrefix() + ") — " + fleet.size()
                + (fleet.size() == 1 ? " instance" : " instances"));
        Grid g = new Grid("INSTANCE", "MODE", "LAST HEARTBEAT", "IN FLIGHT", "ALIVE");
        for (io.keycycle.redis.InstanceView v : fleet) {
            g.row(v.id(), v.mode(), untilText(v.lastHeartbeat(), now) + " (" + Durations.format(Duration.between(v.lastHeartbeat(), now).abs()) + " ago)",
                    v.inFlight(), v.alive() ? "yes" : "no");
        }
        g.printTable(out(), "");
    }

    /** "size 1.3 MB; keeps raw usage 30d, aggregates 400d; oldest raw row 2026-11-01T00:00:00Z". */
    static String storageLine(StorageInfo s) {
        return "size " + OperatorView.bytes(s.bytes()) + "; keeps " + s.retention()
                + (s.oldestUsage() == null ? "; no raw usage rows" : "; oldest raw row " + s.oldestUsage().truncatedTo(ChronoUnit.SECONDS));
    }

    private static String untilText(Instant until, Instant now) {
        String at = until.truncatedTo(ChronoUnit.SECONDS).toString();
        return until.isAfter(now) ? at + " (in " + Durations.format(Duration.between(now, until)) + ")" : at;
    }

    private static List<Line> lines(LoadedKeys loaded, List<KeycycleEvent.StateChanged> states, List<UsageRow> usage) {
        Map<String, UsageRow> usageByKey = new HashMap<>();
        for (UsageRow r : usage) usageByKey.put(r.provider() + "|" + r.key(), r);
        Map<String, KeycycleEvent.StateChanged> keyStates = new HashMap<>();
        List<KeycycleEvent.StateChanged> others = new ArrayList<>();
        for (KeycycleEvent.StateChanged s : states) {
            if (s.level() == Level.KEY && s.fingerprint() != null) keyStates.put(s.provider() + "|" + s.fingerprint(), s);
            else others.add(s);
        }
        // every key: from the environment, then those only the database knows
        Map<String, Line> keys = new LinkedHashMap<>();
        for (List<ApiKey> ks : loaded.keys().values()) {
            for (ApiKey k : ks) keys.put(k.provider() + "|" + k.fingerprint(), keyLine(k.provider(), k.scope(), k.fingerprint(), k.index(), keyStates, usageByKey));
        }
        for (KeycycleEvent.StateChanged s : keyStates.values()) {
            keys.computeIfAbsent(s.provider() + "|" + s.fingerprint(), id -> keyLine(s.provider(), s.scope(), s.fingerprint(), null, keyStates, usageByKey));
        }
        for (UsageRow r : usage) {
            keys.computeIfAbsent(r.provider() + "|" + r.key(), id -> keyLine(r.provider(), null, r.key(), null, keyStates, usageByKey));
        }
        List<Line> out = new ArrayList<>(keys.values());
        for (KeycycleEvent.StateChanged s : others) {
            boolean model = s.level() == Level.MODEL;
            out.add(new Line(s.provider(), model ? null : s.scope(), model ? "(model)" : "(scope)", null, s.level().name().toLowerCase(java.util.Locale.ROOT),
                    s.model(), s.state(), s.until(), s.reason(), null, null));
        }
        out.sort(Comparator.comparing(Line::provider)
                .thenComparing(l -> l.scope == null ? "~" : l.scope)
                .thenComparing(l -> l.key.startsWith("(") ? 1 : 0)
                .thenComparing(l -> l.index == null ? Integer.MAX_VALUE : l.index)
                .thenComparing(Line::key));
        return out;
    }

    private static Line keyLine(String provider, String scope, String fp, Integer index,
                                Map<String, KeycycleEvent.StateChanged> keyStates, Map<String, UsageRow> usage) {
        KeycycleEvent.StateChanged s = keyStates.get(provider + "|" + fp);
        UsageRow u = usage.get(provider + "|" + fp);
        String sc = scope != null ? scope : s != null ? s.scope() : null;
        return new Line(provider, sc, fp, index, "key", s == null ? null : s.model(), s == null ? KeyState.READY : s.state(),
                s == null ? null : s.until(), s == null ? null : s.reason(),
                u == null ? 0L : u.requests(), u == null ? 0L : u.chargedTokens());
    }

}
