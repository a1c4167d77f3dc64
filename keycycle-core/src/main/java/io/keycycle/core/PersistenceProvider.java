package io.keycycle.core;

import io.keycycle.core.config.KeycycleConfig;

import java.util.Map;
import java.util.Optional;

/**
 * Found with {@link java.util.ServiceLoader}: lets {@code Keycycle.fromEnv()} open the store when
 * {@code keycycle-store} is on the class path, without core depending on it.
 */
public interface PersistenceProvider {

    /**
     * Opens persistence for this environment and configuration (e.g. {@code KEYCYCLE_DB_URL},
     * {@code TIDB_DB_URL}, {@code database.url}, else the embedded default), or empty when the
     * provider chooses not to (e.g. {@code KEYCYCLE_DB_URL=none}).
     */
    Optional<Persistence> open(Map<String, String> env, KeycycleConfig config);
}
