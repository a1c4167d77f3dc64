package io.keycycle.cli;

import io.keycycle.core.Limits;
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
                        + "the account-wide budget every model shares."},
        footerHeading = "%nExamples:%n",
        footer = {
                "  keycycle models",
                "  keycycle models groq",
                "  keycycle models gemini --format csv > gemini-limits.csv",
                "  keycycle models --format json | jq '.[] | select(.status == \"current\")'"})
final class ModelsCommand extends KeycycleCommand {

    @Parameters(arity = "0..1", paramLabel = "PROVIDER", description = "Only this provider (default: all).")
    String provider;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "table",
            description = "table, csv or json (default: ${DEFAULT-VALUE}).")
    OutputFormat format;

    @Override
    protected int execute() {
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
