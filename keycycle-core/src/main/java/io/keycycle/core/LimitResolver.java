package io.keycycle.core;

/**
 * Resolves the limits of a (key, model). Resolution order: per-key override, per-key-tier
 * override, user file per model, built-in table per model, provider default, global default.
 * Throws {@link ConfigurationException} for an unknown model unless the provider allows them.
 */
@FunctionalInterface
public interface LimitResolver {
    ResolvedLimits resolve(ApiKey key, String model);
}
