package io.keycycle.store;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.keycycle.core.ApiKey;
import io.keycycle.core.EngineRestorer;
import io.keycycle.core.KeycycleEvent;
import io.keycycle.core.KeycycleListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Usage and key-state persistence: the store's front door.
 *
 * <pre>{@code
 * KeycycleStore store = KeycycleStore.open(StoreConfig.fromEnv(System.getenv()));
 * store.hydrate(pool, Instant.now());   // before serving
 * engine.addListener(store);            // usage and states flow in from here on
 * }</pre>
 *
 * <p>{@link #onEvent} never waits for the database: events go to a bounded queue and one writer
 * thread commits them in batches; when the queue is full or the database is unreachable they go
 * to a local journal and are replayed, in order and exactly once, when it is back (see the
 * module README). {@link #close()} drains for {@link StoreConfig#closeTimeout()} and leaves the
 * rest in the journal for the next start; a JVM shutdown hook calls it unless
 * {@link StoreConfig#shutdownHook()} is off or {@link #removeShutdownHook()} was called.
 *
 * <p>Everything but {@code onEvent}, {@code health} and {@code close} talks to the database
 * synchronously and throws {@link StoreException} on failure.
 */
public final class KeycycleStore implements KeycycleListener, AutoCloseable, io.keycycle.core.Persistence {

    private static final Logger LOG = LoggerFactory.getLogger(KeycycleStore.class);

    private final StoreConfig config;
    private final HikariDataSource dataSource;
    private final Dialect dialect;
    private final Journal journal;
    private final AsyncWriter writer;
    private final BatchWriter batchWriter;
    private final Pruner pruner;
    /** SQLite: checkpoints the WAL off the writer's thread; null for the MySQL family. */
    private final Checkpointer checkpointer;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile Thread shutdownHook;
    private final LearnedLimits learnedLimits;
    /** Learned limits are rare and small: written one by one, off the engine's threads. */
    private final java.util.concurrent.ExecutorService learnedWriter = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "keycycle-store-learned-limits");
        t.setDaemon(true);
        return t;
    });

    private KeycycleStore(StoreConfig config, HikariDataSource dataSource, Dialect dialect, Journal journal, int nonce) {
        this.config = config;
        this.dataSource = dataSource;
        this.dialect = dialect;
        this.journal = journal;
        this.checkpointer = dialect == Dialect.SQLITE ? new Checkpointer(config.url().jdbcUrl(), config.url().redacted()) : null;
        this.batchWriter = new BatchWriter(dataSource, dialect, checkpointer);
        this.writer = new AsyncWriter(config, batchWriter, journal, config.url().redacted(), nonce);
        this.learnedLimits = new LearnedLimits(dataSource);
        this.pruner = new Pruner(dataSource, dialect, config.retention(), config.clock(), config.url().redacted(),
                checkpointer == null ? () -> { } : checkpointer::nudge);
    }

    /** Opens the database at {@code url} (any form {@link DatabaseUrl#parse} accepts) with default settings. */
    public static KeycycleStore open(String url) { return open(StoreConfig.builder(url).build()); }

    /**
     * Connects, migrates (or verifies, with {@code autoMigrate(false)}) the schema, opens the journal
     * and starts the writer. Events left in the journal by a previous run are replayed first.
     *
     * @throws StoreException if the database cannot be reached or its schema is missing or old
     */
    public static KeycycleStore open(StoreConfig config) {
        Objects.requireNonNull(config, "config");
        DatabaseUrl url = config.url();
        int nonce = new SecureRandom().nextInt();
        Path journalDir = config.journalDir() != null ? config.journalDir() : defaultJournalDir(url);
        HikariDataSource ds = null;
        Journal journal = null;
        try {
            ds = new HikariDataSource(poolConfig(config, journalDir));
            Dialect dialect;
            try (Connection c = ds.getConnection()) {
                dialect = detect(c, url);
                if (config.autoMigrate()) {
                    int applied = Schema.migrate(c, dialect, System.currentTimeMillis());
                    if (applied > 0) LOG.info("store {}: applied {} schema migration(s), now at version {}", url.redacted(), applied, Schema.LATEST);
                } else {
                    int v = Schema.currentVersion(c);
                    if (v < Schema.LATEST) {
                        throw new StoreException("database " + url.redacted() + " has schema version "
                                + (v < 0 ? "none (keycycle_schema_version is missing)" : v) + " but this build needs "
                                + Schema.LATEST + "; open it once with autoMigrate(true) or run `keycycle migrate`");
                    }
                }
            }
            journal = new Journal(journalDir, journalMapper(), nonce, databaseIdentity(url));
            KeycycleStore store = new KeycycleStore(config, ds, dialect, journal, nonce);
            if (store.checkpointer != null) store.checkpointer.start();
            store.writer.start();
            store.pruner.start();
            if (config.shutdownHook()) {
                Thread hook = new Thread(store::close, "keycycle-store-shutdown");
                store.shutdownHook = hook;
                Runtime.getRuntime().addShutdownHook(hook);
            }
            LOG.info("store open: {} ({}), journal {}", url.redacted(), dialect, journal.dir());
            return store;
        } catch (SQLException e) {
            closeQuietly(ds, journal);
            throw new StoreException("cannot open database " + url.redacted() + ": " + sqlMessage(e), e);
        } catch (IOException e) {
            closeQuietly(ds, journal);
            throw new StoreException("cannot open the journal in " + journalDir + " for " + url.redacted() + ": " + e, e);
        } catch (RuntimeException e) {
            closeQuietly(ds, journal);
            throw e;
        }
    }

    /** Never blocks on the database and never throws; see the class comment. */
    @Override
    public void onEvent(KeycycleEvent event) {
        if (event instanceof KeycycleEvent.LimitLearned l) {
            saveLearned(l);
            return;
        }
        if (event != null) writer.offer(event);
    }

    private void saveLearned(KeycycleEvent.LimitLearned l) {
        if (closed.get()) return;
        try {
            learnedWriter.execute(() -> {
                try {
                    learnedLimits.save(l);
                } catch (SQLException | RuntimeException e) {
                    LOG.warn("store {}: could not keep the limit learned for {}/{} {} ({}); it is relearned after a restart",
                            config.url().redacted(), l.provider(), l.model(), l.metric().key(), e.toString());
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException closing) {
            // closing: the limit is relearned after a restart
        }
    }

    /**
     * The limits learned from the providers and kept in {@code keycycle_learned_limit} (for
     * {@code keycycle status} and {@code check}), oldest first.
     */
    public List<KeycycleEvent.LimitLearned> learnedLimits() {
        try {
            return learnedLimits.all();
        } catch (SQLException e) {
            throw failure("read learned limits", e);
        }
    }

    /**
     * Waits until every event passed to {@link #onEvent} before this call is in the database.
     * Returns false if that did not happen within {@code timeout} (e.g. the database is down).
     */
    public boolean flush(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        if (!closed.get()) {
            try {
                learnedWriter.submit(() -> { }).get(Math.max(1, timeout.toMillis()), java.util.concurrent.TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.RejectedExecutionException e) {
                // closing: nothing more to wait for
            }
        }
        return writer.flush(Math.max(0, (deadline - System.nanoTime()) / 1_000_000));
    }

    /** Writer state, without touching the database. */
    public StoreHealth health() { return writer.health(closed.get()); }

    /**
     * What the SQLite store's WAL checkpointer has done so far, or null for the MySQL family (which
     * has no such thread). Reads a few counters; never touches the database.
     */
    public WalCheckpoints walCheckpoints() { return checkpointer == null ? null : checkpointer.snapshot(); }

    /**
     * True while the store can take no more work safely: neither the write-ahead log nor the journal
     * can be written (disk full, directory unwritable), the database takes nothing, and half of
     * {@link StoreConfig#overflowCapacity()} events wait in memory. Callers should refuse new calls
     * until it clears (the gateway answers 503 with {@code Retry-After}); events of calls already
     * under way are still kept. One volatile read.
     */
    public boolean full() { return writer.full(); }

    /** True if a connection can be had and answers within two seconds. Never throws. */
    public boolean ping() {
        if (closed.get()) return false;
        try (Connection c = dataSource.getConnection()) {
            return c.isValid(2);
        } catch (SQLException | RuntimeException e) {
            return false;
        }
    }

    /**
     * Replays the last 24 hours of usage (per minute, in time order, conservatively placed at the
     * end of each minute) and every live state (cooldowns and parkings that end after {@code now},
     * disabled keys and scopes, unavailable models) into {@code restorer}. Call it once, before the
     * engine serves and before this store is registered as its listener. Events a previous run left
     * in the journal (write-ahead files of a crashed process included) are written to the database
     * first, waiting up to {@link #HYDRATE_REPLAY_WAIT}, so they are counted too.
     */
    /** {@link io.keycycle.core.Persistence}: the same as {@link #hydrate}. */
    @Override
    public void restore(EngineRestorer restorer, Instant now) { hydrate(restorer, now); }

    public HydrationSummary hydrate(EngineRestorer restorer, Instant now) {
        Objects.requireNonNull(restorer, "restorer");
        Objects.requireNonNull(now, "now");
        try {
            awaitLeftovers();
            HydrationSummary s = new Hydrator(dataSource, dialect).hydrate(restorer, now);
            int learned = learnedLimits.restore(restorer);
            if (learned > 0) LOG.info("store {}: restored {} limit(s) learned from the providers", config.url().redacted(), learned);
            LOG.info("store {}: hydrated {} usage records ({} requests) and {} states in {} ms", config.url().redacted(),
                    s.usageRecords(), s.requests(), s.states(), s.took().toMillis());
            return s;
        } catch (SQLException e) {
            throw failure("hydrate", e);
        }
    }

    /**
     * Hydration reads the database; events a previous run left in write-ahead or journal files
     * (a crash, a close while the database took nothing) are written by the writer thread after
     * {@code open}. Waits for them first, so their usage and states are in the engine's windows
     * (until 2026-12-04 hydration read the database at once and they were never counted). The
     * database must answer; the wait is bounded by {@link #HYDRATE_REPLAY_WAIT}, after which the
     * events not yet written are named in a warning.
     */
    private void awaitLeftovers() throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            // reachable: otherwise hydration fails now instead of after the wait
        }
        if (writer.flush(HYDRATE_REPLAY_WAIT.toMillis())) return;
        LOG.warn("store {}: hydrating although {} events left in the journal {} are not written yet after {} s; "
                        + "their usage is not in the engine's windows", config.url().redacted(), writer.health(false).journalEvents(),
                journal.dir(), HYDRATE_REPLAY_WAIT.toSeconds());
    }

    /** How long {@link #hydrate} waits for the events a previous run left in the journal to be written. */
    static final Duration HYDRATE_REPLAY_WAIT = Duration.ofSeconds(60);

    /**
     * Deletes usage rows and per-minute aggregates older than {@code olderThan} (by the record's {@code ts}, mostly the
     * settlement instant, against the configured clock), and finished states not updated since. The per-minute aggregate
     * of the last 24 hours stays even when {@code olderThan} is shorter: hydration reads it. Deletes
     * in chunks so each statement stays small (TiDB). Returns the number of usage rows deleted.
     */
    public long prune(Duration olderThan) {
        if (olderThan == null || olderThan.isNegative() || olderThan.isZero()) {
            throw new IllegalArgumentException("prune olderThan must be > 0, was " + olderThan);
        }
        try {
            long now = config.clock().millis();
            return new UsageReports(dataSource, dialect).prune(now - olderThan.toMillis(), now);
        } catch (SQLException e) {
            throw failure("prune", e);
        }
    }

    /**
     * Applies the configured {@link Retention} now, on the calling thread, in the same small batches
     * as the background pruner (which runs every {@link Retention#every()} on its own).
     */
    public StorageInfo pruneNow() {
        try {
            pruner.run();
        } catch (SQLException e) {
            throw failure("apply the retention", e);
        }
        return storage();
    }

    /** The database size, the oldest raw usage row and the retention in force. */
    public StorageInfo storage() {
        try (Connection c = dataSource.getConnection()) {
            long bytes;
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(dialect.sizeQuery())) {
                bytes = rs.next() ? rs.getLong(1) : 0;
            }
            Instant oldest = null;
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT MIN(ts) FROM keycycle_usage")) {
                if (rs.next()) {
                    long v = rs.getLong(1);
                    if (!rs.wasNull()) oldest = Instant.ofEpochMilli(v);
                }
            }
            Pruner.Result last = pruner.last();
            return new StorageInfo(bytes, oldest, config.retention(), last == null ? null : last.at(),
                    last == null ? 0 : last.rawRows() + last.aggregateRows() + last.historyRows());
        } catch (SQLException e) {
            throw failure("read the database size", e);
        }
    }

    /** Calls and tokens per provider, model, outcome class and minute, for minutes starting in {@code [from, to)}. */
    public List<OutcomeMinute> outcomesPerMinute(Instant from, Instant to) {
        try {
            return new History(dataSource).outcomes(from, to);
        } catch (SQLException e) {
            throw failure("read the per-minute outcomes", e);
        }
    }

    /** Requests and tokens per key and model, for minutes starting in {@code [from, to)} (the per-key aggregate). */
    public List<KeyUsage> usagePerKey(Instant from, Instant to) {
        try {
            return new History(dataSource).keyUsage(from, to);
        } catch (SQLException e) {
            throw failure("read the per-key usage", e);
        }
    }

    /** Every recorded state change in {@code [from, to)}, oldest first. */
    public List<StateChange> stateHistory(Instant from, Instant to) {
        try {
            return new History(dataSource).states(from, to);
        } catch (SQLException e) {
            throw failure("read the key-state history", e);
        }
    }

    /** Calls that a later tier candidate served in {@code [from, to)}, counted per target, first candidate and server. */
    public List<FallbackCount> fallbacks(Instant from, Instant to) {
        try {
            return new History(dataSource).fallbacks(from, to);
        } catch (SQLException e) {
            throw failure("read the fallbacks", e);
        }
    }

    /** The retention in force. */
    public Retention retention() { return config.retention(); }

    /** Usage totals over the query's range, grouped as asked, ordered by the group columns. */
    public List<UsageRow> report(ReportQuery query) {
        try {
            return new UsageReports(dataSource, dialect).report(Objects.requireNonNull(query, "query"));
        } catch (SQLException e) {
            throw failure("report", e);
        }
    }

    /**
     * Imports the Python library's {@code usage_logs} table from {@code source}, attributing rows to
     * {@code keys} (per provider) by secret suffix. Idempotent. Written synchronously in batches
     * of 500, bypassing the event queue.
     */
    public LegacyImportResult importLegacy(DataSource source, Map<String, List<ApiKey>> keys) {
        try (Connection c = source.getConnection()) {
            return new LegacyImporter(batchWriter).run(c, keys);
        } catch (SQLException e) {
            throw failure("import legacy usage_logs", e);
        }
    }

    /** As {@link #importLegacy(DataSource, Map)}, from a database URL in any accepted form. */
    public LegacyImportResult importLegacy(String sourceUrl, Map<String, List<ApiKey>> keys) {
        DatabaseUrl src = DatabaseUrl.parse(sourceUrl);
        try (Connection c = DriverManager.getConnection(src.jdbcUrl(), src.user(), src.password())) {
            return new LegacyImporter(batchWriter).run(c, keys);
        } catch (SQLException e) {
            throw new StoreException("cannot import legacy usage_logs from " + src.redacted() + ": " + sqlMessage(e), e);
        }
    }

    /** The database location; its {@code toString()} is redacted. */
    public DatabaseUrl url() { return config.url(); }

    /** The directory this store journals to. */
    public Path journalDir() { return journal.dir(); }

    /** "SQLITE", "MYSQL" or "TIDB". */
    public String dialect() { return dialect.name(); }

    /** For hosts that manage shutdown themselves; they must then call {@link #close()}. */
    public void removeShutdownHook() {
        Thread hook = shutdownHook;
        shutdownHook = null;
        if (hook != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the JVM is already exiting; the hook runs anyway
            }
        }
    }

    /** {@link #close(Duration)} with the configured close timeout. */
    @Override
    public void close() { close(config.closeTimeout()); }

    /**
     * Drains queued and journaled events for up to {@code timeout}, then leaves what remains in the
     * journal for the next start and closes the pool. Events arriving after close go to the journal.
     */
    public void close(Duration timeout) {
        if (!closed.compareAndSet(false, true)) return;
        if (Thread.currentThread() != shutdownHook) removeShutdownHook();
        pruner.close();
        writer.stop(timeout.toMillis());
        learnedWriter.shutdown();
        try {
            learnedWriter.awaitTermination(Math.max(1, timeout.toMillis()), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (checkpointer != null) checkpointer.close(timeout.toMillis());
        StoreHealth h = writer.health(true);
        if (h.journalEvents() > 0) {
            LOG.warn("store {} closed with {} events in the journal {}; they are written at the next start",
                    config.url().redacted(), h.journalEvents(), journal.dir());
        }
        closeQuietly(dataSource, journal);
    }

    @Override public String toString() { return "KeycycleStore[" + config.url().redacted() + "]"; }

    /** SQLite's WAL checkpointer, or null for the MySQL family (for tests). */
    Checkpointer checkpointer() { return checkpointer; }

    /** The pool (for tests). */
    javax.sql.DataSource dataSource() { return dataSource; }

    // ---------------------------------------------------------------- setup

    static HikariConfig poolConfig(StoreConfig config, Path journalDir) throws IOException {
        DatabaseUrl url = config.url();
        HikariConfig h = new HikariConfig();
        h.setPoolName("keycycle-store");
        h.setJdbcUrl(url.jdbcUrl());
        if (url.user() != null) h.setUsername(url.user());
        if (url.password() != null) h.setPassword(url.password());
        h.setMaximumPoolSize(config.maxPoolSize());
        h.setMinimumIdle(1);
        // TiDB Serverless cuts idle connections after about five minutes: retire them well before.
        h.setMaxLifetime(Duration.ofMinutes(4).toMillis());
        h.setKeepaliveTime(Duration.ofMinutes(1).toMillis());
        h.setIdleTimeout(Duration.ofMinutes(2).toMillis());
        h.setConnectionTimeout(config.connectionTimeout().toMillis());
        h.setValidationTimeout(Math.min(2_000, config.connectionTimeout().toMillis() - 1));
        h.setInitializationFailTimeout(-1); // open() reports an unreachable database itself, redacted
        if (url.kind() == DatabaseUrl.Kind.SQLITE) {
            Path file = url.sqliteFile();
            if (file.getParent() != null) Files.createDirectories(file.getParent());
            h.addDataSourceProperty("journal_mode", "WAL");
            h.addDataSourceProperty("busy_timeout", "3000");
            h.addDataSourceProperty("synchronous", "NORMAL");
            // No connection of the pool copies the WAL back into the file inside its commit: the
            // Checkpointer does, on its own thread and connection (a commit that checkpointed took up
            // to 620 ms here and made the writer's queue spill). A WAL file left larger than this by a
            // burst is cut back to it when the log starts over.
            h.addDataSourceProperty("wal_autocheckpoint", "0");
            h.addDataSourceProperty("journal_size_limit", String.valueOf(64L << 20));
            // Write transactions take the write lock up front (no read-then-upgrade SQLITE_BUSY).
            h.addDataSourceProperty("transaction_mode", "IMMEDIATE");
        } else {
            h.addDataSourceProperty("connectTimeout", String.valueOf(Math.min(5_000, config.connectionTimeout().toMillis())));
            h.addDataSourceProperty("socketTimeout", "60000");
            h.addDataSourceProperty("tcpKeepAlive", "true");
            h.addDataSourceProperty("characterEncoding", "UTF-8");
            // Batches are multi-row statements of up to 6 000 parameters: prepare them once per connection on
            // the server (binary protocol, no re-parse of the SQL text) and cache them on the client too
            // (measured on MariaDB: 41,029 -> 49,019 events/s when nothing spills).
            h.addDataSourceProperty("useServerPrepStmts", "true");
            h.addDataSourceProperty("cachePrepStmts", "true");
            h.addDataSourceProperty("prepStmtCacheSqlLimit", "1000000");
            if (url.caPem() != null) {
                Path trust = TrustStores.fromPem(url.caPem(), journalDir);
                h.addDataSourceProperty("trustCertificateKeyStoreUrl", trust.toUri().toString());
                h.addDataSourceProperty("trustCertificateKeyStoreType", "PKCS12");
                h.addDataSourceProperty("trustCertificateKeyStorePassword", TrustStores.PASSWORD);
            }
        }
        return h;
    }

    /** The database as the journal records it: the SQLite file's absolute path, or the server's host:port/db; no credentials. */
    static String databaseIdentity(DatabaseUrl url) {
        if (url.kind() == DatabaseUrl.Kind.SQLITE) return url.sqliteFile().toAbsolutePath().normalize().toString();
        String target = url.jdbcUrl().substring("jdbc:mysql://".length());
        int q = target.indexOf('?');
        if (q >= 0) target = target.substring(0, q);
        int slash = target.indexOf('/');
        String host = slash >= 0 ? target.substring(0, slash) : target;
        if (!host.contains(":") || host.endsWith("]")) target = host + ":3306" + (slash >= 0 ? target.substring(slash) : "");
        return target;
    }

    static Path defaultJournalDir(DatabaseUrl url) {
        if (url.kind() == DatabaseUrl.Kind.SQLITE) {
            Path file = url.sqliteFile().toAbsolutePath();
            return file.resolveSibling(file.getFileName() + ".journal");
        }
        String target = url.jdbcUrl().substring("jdbc:mysql://".length());
        int q = target.indexOf('?');
        if (q >= 0) target = target.substring(0, q);
        return Path.of(System.getProperty("user.home"), ".keycycle", "journal", target.replaceAll("[^A-Za-z0-9.-]", "_"));
    }

    private static Dialect detect(Connection c, DatabaseUrl url) throws SQLException {
        if (url.kind() == DatabaseUrl.Kind.SQLITE) return Dialect.SQLITE;
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT VERSION()")) {
            String v = rs.next() ? rs.getString(1) : "";
            return v.toLowerCase(Locale.ROOT).contains("tidb") ? Dialect.TIDB : Dialect.MYSQL;
        }
    }

    static ObjectMapper journalMapper() {
        return new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    }

    private StoreException failure(String what, SQLException e) {
        return new StoreException("cannot " + what + " on " + config.url().redacted() + ": " + sqlMessage(e), e);
    }

    private static String sqlMessage(SQLException e) {
        return reason(e) + " (SQLState " + e.getSQLState() + ")";
    }

    /**
     * What went wrong, redacted, on one line. HikariCP's "Connection is not available, request timed
     * out" says nothing of why no connection could be made (until 2026-12-04 a wrong password, an
     * unknown database and a closed port all read so): the driver's reason it wraps is shown
     * instead, with the network's (e.g. "Connection refused") when there is one beneath it.
     */
    static String reason(SQLException e) {
        SQLException shown = e;
        if (e instanceof java.sql.SQLTransientConnectionException && e.getCause() instanceof SQLException driver) shown = driver;
        String text = oneLine(shown.getMessage());
        Throwable root = shown;
        while (root.getCause() != null && root.getCause() != root) root = root.getCause();
        if (root != shown && root.getMessage() != null && !(root instanceof SQLException)) {
            String below = oneLine(root.getMessage());
            if (!text.contains(below)) text = text + " (" + below + ")";
        }
        return DatabaseUrl.redact(text);
    }

    private static String oneLine(String s) { return String.valueOf(s).replaceAll("\\s*\\R\\s*", " ").trim(); }

    private static void closeQuietly(HikariDataSource ds, Journal journal) {
        if (ds != null) ds.close();
        if (journal != null) {
            try {
                journal.close();
            } catch (IOException e) {
                LOG.warn("cannot release the journal lock: {}", e.toString());
            }
        }
    }
}
