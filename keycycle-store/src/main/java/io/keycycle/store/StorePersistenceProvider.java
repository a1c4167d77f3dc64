package io.keycycle.store;

import io.keycycle.core.Persistence;
import io.keycycle.core.PersistenceProvider;
import io.keycycle.core.config.KeycycleConfig;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Lets {@code Keycycle.fromEnv()} open the store found on the class path: {@code KEYCYCLE_DB_URL},
 * else {@code TIDB_DB_URL}, else the file's {@code database.url}, else {@code ./keycycle.db}.
 * {@code KEYCYCLE_DB_URL=none} turns persistence off.
 */
public final class StorePersistenceProvider implements PersistenceProvider {

    @Override
    public Optional<Persistence> open(Map<String, String> env, KeycycleConfig config) {
        String explicit = env.get("KEYCYCLE_DB_URL");
        if (explicit != null && explicit.trim().equalsIgnoreCase("none")) return Optional.empty();
        Map<String, String> e = new HashMap<>(env);
        boolean fromEnv = (explicit != null && !explicit.isBlank()) || (env.get("TIDB_DB_URL") != null && !env.get("TIDB_DB_URL").isBlank());
        if (!fromEnv && config.database() != null && config.database().url() != null) e.put("KEYCYCLE_DB_URL", config.database().url());
        return Optional.of(KeycycleStore.open(StoreConfig.fromEnv(e)));
    }
}
