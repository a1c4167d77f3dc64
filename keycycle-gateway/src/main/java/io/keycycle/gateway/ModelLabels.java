package io.keycycle.gateway;

import io.keycycle.Keycycle;
import io.keycycle.core.config.ModelRef;
import io.keycycle.core.config.TierConfig;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Model names as metric labels and keys of the in-memory history. A model the catalog or a tier lists
 * keeps its name; with {@code allow-unknown-models: true} any other name is the client's to choose,
 * and each would be a Prometheus series and 24 hours of per-minute counters (about 92 KB) kept for
 * ever. So each provider's first {@value #MAX_UNLISTED} unlisted names keep theirs and later ones
 * are counted together as {@value #OTHER}.
 */
final class ModelLabels {

    static final int MAX_UNLISTED = 50;
    static final String OTHER = "other";

    private final Function<String, Set<String>> listedOf;
    private final Map<String, Set<String>> listed = new ConcurrentHashMap<>();
    private final Map<String, Set<String>> unlisted = new ConcurrentHashMap<>();

    /** @param listedOf the models listed for a provider (read once per provider) */
    ModelLabels(Function<String, Set<String>> listedOf) { this.listedOf = listedOf; }

    /** Every model of the keycycle's catalog and tiers is listed. */
    static ModelLabels of(Keycycle keycycle) {
        return new ModelLabels(provider -> {
            Set<String> s = new HashSet<>();
            try {
                s.addAll(keycycle.catalog().provider(provider).models().keySet());
            } catch (RuntimeException unknownProvider) {
                // no catalog entry: every model is unlisted
            }
            for (TierConfig t : keycycle.tiers().values()) {
                for (ModelRef m : t.models()) if (m.provider().equals(provider)) s.add(m.model());
            }
            return Set.copyOf(s);
        });
    }

    /** The label of {@code model} of {@code provider}: the name itself, or {@link #OTHER}. */
    String of(String provider, String model) {
        if (model == null || listed.computeIfAbsent(provider, listedOf).contains(model)) return model;
        Set<String> seen = unlisted.computeIfAbsent(provider, p -> ConcurrentHashMap.newKeySet());
        if (seen.contains(model)) return model;
        synchronized (seen) {
            if (seen.contains(model)) return model;
            if (seen.size() >= MAX_UNLISTED) return OTHER;
            seen.add(model);
            return model;
        }
    }
}
