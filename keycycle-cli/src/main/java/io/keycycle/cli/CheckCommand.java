package io.keycycle.cli;

import io.keycycle.core.ApiKey;
import io.keycycle.core.Limits;
import io.keycycle.core.ProviderSpec;
import io.keycycle.core.config.Catalog;
import io.keycycle.core.config.Finding;
import io.keycycle.core.config.LoadedKeys;
import io.keycycle.core.config.ModelDescription;
import io.keycycle.core.config.ModelRef;
import io.keycycle.core.config.TierConfig;
import io.keycycle.core.config.ValidationReport;
import io.keycycle.core.client.KeyProbe;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code keycycle check}: the key set-up and the configuration as the engine will see them. Loads
 * nothing over the network and opens no database.
 */
@Command(name = "check", mixinStandardHelpOptions = true,
        description = {
                "Validate keys (environment, .env) and configuration (keycycle.yaml).",
                "",
                "Also lists the limits learned from the providers when a local SQLite database holds any.",
                "",
                "Prints every finding (severity, provider, code, message), then per provider the keys, "
                        + "scopes, the default model with its limits and the rule behind each limit, and the tiers. "
                        + "Exits 1 when there are errors, 0 otherwise. Keys are shown by fingerprint only.",
                "",
                "--online also asks each provider about every key now (its /models, or OpenRouter's /key and "
                        + "/credits) and prints one row per key: valid, invalid, suspended, no credit, key limit, "
                        + "rate-limited; the organisation/project or label the provider reports; the models the key "
                        + "can see. A key that is neither valid nor only rate-limited counts as an error."},
        footerHeading = "%nExamples:%n",
        footer = {
                "  keycycle check",
                "  keycycle check --env-file prod.env --config prod.yaml",
                "  keycycle check --online           ask each provider about every key",
                "  NUM_GROQ=2 GROQ_API_KEY_1=gsk_… GROQ_API_KEY_2=gsk_… keycycle check"})
final class CheckCommand extends KeycycleCommand {

    @Option(names = "--online", description = "Also probe every key at its provider now (one cheap call per key).")
    boolean online;

    @Option(names = "--probe-timeout", paramLabel = "DURATION", defaultValue = "10s", converter = Durations.class,
            description = "How long one probe may take (default ${DEFAULT-VALUE}).")
    java.time.Duration probeTimeout;

    @Override
    protected int execute() throws InterruptedException {
        KeycycleFactory f = factory();
        PrintWriter out = out();
        Path configFile = f.configFile();
        Path envFile = f.envFile();
        out.println("configuration: " + (configFile == null ? "none (built-in defaults)" : configFile));
        out.println(".env file:     " + (envFile == null ? "none" : envFile));
        LoadedKeys loaded = f.keys();
        Catalog catalog = f.catalogWithEndpoints();
        ValidationReport report = loaded.report();

        out.println();
        out.println("Findings");
        Grid findings = new Grid("SEVERITY", "PROVIDER", "CODE", "MESSAGE");
        for (Finding x : report.findings()) {
            findings.row(x.severity().name(), x.provider() == null ? "(environment)" : x.provider(), x.code().id(), x.message());
        }
        // the catalog's own warnings: an account tier variable naming no tier (COHERE_TIER=platinum)
        for (String w : catalog.warnings()) findings.row("WARNING", "(catalog)", "account-tier", w);
        if (findings.isEmpty()) out.println("  none");
        else findings.printTable(out, "  ");

        if (loaded.keys().isEmpty()) {
            out.println();
            out.println("No keys found. Set NUM_<PROVIDER>=n and <PROVIDER>_API_KEY_1..n (providers: "
                    + String.join(", ", catalog.providerNames()) + ") in the environment or a .env file.");
        }
        for (Map.Entry<String, List<ApiKey>> e : loaded.keys().entrySet()) {
            if (catalog.has(e.getKey())) provider(out, catalog, e.getKey(), e.getValue());
        }
        tiers(out, catalog, loaded);
        learned(out, f);

        int configErrors = report.errors().size(), warnings = report.warnings().size() + catalog.warnings().size();
        int badKeys = online ? probeAll(out, catalog, loaded) : 0;
        int errors = configErrors + badKeys;
        out.println();
        out.println(errors + (errors == 1 ? " error, " : " errors, ") + warnings + (warnings == 1 ? " warning" : " warnings")
                + (configErrors > 0 ? " — fix the errors above; Keycycle refuses to start with them"
                : badKeys > 0 ? " — " + badKeys + (badKeys == 1 ? " key its provider does not accept" : " keys their providers do not accept")
                + " now (see Keys online)" : " — OK"));
        return errors > 0 ? CliErrors.FAILURE : 0;
    }

    private static void provider(PrintWriter out, Catalog catalog, String provider, List<ApiKey> keys) {
        ProviderSpec spec = catalog.provider(provider);
        Map<String, List<ApiKey>> scopes = new LinkedHashMap<>();
        for (ApiKey k : keys) scopes.computeIfAbsent(k.scope(), s -> new ArrayList<>()).add(k);
        out.println();
        out.println(provider + ": " + keys.size() + (keys.size() == 1 ? " key" : " keys") + " in " + scopes.size()
                + (scopes.size() == 1 ? " scope" : " scopes") + ", " + spec.strategy().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-')
                + " limits, endpoint " + (spec.baseUrl() == null ? "(none: set " + provider.toUpperCase(java.util.Locale.ROOT) + "_BASE_URL)" : spec.baseUrl()));
        Grid scopeGrid = new Grid("SCOPE", "KEYS", "FINGERPRINTS");
        scopes.forEach((scope, ks) -> scopeGrid.row(scope, ks.size(),
                String.join(", ", ks.stream().map(k -> "#" + k.index() + " " + k.fingerprint()).toList())));
        scopeGrid.printTable(out, "  ");
        String model = spec.defaultModel();
        if (model == null) {
            out.println("  no default model: call it as " + provider + "/<model> or set providers." + provider + ".default-model");
            return;
        }
        ModelDescription d = catalog.describe(provider, model);
        out.println("  default model " + model + " (" + d.status().key() + (d.since() == null ? "" : " since " + d.since())
                + ")" + (d.note() == null ? "" : " — " + d.note()));
        Grid limits = new Grid("LIMIT", "VALUE", "SOURCE");
        for (Limits.Metric m : Limits.Metric.values()) {
            limits.row(m.key(), LimitText.cell(d.limits().limits().get(m)), d.limits().sources().getOrDefault(m, "?"));
        }
        limits.printTable(out, "    ");
        if (d.hasNoQuota()) out.println("  WARNING: a limit is 0 — this model has no quota; calls to it are refused");
        for (ApiKey k : keys) {
            List<String> diff = LimitText.differences(d.limits(), catalog.describe(k, model).limits());
            String tier = catalog.keyTier(k).map(t -> " (key tier " + t + ")").orElse("");
            if (!diff.isEmpty()) out.println("  key #" + k.index() + " " + k.fingerprint() + tier + ": " + String.join(", ", diff));
        }
    }

    /** One row per key as its provider sees it now; returns how many keys are not usable. */
    private int probeAll(PrintWriter out, Catalog catalog, LoadedKeys loaded) throws InterruptedException {
        out.println();
        out.println("Keys online (asked just now)");
        if (loaded.keys().isEmpty()) {
            out.println("  no keys to probe");
            return 0;
        }
        OnlineProbes probes = new OnlineProbes(catalog, probeTimeout);
        Grid g = new Grid("PROVIDER", "KEY", "SCOPE", "HEALTH", "HTTP", "ORGANISATION", "MODELS", "DETAIL");
        int bad = 0;
        for (Map.Entry<String, List<ApiKey>> e : loaded.keys().entrySet()) {
            if (!catalog.has(e.getKey())) continue;
            for (ApiKey k : e.getValue()) {
                OnlineProbes.Probed p = probes.probe(k, factory().clock().instant());
                KeyProbe.Result r = p.result();
                if (!r.health().usable()) bad++;
                g.row(k.provider(), "#" + k.index() + " " + k.fingerprint(), k.scope(), r.health().key(),
                        r.status() == 0 ? "-" : String.valueOf(r.status()), r.organisation() == null ? "-" : r.organisation(),
                        OnlineProbes.models(r.models(), 3), r.detail());
            }
        }
        g.printTable(out, "  ");
        return bad;
    }

    /** The limits the engine learned from the providers, when a database holds any (read only; nothing is created). */
    private static void learned(PrintWriter out, KeycycleFactory f) {
        StateCollector collector = new StateCollector();
        try {
            String url = f.databaseUrl();
            if (url == null) return;
            io.keycycle.store.DatabaseUrl parsed = io.keycycle.store.DatabaseUrl.parse(url);
            if (parsed.kind() != io.keycycle.store.DatabaseUrl.Kind.SQLITE || !java.nio.file.Files.exists(parsed.sqliteFile())) return;
            try (io.keycycle.store.KeycycleStore store = f.openExistingStore()) {
                collector.learned.addAll(store.learnedLimits());
            }
        } catch (RuntimeException unreadable) {
            return;   // check works without a database
        }
        if (collector.learned.isEmpty()) return;
        out.println();
        out.println("Limits learned from the providers (" + collector.learned.size() + ", in force instead of the table's)");
        for (io.keycycle.core.KeycycleEvent.LimitLearned l : collector.learned) out.println("  " + StateCollector.describe(l));
    }

    private static void tiers(PrintWriter out, Catalog catalog, LoadedKeys loaded) {
        Map<String, TierConfig> tiers = catalog.tiers();
        out.println();
        if (tiers.isEmpty()) {
            out.println("Tiers: none configured (add tiers: to keycycle.yaml to fall back across providers)");
            return;
        }
        out.println("Tiers");
        Grid g = new Grid("TIER", "#", "CANDIDATE", "STATUS", "KEYS");
        for (TierConfig t : tiers.values()) {
            int i = 1;
            for (ModelRef m : t.models()) {
                int n = loaded.keys(m.provider()).size();
                String status = catalog.describe(m.provider(), m.model()).status().key();
                g.row(t.name(), i++, m.toString(), status, n == 0 ? "none — skipped" : String.valueOf(n));
            }
        }
        g.printTable(out, "  ");
    }
}
