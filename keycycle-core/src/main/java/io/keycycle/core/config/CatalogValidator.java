package io.keycycle.core.config;

import java.util.HashMap;
import java.util.Map;

/** The cross-checks of a user file against the catalog it is laid over. */
final class CatalogValidator {

    private final Catalog catalog;
    private final Problems problems;

    CatalogValidator(Catalog catalog, Problems problems) {
        this.catalog = catalog;
        this.problems = problems;
    }

    void validate() {
        for (ProviderResolver r : catalog.entries().values()) provider(r);
        for (TierConfig tier : catalog.config().tiers().values()) {
            for (int i = 0; i < tier.models().size(); i++) {
                ModelRef ref = tier.models().get(i);
                String path = "tiers." + tier.name() + "[" + i + "]";
                if (!catalog.has(ref.provider())) {
                    problems.add(0, path + ": unknown provider '" + ref.provider() + "' in '" + ref + "'; known: "
                            + String.join(", ", catalog.providerNames()));
                } else {
                    model(catalog.entry(ref.provider()), ref.model(), path);
                }
            }
        }
        problems.throwIfAny();
    }

    private void provider(ProviderResolver r) {
        ProviderConfig user = r.user();
        String p = "providers." + r.name();
        if (r.defaultModel() != null && user.defaultModel() != null) model(r, r.defaultModel(), p + ".default-model");
        Map<String, String> scopeOwner = new HashMap<>();
        for (KeyTierConfig t : user.keyTiers().values()) {
            String at = p + ".key-tiers." + t.name();
            for (String m : t.models().keySet()) model(r, m, at + ".models." + m);
            for (String scope : t.scopes()) {
                String other = scopeOwner.putIfAbsent(scope, t.name());
                if (other != null) {
                    problems.add(0, at + ".scopes: scope '" + scope + "' is already in key tier '" + other + "'");
                }
            }
        }
        for (KeyConfig k : user.keys().values()) {
            String at = p + ".keys." + k.selector();
            for (String m : k.models().keySet()) model(r, m, at + ".models." + m);
            if (k.tier() != null && !user.keyTiers().containsKey(k.tier())) {
                problems.add(0, at + ".tier: no key tier '" + k.tier() + "' under " + p + ".key-tiers"
                        + (user.keyTiers().isEmpty() ? "" : " (defined: " + String.join(", ", user.keyTiers().keySet()) + ")"));
            }
        }
    }

    private void model(ProviderResolver r, String model, String path) {
        if (!r.accepts(model)) problems.add(0, path + ": " + r.unknownModel(model).getMessage());
    }
}
