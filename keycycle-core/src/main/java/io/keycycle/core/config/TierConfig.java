package io.keycycle.core.config;

import java.util.List;
import java.util.Objects;

/**
 * A named, ordered list of provider/model candidates ({@code tiers.fast: [cerebras/gpt-oss-120b, …]}):
 * a request for the tier tries them in order, falling back when one cannot serve.
 */
public record TierConfig(String name, List<ModelRef> models) {
    public TierConfig {
        Objects.requireNonNull(name, "name");
        models = List.copyOf(models);
    }
}
