package io.keycycle.cli;

import io.keycycle.core.ApiKey;
import io.keycycle.core.Limits;
import io.keycycle.core.client.KeyProbe;
import io.keycycle.core.config.LoadedKeys;
import io.keycycle.core.config.ModelStatus;
import io.keycycle.core.ProviderSpec;
import io.keycycle.core.config.Catalog;
import io.keycycle.core.config.ModelDescription;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code keycycle models [provider]}: the catalog, built-in tables with the user's file laid over them. */
@Command(name = "models", mixinStandardHelpOptions = true,
        description = {
                "List the catalog: models, their limits and where each limit comes from.",
                "",
                "Per model: rpm rph rpd tpm tph tpd, status (current, deprecated, retired, user-defined) "
                        + "and the rule behind each limit (built-in table and its date, keycycle.yaml, provider "
                        + "default). The '*' row is the provider default; for a global provider (openrouter) it is "
                        + "the account-wide budget every model shares.",
                "",
                "--online asks each provider that has keys what its /models returns now (with the first key "
                        + "that works) and lists what differs from the table: models the provider lists that the "
                        + "table lacks (new), current table models it no longer lists (gone?), models the table "
                        + "marks retired or deprecated that it still lists, and whether the default model is listed."},
        footerHeading = "%nExamples:%n",
        footer = {
                "  keycycle models",
                "  keycycle models groq",
                "  keycycle models gemini --format csv > gemini-limits.csv",
                "  keycycle models --format json | jq '.[] | select(.status == \"current\")'",
                "  keycycle models --online          the providers' /models against the table"})
final class ModelsCommand extends KeycycleCommand {

    @Parameters(arity = "0..1", paramLabel = "PROVIDER", description = "Only this provider (default: all).")
    String provider;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "table",
            description = "table, csv or json (default: ${DEFAULT-VALUE}).")
    OutputFormat format;

    @Option(names = "--online", description = "Compare the table with what each provider's /models returns now.")
    boolean online;

    @Option(names = "--probe-timeout", paramLabel = "DURATION", defaultValue = "10s", converter = Durations.class,
            description = "How long one call may take with --online (default ${DEFAULT-VALUE}).")
    java.time.Duration probeTimeout;

    @Override
    protected int execute() throws InterruptedException {
        if (online) return online();
        Catalog catalog = factory().catalog();
        List<String> providers = new ArrayList<>();
        if (provider != null) {
            if (!catalog.has(provider)) {
                throw usage("unknown provider '" + provider + "'; known: " + String.join(", ", catalog.providerNames()));
            }
            providers.add(provider.toLowerCase(java.util.Locale.ROOT));
        } else {
            providers.addAll(catalog.providerNames());
        }
        if (format == OutputFormat.JSON) {
            List<Map<String, Object>> json = new ArrayList<>();
            for (String p : providers) for (ModelDescription d : describe(catalog, p)) json.add(toJson(catalog.provider(p), d));
            Json.print(out(), json);
            return 0;
        }
        boolean table = format == OutputFormat.TABLE;
        Grid g = table
                ? new Grid("PROVIDER", "MODEL", "STATUS", "DEFAULT", "RPM", "RPH", "RPD", "TPM", "TPH", "TPD", "SOURCE")
                : new Grid("PROVIDER", "MODEL", "STATUS", "DEFAULT", "RPM", "RPH", "RPD", "TPM", "TPH", "TPD", "SINCE", "SOURCE", "NOTE");
        for (String p : providers) {
            ProviderSpec spec = catalog.provider(p);
            for (ModelDescription d : describe(catalog, p)) {
                boolean isDefault = d.model().equals(spec.defaultModel());
                List<Object> cells = new ArrayList<>(List.of(p, d.model(), status(d)));
                cells.add(table ? (isDefault ? "yes" : "") : isDefault);
                for (Limits.Metric m : Limits.Metric.values()) {
                    long v = d.limits().limits().get(m);
                    cells.add(table ? LimitText.cell(v) : LimitText.value(v));
                }
                if (!table) cells.add(d.since());
                cells.add(LimitText.sources(d.limits()));
                if (!table) cells.add(d.note());
                g.row(cells.toArray());
            }
        }
        if (table) {
            g.printTable(out(), "");
            out().println();
            out().println("unlimited = no limit on that metric; 0 = no quota. Limits count per scope (organisation, project "
                    + "or account) and model. Notes: --format csv|json. Per-key overrides: keycycle check.");
        } else {
            g.printCsv(out());
        }
        return 0;
    }

    /** What a provider lists now against its table. */
    record Drift(String provider, String key, int listed, String defaultModel, boolean defaultListed,
                 List<String> added, List<String> gone, List<String> stillListed, String problem) { }

    private int online() throws InterruptedException {
        LoadedKeys loaded = factory().keys();
        Catalog catalog = factory().catalogWithEndpoints();
        List<String> providers = new ArrayList<>();
        if (provider != null) {
            if (!catalog.has(provider)) {
                throw usage("unknown provider '" + provider + "'; known: " + String.join(", ", catalog.providerNames()));
            }
            providers.add(provider.toLowerCase(java.util.Locale.ROOT));
        } else {
            providers.addAll(catalog.providerNames());
        }
        OnlineProbes probes = new OnlineProbes(catalog, probeTimeout);
        List<Drift> drifts = new ArrayList<>();
        for (String p : providers) drifts.add(drift(catalog, probes, p, loaded.keys(p)));
        if (format == OutputFormat.JSON) {
            Json.print(out(), drifts.stream().map(ModelsCommand::toJson).toList());
        } else {
            for (Drift d : drifts) print(d, catalog);
        }
        // a provider without a default model (calls always name theirs) has none to miss
        return drifts.stream().anyMatch(d -> d.problem() == null && d.defaultModel() != null && !d.defaultListed()) ? CliErrors.FAILURE : 0;
    }

    private Drift drift(Catalog catalog, OnlineProbes probes, String p, List<ApiKey> keys) throws InterruptedException {
        String def = catalog.provider(p).defaultModel();
        if (keys.isEmpty()) return new Drift(p, null, 0, def, false, List.of(), List.of(), List.of(), "no keys: nothing to ask with");
        OnlineProbes.Probed used = null;
        for (ApiKey k : keys) {
            OnlineProbes.Probed x = probes.probe(k, factory().clock().instant());
            if (x.result().health().usable()) { used = x; break; }
            if (used == null) used = x;
        }
        KeyProbe.Result r = used.result();
        String key = "#" + used.key().index() + " " + used.key().fingerprint();
        if (!r.health().usable()) {
            return new Drift(p, key, 0, def, false, List.of(), List.of(), List.of(),
                    "no key works (" + r.health().key() + ": " + r.detail() + ")");
        }
        java.util.Set<String> listed = new java.util.TreeSet<>(r.models());
        List<String> added = new ArrayList<>(), gone = new ArrayList<>(), still = new ArrayList<>();
        java.util.Set<String> known = new java.util.TreeSet<>();
        for (ModelDescription d : catalog.models(p)) {
            known.add(d.model());
            boolean isListed = listed.contains(d.model());
            if ((d.status() == ModelStatus.CURRENT || d.status() == ModelStatus.USER_DEFINED) && !isListed && !d.hasNoQuota()) {
                gone.add(d.model());
            }
            if ((d.status() == ModelStatus.RETIRED || d.status() == ModelStatus.DEPRECATED) && isListed) still.add(d.model());
        }
        for (String m : listed) if (!known.contains(m)) added.add(m);
        return new Drift(p, key, listed.size(), def, def != null && listed.contains(def), added, gone, still, null);
    }

    private void print(Drift d, Catalog catalog) {
        java.io.PrintWriter out = out();
        String asOf = catalog.tableDate(d.provider()).map(x -> "table as of " + x).orElse("no built-in table");
        if (d.problem() != null) {
            out.println(d.provider() + ": " + d.problem() + " (" + asOf + ")");
            out.println();
            return;
        }
        out.println(d.provider() + ": " + d.listed() + " models listed by the provider (asked with key " + d.key() + "), " + asOf);
        if (d.defaultModel() == null) {
            out.println("  default model: none set (each call names its model)");
        } else {
            out.println("  default model " + d.defaultModel() + ": " + (d.defaultListed() ? "listed"
                    : "NOT LISTED — set providers." + d.provider() + ".default-model, e.g. "
                    + String.join(" or ", catalog.suggestInstead(d.provider(), d.defaultModel(), 2))));
        }
        line(out, "new (listed, not in the table)", d.added());
        line(out, "gone? (current in the table, not listed)", d.gone());
        line(out, "listed although the table says retired/deprecated", d.stillListed());
        out.println();
    }

    private static void line(java.io.PrintWriter out, String what, List<String> models) {
        out.println("  " + what + ": " + (models.isEmpty() ? "none" : models.size() + " — " + String.join(", ", models)));
    }

    private static Map<String, Object> toJson(Drift d) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("provider", d.provider());
        m.put("key", d.key());
        m.put("problem", d.problem());
        m.put("listed", d.listed());
        m.put("default_model", d.defaultModel());
        m.put("default_listed", d.defaultListed());
        m.put("new", d.added());
        m.put("gone", d.gone());
        m.put("still_listed", d.stillListed());
        return m;
    }

    private static List<ModelDescription> describe(Catalog catalog, String provider) {
        List<ModelDescription> all = new ArrayList<>(catalog.models(provider));
        all.add(catalog.describe(provider, Catalog.ANY_MODEL));
        return all;
    }

    private static String status(ModelDescription d) {
        return d.model().equals(Catalog.ANY_MODEL) ? "provider-default" : d.status().key();
    }

    private static Map<String, Object> toJson(ProviderSpec spec, ModelDescription d) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("provider", d.provider());
        m.put("model", d.model());
        m.put("status", status(d));
        m.put("default", d.model().equals(spec.defaultModel()));
        m.put("since", d.since() == null ? null : d.since().toString());
        m.put("note", d.note());
        Map<String, Object> limits = new LinkedHashMap<>();
        Map<String, Object> sources = new LinkedHashMap<>();
        for (Limits.Metric metric : Limits.Metric.values()) {
            limits.put(metric.key(), LimitText.value(d.limits().limits().get(metric)));
            sources.put(metric.key(), d.limits().sources().get(metric));
        }
        m.put("limits", limits);
        m.put("sources", sources);
        return m;
    }
}
