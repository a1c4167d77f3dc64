package io.keycycle.cli;

import io.keycycle.Keycycle;
import io.keycycle.core.EngineClock;
import io.keycycle.core.config.Catalog;
import io.keycycle.core.config.DotEnv;
import io.keycycle.core.config.KeyLoader;
import io.keycycle.core.config.KeycycleConfig;
import io.keycycle.core.config.LoadedKeys;
import io.keycycle.store.DatabaseUrl;
import io.keycycle.store.KeycycleStore;
import io.keycycle.store.Retention;
import io.keycycle.store.StoreConfig;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.locks.LockSupport;

/**
 * Turns the shared options and the environment into what commands work with: configuration,
 * catalog, keys, a store and a {@link Keycycle}. Each value is built once, on first use, so a
 * command that never touches the database never opens it.
 *
 * <p>Precedence: an option beats the environment, which beats the configuration file, which beats
 * the built-in default ({@code ./.env}, {@code ./keycycle.yaml}, {@code ./keycycle.db}, all in the
 * working directory).
 */
final class KeycycleFactory {

    /** {@code --db none} / {@code KEYCYCLE_DB_URL=none}: no database. */
    static final String NO_DATABASE = "none";

    private final CliEnvironment environment;
    private final CommonOptions options;
    private KeycycleConfig config;
    private Catalog catalog;
    private LoadedKeys keys;
    private Map<String, String> vars;

    KeycycleFactory(CliEnvironment environment, CommonOptions options) {
        this.environment = Objects.requireNonNull(environment, "environment");
        this.options = Objects.requireNonNull(options, "options");
    }

    CliEnvironment environment() { return environment; }

    /**
     * The variables Keycycle reads: the environment laid over the {@code .env} file (the real
     * environment wins), as the Python library's users keep {@code TIDB_DB_URL} and the like there.
     */
    Map<String, String> env() {
        if (vars == null) {
            Path file = envFile();
            vars = file == null ? environment.env() : DotEnv.read(file).under(environment.env());
        }
        return vars;
    }

    /** A variable of {@link #env()}, or null when unset or blank. */
    String get(String name) {
        String v = env().get(name);
        return v == null || v.isBlank() ? null : v.trim();
    }

    Clock clock() { return environment.clock(); }

    /** The {@code .env} file to read, or null: {@code --env-file}, else {@code ./.env} when it exists. */
    Path envFile() {
        if (options.envFile != null) return environment.workDir().resolve(options.envFile);
        Path dot = environment.workDir().resolve(".env");
        return Files.isRegularFile(dot) ? dot : null;
    }

    /** The configuration file to read, or null: {@code --config}, {@code $KEYCYCLE_CONFIG}, else {@code ./keycycle.yaml} when it exists. */
    Path configFile() {
        if (options.config != null) return environment.workDir().resolve(options.config);
        String fromEnv = get("KEYCYCLE_CONFIG");
        if (fromEnv != null) return environment.workDir().resolve(fromEnv);
        Path yaml = environment.workDir().resolve("keycycle.yaml");
        return Files.isRegularFile(yaml) ? yaml : null;
    }

    /** The configuration file parsed ({@code ${VAR}} read from the environment), or every default without one. */
    KeycycleConfig config() {
        if (config == null) {
            Path file = configFile();
            config = file == null ? KeycycleConfig.empty() : KeycycleConfig.load(file, env());
        }
        return config;
    }

    /**
     * Built-in tables with the configuration laid over them and the account tiers the variables
     * select ({@code COHERE_TIER}); endpoints of {@code <P>_BASE_URL} not applied.
     */
    Catalog catalog() {
        if (catalog == null) catalog = Catalog.load(config(), env());
        return catalog;
    }

    /** Keys from the environment over the {@code .env} file, with the loading report. Never throws for a bad set-up. */
    LoadedKeys keys() {
        if (keys == null) {
            Path file = envFile();
            KeyLoader loader = new KeyLoader(catalog());
            keys = file == null ? loader.load(env()) : loader.load(env(), file);
        }
        return keys;
    }

    /** The catalog with the endpoints of {@code <P>_BASE_URL} applied. */
    Catalog catalogWithEndpoints() { return catalog().withBaseUrls(keys().baseUrls()); }

    /**
     * The database URL as given, or null for "no database": {@code --db}, {@code $KEYCYCLE_DB_URL},
     * {@code $TIDB_DB_URL}, {@code database.url} of the file, else {@code keycycle.db} in the working directory.
     * A {@code --db} without a URL scheme is a SQLite file path ({@code --db demo.db}).
     */
    String databaseUrl() {
        String url = options.db != null && !options.db.isBlank() ? options.db.trim() : null;
        if (url != null && !url.equalsIgnoreCase(NO_DATABASE) && !url.matches("^[A-Za-z][A-Za-z0-9+.-]*:.*")) {
            url = "jdbc:sqlite:" + environment.workDir().resolve(url).toAbsolutePath().normalize();
        }
        if (url == null) url = get("KEYCYCLE_DB_URL");
        if (url == null) url = get("TIDB_DB_URL");
        if (url == null && config().database().url() != null && !config().database().url().isBlank()) {
            url = config().database().url().trim();
        }
        if (url == null) url = "jdbc:sqlite:" + environment.workDir().resolve("keycycle.db");
        return url.equalsIgnoreCase(NO_DATABASE) ? null : url;
    }

    /**
     * Opens the store, creating the database (and migrating its schema) as needed; null when the
     * database is turned off. The caller closes it.
     */
    KeycycleStore openStore() {
        String url = databaseUrl();
        return url == null ? null : KeycycleStore.open(storeConfig(DatabaseUrl.parse(url)));
    }

    /**
     * Opens a store that must already hold data: a SQLite file that does not exist is a
     * {@link CliFailure} rather than a new empty database.
     */
    KeycycleStore openExistingStore() {
        String url = databaseUrl();
        if (url == null) {
            throw new CliFailure("this command reads the database, which is turned off (--db none or KEYCYCLE_DB_URL=none); "
                    + "pass --db URL");
        }
        DatabaseUrl parsed = DatabaseUrl.parse(url);
        if (parsed.kind() == DatabaseUrl.Kind.SQLITE && !Files.exists(parsed.sqliteFile())) {
            throw new CliFailure("no database at " + parsed.sqliteFile().toAbsolutePath() + "; usage is recorded there by "
                    + "`keycycle chat`, `keycycle serve` or an application using Keycycle. Pass --db URL or set "
                    + "KEYCYCLE_DB_URL to read another database.");
        }
        return KeycycleStore.open(storeConfig(parsed));
    }

    private StoreConfig storeConfig(DatabaseUrl url) {
        StoreConfig.Builder b = StoreConfig.builder(url).shutdownHook(false).clock(engineClock(clock()))
                .retention(Retention.fromEnv(env(), Retention.DEFAULT));
        String journal = get("KEYCYCLE_JOURNAL_DIR");
        if (journal != null) b.journalDir(environment.workDir().resolve(journal));
        b.journalFsync(StoreConfig.journalFsync(env()));
        return b.build();
    }

    /**
     * A {@link Keycycle} over the keys and configuration, persisting to {@code store} (null: none).
     * No shutdown hook: the command closes it. Throws {@link io.keycycle.core.ConfigurationException}
     * when the key set-up has errors.
     */
    Keycycle keycycle(KeycycleStore store) { return keycycle(store, null); }

    /**
     * Like {@link #keycycle(KeycycleStore)}, sharing the pool through {@code redisUrl} when given
     * (else {@code KEYCYCLE_REDIS_URL}, else {@code cluster.redis-url} of the file decide).
     */
    Keycycle keycycle(KeycycleStore store, String redisUrl) { return keycycle(store, redisUrl, null); }

    /** Like {@link #keycycle(KeycycleStore, String)}, with {@code requestTimeout} (when given) over {@code calls.request-timeout}. */
    Keycycle keycycle(KeycycleStore store, String redisUrl, java.time.Duration requestTimeout) {
        Keycycle.Builder b = Keycycle.builder().env(env()).config(config()).persistence(store).shutdownHook(false)
                .keyProbes(io.keycycle.core.learn.ProbeSchedule.DEFAULT);   // disabled keys come back when healthy
        if (redisUrl != null) b.redis(redisUrl);
        if (requestTimeout != null) b.requestTimeout(requestTimeout);
        Path file = envFile();
        if (file != null) b.dotEnv(file);
        return b.build();
    }

    /**
     * As {@link #keycycle(KeycycleStore)}, on this command's clock: for reports that restore the
     * engine's counters from the database and read them "now" (forecasts, the capacity plan).
     */
    Keycycle keycycleOnClock(KeycycleStore store) {
        Keycycle.Builder b = Keycycle.builder().env(env()).config(config()).persistence(store).shutdownHook(false)
                .clock(engineClock(clock()));
        Path file = envFile();
        if (file != null) b.dotEnv(file);
        return b.build();
    }

    /** Reads {@code clock}; waits (unused by the store) park the thread. */
    static EngineClock engineClock(Clock clock) {
        return new EngineClock() {
            @Override public long millis() { return clock.millis(); }

            @Override public void parkUntil(long deadlineMillis) {
                long ms = deadlineMillis - clock.millis();
                if (ms > 0) LockSupport.parkNanos(ms * 1_000_000L);
            }

            @Override public void wake(Thread thread) { LockSupport.unpark(thread); }
        };
    }
}
