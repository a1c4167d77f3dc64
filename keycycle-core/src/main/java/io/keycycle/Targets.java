package io.keycycle;

import io.keycycle.core.ConfigurationException;
import io.keycycle.core.ProviderSpec;
import io.keycycle.core.config.Catalog;
import io.keycycle.core.config.KeycycleConfig;
import io.keycycle.core.config.ModelDescription;
import io.keycycle.core.config.ModelRef;
import io.keycycle.core.config.TierConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

/**
 * Routing: what a target names, as the ordered candidates to try. A target is a tier from the
 * configuration (its list), {@code provider/model}, a provider (its default model), or a bare
 * model exactly one provider with keys serves. {@link #validate} checks at start-up that every
 * tier names known providers and models and warns about candidates without keys.
 */
final class Targets {

    private static final Logger log = LoggerFactory.getLogger(Targets.class);

    private final Catalog catalog;
    private final KeycycleConfig config;
    /** Providers that have keys, in configuration order. */
    private final Collection<String> served;

    Targets(Catalog catalog, KeycycleConfig config, Collection<String> providersWithKeys) {
        this.catalog = catalog;
        this.config = config;
        this.served = providersWithKeys;
    }

    /**
     * The ordered candidates of a target.
     *
     * @throws ConfigurationException the target names nothing known, or a bare model more than one provider serves
     */
    List<ModelRef> route(String target) {
        if (target == null || target.isBlank()) throw new ConfigurationException("no model or tier given");
        String t = target.trim();
        TierConfig tier = config.tiers().get(t);
        if (tier != null) return tier.models();
        int slash = t.indexOf('/');
        if (slash > 0) {
            String provider = t.substring(0, slash).toLowerCase(Locale.ROOT);
            if (served.contains(provider)) return List.of(ModelRef.parse(t));
            // a known provider without keys only when no provider with keys lists the whole name:
            // Groq's "openai/gpt-oss-120b" stays Groq's although openai is a built-in provider
            if (catalog.has(provider) && listedBy(t).isEmpty()) return List.of(ModelRef.parse(t));
        }
        String lower = t.toLowerCase(Locale.ROOT);
        if (served.contains(lower)) {
            ProviderSpec spec = catalog.provider(lower);
            if (spec.defaultModel() == null) throw new ConfigurationException("provider " + lower + " has no default model; use " + lower + "/<model>");
            return List.of(new ModelRef(lower, spec.defaultModel()));
        }
        List<ModelRef> servers = listedBy(t);
        if (servers.size() == 1) return servers;
        if (servers.size() > 1) {
            throw new ConfigurationException("model '" + t + "' is served by " + servers.stream().map(ModelRef::provider).toList()
                    + "; say which: " + servers.stream().map(ModelRef::toString).toList());
        }
        throw new ConfigurationException("unknown model or tier '" + t + "': use provider/model (providers with keys: "
                + String.join(", ", served) + ") or a tier (" + String.join(", ", config.tiers().keySet()) + ")");
    }

    /** {@code model} at each provider with keys whose table or file lists it. */
    private List<ModelRef> listedBy(String model) {
        List<ModelRef> servers = new ArrayList<>();
        for (String p : served) {
            if (catalog.provider(p).models().containsKey(model)) servers.add(new ModelRef(p, model));
        }
        return servers;
    }

    /** The candidates of a call: the target's, then those of the tier it escalates to. */
    List<ModelRef> candidates(String target, CallSpec spec) {
        List<ModelRef> candidates = new ArrayList<>(route(target));
        if (spec.escalateTo() != null) {
            TierConfig up = config.tiers().get(spec.escalateTo());
            if (up == null) throw new ConfigurationException("unknown tier '" + spec.escalateTo() + "' to escalate to; tiers: " + config.tiers().keySet());
            for (ModelRef m : up.models()) if (!candidates.contains(m)) candidates.add(m);
        }
        return candidates;
    }

    /** Start-up checks: default models described, tiers name known providers and models. */
    void validate() {
        for (String p : served) {
            ProviderSpec spec = catalog.provider(p);
            if (spec.defaultModel() != null) describeOrWarn(p, spec.defaultModel());
        }
        for (TierConfig t : config.tiers().values()) {
            for (ModelRef m : t.models()) {
                if (!catalog.has(m.provider())) {
                    throw new ConfigurationException("tier '" + t.name() + "' names unknown provider '" + m.provider() + "'");
                }
                catalog.describe(m.provider(), m.model()); // unknown model: ConfigurationException unless allowed
                if (!served.contains(m.provider())) {
                    log.warn("tier '{}' candidate {} has no keys; it will be skipped", t.name(), m);
                }
            }
        }
    }

    private void describeOrWarn(String provider, String model) {
        ModelDescription d = catalog.describe(provider, model);
        if (d.hasNoQuota()) log.warn("default model {}/{} has no quota ({}); calls to it will be refused", provider, model, d.limits().limits());
    }
}
