package io.keycycle.core.config;

import io.keycycle.core.ConfigurationException;
import io.keycycle.core.DailyReset;
import io.keycycle.core.Strategy;
import org.yaml.snakeyaml.nodes.Node;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** Reads the shipped provider tables with the same strict reader the user's file gets. */
final class CatalogReader {

    static final String RESOURCE_DIR = "/io/keycycle/catalog/";

    private static final Set<String> TOP = Set.of("name", "as-of", "source", "base-url", "default-model", "strategy",
            "daily-reset", "key-prefix", "allow-unknown-models", "shared-budget-suffix", "account-tiers", "models");
    private static final Set<String> ACCOUNT_TIERS = Set.of("variable", "default", "tiers");
    private static final Set<String> MODEL_EXTRA = Set.of("status", "since", "note", "counts-as");

    private CatalogReader() {}

    static BuiltInProvider readResource(String name) {
        String resource = RESOURCE_DIR + name + ".yaml";
        try (InputStream in = CatalogReader.class.getResourceAsStream(resource)) {
            if (in == null) throw new ConfigurationException("built-in catalog " + resource + " is missing from the class path");
            return read(new String(in.readAllBytes(), StandardCharsets.UTF_8), resource);
        } catch (IOException e) {
            throw new ConfigurationException("cannot read built-in catalog " + resource, e);
        }
    }

    /** Parses one table; {@code ${...}} is not expanded (an empty environment). */
    static BuiltInProvider read(String yaml, String source) {
        YamlDocument doc = YamlDocument.parse(yaml, Map.of(), source);
        YamlReader in = new YamlReader(doc, new Problems(source));
        Map<String, Node> top = in.mapping(doc.root(), "", TOP);
        // default-model is optional: a table whose provider changes its model list faster than the
        // table is released (allow-unknown-models) may name none, and calls then name their model
        for (String required : new String[]{"name", "as-of", "source", "base-url", "models"}) {
            if (!top.containsKey(required)) in.problem(doc.root(), "missing '" + required + "'");
        }
        String name = in.requiredText(top.get("name"), "name");
        LocalDate asOf = date(in, top.get("as-of"), "as-of");
        String baseUrl = in.requiredText(top.get("base-url"), "base-url");
        String strategy = in.string(top.get("strategy"), "strategy");
        String reset = in.string(top.get("daily-reset"), "daily-reset");
        Boolean allowUnknown = in.bool(top.get("allow-unknown-models"), "allow-unknown-models");

        PartialLimits defaults = PartialLimits.EMPTY;
        Map<String, BuiltInProvider.ModelInfo> models = new LinkedHashMap<>();
        for (Map.Entry<String, Node> e : in.mapping(top.get("models"), "models", null).entrySet()) {
            String path = "models." + e.getKey();
            Map<String, Node> extra = new LinkedHashMap<>();
            PartialLimits limits = in.limits(e.getValue(), path, MODEL_EXTRA, extra);
            if (e.getKey().equals("*")) {
                if (!extra.isEmpty()) in.problem(e.getValue(), path + ": the provider default takes limits only");
                if (top.containsKey("account-tiers")) {
                    in.problem(e.getValue(), path + ": the provider default comes from account-tiers; give no \"*\" entry");
                }
                defaults = limits;
                continue;
            }
            String status = in.string(extra.get("status"), path + ".status");
            models.put(e.getKey(), new BuiltInProvider.ModelInfo(e.getKey(), limits,
                    status == null ? ModelStatus.CURRENT : ModelStatus.parse(status),
                    date(in, extra.get("since"), path + ".since"), in.string(extra.get("note"), path + ".note"),
                    in.string(extra.get("counts-as"), path + ".counts-as")));
        }
        for (BuiltInProvider.ModelInfo m : models.values()) {
            // a model the provider routes to another counts against that one's quota: the other must be
            // a model of this table that is not routed on itself
            if (m.countsAs() == null) continue;
            BuiltInProvider.ModelInfo target = models.get(m.countsAs());
            String path = "models." + m.id() + ".counts-as";
            if (!m.limits().isEmpty()) in.problem(top.get("models"), "models." + m.id() + ": a model that counts as another "
                    + "has that one's limits; give it none of its own");
            if (target == null) in.problem(top.get("models"), path + ": '" + m.countsAs() + "' is not a model of this table");
            else if (target.countsAs() != null || target.id().equals(m.id())) {
                in.problem(top.get("models"), path + ": '" + m.countsAs() + "' must count as itself (routes are one step)");
            }
        }
        BuiltInProvider.AccountTiers tiers = accountTiers(in, top.get("account-tiers"));
        in.problems().throwIfAny();
        BuiltInProvider table = new BuiltInProvider(name, asOf, in.string(top.get("source"), "source").trim(), URI.create(baseUrl),
                top.containsKey("default-model") ? in.requiredText(top.get("default-model"), "default-model") : null,
                strategy == null ? Strategy.PER_MODEL : Strategy.parse(strategy),
                reset == null ? DailyReset.sliding() : DailyReset.parse(reset),
                in.string(top.get("key-prefix"), "key-prefix"), Boolean.TRUE.equals(allowUnknown), defaults, models,
                in.string(top.get("shared-budget-suffix"), "shared-budget-suffix"), tiers, null);
        return tiers == null ? table : table.withTier(tiers.defaultTier());
    }

    /**
     * {@code account-tiers: { variable: COHERE_TIER, default: free, tiers: { free: {rpm: 20, …}, … } }}:
     * limits by the account's plan, which the variable selects; null when absent.
     */
    private static BuiltInProvider.AccountTiers accountTiers(YamlReader in, Node node) {
        if (node == null) return null;
        Map<String, Node> at = in.mapping(node, "account-tiers", ACCOUNT_TIERS);
        for (String required : ACCOUNT_TIERS) {
            if (!at.containsKey(required)) in.problem(node, "account-tiers: missing '" + required + "'");
        }
        String variable = in.requiredText(at.get("variable"), "account-tiers.variable");
        String def = in.requiredText(at.get("default"), "account-tiers.default");
        Map<String, PartialLimits> tiers = new LinkedHashMap<>();
        for (Map.Entry<String, Node> e : in.mapping(at.get("tiers"), "account-tiers.tiers", null).entrySet()) {
            String path = "account-tiers.tiers." + e.getKey();
            if (!e.getKey().equals(e.getKey().toLowerCase(java.util.Locale.ROOT))) {
                in.problem(e.getValue(), path + ": tier names are lower case (the variable is matched ignoring case)");
            }
            tiers.put(e.getKey(), in.limits(e.getValue(), path));
        }
        if (tiers.isEmpty()) in.problem(node, "account-tiers.tiers: at least one tier");
        if (def != null && !tiers.isEmpty() && !tiers.containsKey(def)) {
            in.problem(node, "account-tiers.default: '" + def + "' is not one of the tiers (" + String.join(", ", tiers.keySet()) + ")");
        }
        if (variable == null || def == null || tiers.isEmpty() || !tiers.containsKey(def)) return null;
        return new BuiltInProvider.AccountTiers(variable, def, tiers);
    }

    private static LocalDate date(YamlReader in, Node node, String path) {
        String s = in.string(node, path);
        if (s == null) return null;
        try {
            return LocalDate.parse(s.trim());
        } catch (DateTimeParseException e) {
            in.problem(node, path + " must be a date (2026-08-08), was '" + s + "'");
            return null;
        }
    }
}
