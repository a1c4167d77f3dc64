package io.keycycle.core;

/**
 * Resolves the limits of a (key, model). Resolution order: per-key override, per-key-tier
 * override, user file per model, built-in table per model, provider default, global default.
 * Throws {@link ConfigurationException} for an unknown model unless the provider allows them.
 */
@FunctionalInterface
public interface LimitResolver {
    ResolvedLimits resolve(ApiKey key, String model);

    /**
     * The key tier {@code key} belongs to ({@code keys.<k>.tier} or a tier's {@code scopes}), or null
     * when it belongs to none. Keys of one tier share what a provider decides per billing tier: an
     * answer that the tier has no quota for a model holds for all of them, and for no other key.
     */
    default String keyTier(ApiKey key) { return null; }
}
