package io.keycycle.store;

import io.keycycle.core.ConfigurationException;
import io.keycycle.core.EngineClock;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * Immutable settings of a {@link KeycycleStore}. Build with {@link #builder(String)} or
 * {@link #fromEnv(Map)}; every setter validates at once.
 *
 * @param url               where the database is
 * @param autoMigrate       apply missing schema migrations on open (else verify and fail)
 * @param journalDir        outage journal directory; null = next to the SQLite file, or
 *                          {@code ~/.keycycle/journal/<host>_<port>_<db>} for a server database
 * @param queueCapacity     bounded in-memory queue between {@code onEvent} and the writer; when full,
 *                          events spill to the journal
 * @param batchSize         rows per transaction, at most 500 (TiDB transaction limits)
 * @param batchInterval     the writer commits at least this often when events are waiting
 * @param closeTimeout      how long {@link KeycycleStore#close()} drains before leaving the rest in the journal
 * @param retryBackoffMin   first retry delay after a database error
 * @param retryBackoffMax   retry delay cap (full jitter below it)
 * @param connectionTimeout how long the writer waits for a pooled connection per attempt
 * @param maxPoolSize       pool size: one writer connection plus readers
 * @param shutdownHook      register a JVM shutdown hook calling {@code close()}
 * @param clock             time for {@code prune} and the retention pruner; events carry their own instants
 * @param journalFsync      also force each write-ahead append to the disk (survives a power loss; costs a
 *                          disk flush per event). Without it an event is safe from a crash of the process
 *                          as soon as {@code onEvent} returns, but not from a crash of the machine.
 * @param retention         how long raw rows and aggregates are kept, and how the background pruner runs
 * @param overflowCapacity  events held in memory at most when neither the write-ahead log nor the journal can be
 *                          written (disk full, directory unwritable) and the database takes none. From half of it
 *                          on the store is {@linkplain KeycycleStore#full() full}: callers should take no new work
 *                          (the gateway answers 503); the other half is for calls already under way. Beyond it an
 *                          event is dropped, counted in {@link StoreHealth#eventsLost()} and logged.
 * @param inFlightSlots     calls this process keeps in its file of calls in flight (rounded up to a power of two,
 *                          512 bytes each, written in full at open): after a {@code kill -9} the next start records
 *                          the calls that were in flight as {@code UNFINISHED} usage. 0 turns it off. Default
 *                          {@value #DEFAULT_IN_FLIGHT_SLOTS}, above the gateway's default 8,192 plain requests +
 *                          2,048 streams.
 */
public record StoreConfig(DatabaseUrl url, boolean autoMigrate, Path journalDir, int queueCapacity, int batchSize,
                          Duration batchInterval, Duration closeTimeout, Duration retryBackoffMin,
                          Duration retryBackoffMax, Duration connectionTimeout, int maxPoolSize,
                          boolean shutdownHook, EngineClock clock, boolean journalFsync, Retention retention,
                          int overflowCapacity, int inFlightSlots) {

    /** Largest batch per transaction (TiDB Serverless keeps transactions small). */
    public static final int MAX_BATCH = 500;
    /** Default {@link #overflowCapacity}: full at 16,384, above the gateway's default 8,192 plain requests + 2,048 streams. */
    public static final int DEFAULT_OVERFLOW_CAPACITY = 32_768;
    /** Default {@link #inFlightSlots}: 16,384 slots, an 8 MiB file. */
    public static final int DEFAULT_IN_FLIGHT_SLOTS = 16_384;
    /** Largest {@link #inFlightSlots}: a 512 MiB file. */
    public static final int MAX_IN_FLIGHT_SLOTS = 1 << 20;

    public StoreConfig {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(retention, "retention");
        positive("queueCapacity", queueCapacity);
        if (batchSize < 1 || batchSize > MAX_BATCH) {
            throw new ConfigurationException("batchSize must be in 1.." + MAX_BATCH + ", was " + batchSize);
        }
        positive("maxPoolSize", maxPoolSize);
        checkOverflowCapacity(overflowCapacity);
        checkInFlightSlots(inFlightSlots);
        positive("batchInterval", batchInterval);
        positive("closeTimeout", closeTimeout);
        positive("retryBackoffMin", retryBackoffMin);
        positive("retryBackoffMax", retryBackoffMax);
        positive("connectionTimeout", connectionTimeout);
        if (retryBackoffMax.compareTo(retryBackoffMin) < 0) {
            throw new ConfigurationException("retryBackoffMax (" + retryBackoffMax + ") must be >= retryBackoffMin ("
                    + retryBackoffMin + ")");
        }
        if (connectionTimeout.toMillis() < 250) {
            throw new ConfigurationException("connectionTimeout must be >= 250ms (HikariCP minimum), was " + connectionTimeout);
        }
    }

    /** Settings for {@code url} (any form {@link DatabaseUrl#parse} accepts) with defaults. */
    public static Builder builder(String url) { return new Builder(DatabaseUrl.parse(url)); }

    /** Settings for an already parsed URL. */
    public static Builder builder(DatabaseUrl url) { return new Builder(url); }

    /**
     * Reads {@code KEYCYCLE_DB_URL}, else {@code TIDB_DB_URL} (the Python library's variable, SQLAlchemy
     * form accepted), else the embedded SQLite default; {@code KEYCYCLE_JOURNAL_DIR} and
     * {@code KEYCYCLE_JOURNAL_FSYNC} ({@code true}/{@code false}) and {@code KEYCYCLE_STORE_OVERFLOW_CAPACITY}
     * (events, see {@link #overflowCapacity}) if set;
     * {@code KEYCYCLE_RETENTION_RAW} and {@code KEYCYCLE_RETENTION_AGGREGATES} (see {@link Retention#fromEnv}).
     */
    public static StoreConfig fromEnv(Map<String, String> env) {
        String url = nonBlank(env.get("KEYCYCLE_DB_URL"));
        if (url == null) url = nonBlank(env.get("TIDB_DB_URL"));
        Builder b = builder(url == null ? DatabaseUrl.DEFAULT_URL : url);
        String journal = nonBlank(env.get("KEYCYCLE_JOURNAL_DIR"));
        if (journal != null) b.journalDir(Path.of(journal));
        b.journalFsync(journalFsync(env));
        String overflow = nonBlank(env.get("KEYCYCLE_STORE_OVERFLOW_CAPACITY"));
        if (overflow != null) {
            try {
                b.overflowCapacity(Integer.parseInt(overflow));
            } catch (NumberFormatException e) {
                throw new ConfigurationException("KEYCYCLE_STORE_OVERFLOW_CAPACITY must be a whole number of events, was '" + overflow + "'");
            }
        }
        String slots = nonBlank(env.get("KEYCYCLE_STORE_IN_FLIGHT_SLOTS"));
        if (slots != null) {
            try {
                b.inFlightSlots(Integer.parseInt(slots));
            } catch (NumberFormatException e) {
                throw new ConfigurationException("KEYCYCLE_STORE_IN_FLIGHT_SLOTS must be a whole number of calls (0 turns the file "
                        + "of calls in flight off), was '" + slots + "'");
            }
        }
        b.retention(Retention.fromEnv(env, Retention.DEFAULT));
        return b.build();
    }

    /** {@code KEYCYCLE_JOURNAL_FSYNC}: {@code true} or {@code false} (default when unset). */
    public static boolean journalFsync(Map<String, String> env) {
        String fsync = nonBlank(env.get("KEYCYCLE_JOURNAL_FSYNC"));
        if (fsync == null) return false;
        if (!fsync.equalsIgnoreCase("true") && !fsync.equalsIgnoreCase("false")) {
            throw new ConfigurationException("KEYCYCLE_JOURNAL_FSYNC must be true or false, was '" + fsync + "'");
        }
        return fsync.equalsIgnoreCase("true");
    }

    public Builder toBuilder() {
        Builder b = new Builder(url);
        b.autoMigrate = autoMigrate;
        b.journalDir = journalDir;
        b.queueCapacity = queueCapacity;
        b.batchSize = batchSize;
        b.batchInterval = batchInterval;
        b.closeTimeout = closeTimeout;
        b.retryBackoffMin = retryBackoffMin;
        b.retryBackoffMax = retryBackoffMax;
        b.connectionTimeout = connectionTimeout;
        b.maxPoolSize = maxPoolSize;
        b.shutdownHook = shutdownHook;
        b.clock = clock;
        b.journalFsync = journalFsync;
        b.retention = retention;
        b.overflowCapacity = overflowCapacity;
        b.inFlightSlots = inFlightSlots;
        return b;
    }

    @Override public String toString() {
        return "StoreConfig[url=" + url.redacted() + ", journalDir=" + journalDir + ", queueCapacity=" + queueCapacity
                + ", batchSize=" + batchSize + ", overflowCapacity=" + overflowCapacity + ", inFlightSlots=" + inFlightSlots
                + ", retention=" + retention + "]";
    }

    private static String nonBlank(String s) { return s == null || s.isBlank() ? null : s.trim(); }

    private static void positive(String name, int v) {
        if (v <= 0) throw new ConfigurationException(name + " must be > 0, was " + v);
    }

    private static void checkOverflowCapacity(int v) {
        if (v < 2) throw new ConfigurationException("overflowCapacity must be >= 2 events, was " + v);
    }

    private static void checkInFlightSlots(int v) {
        if (v < 0 || v > MAX_IN_FLIGHT_SLOTS) {
            throw new ConfigurationException("inFlightSlots must be between 0 (off) and " + MAX_IN_FLIGHT_SLOTS + " calls, was " + v);
        }
    }

    private static void positive(String name, Duration d) {
        if (d == null || d.isNegative() || d.isZero()) throw new ConfigurationException(name + " must be > 0, was " + d);
    }

    /** Mutable builder; {@link #build()} validates the whole. */
    public static final class Builder {
        private final DatabaseUrl url;
        private boolean autoMigrate = true;
        private Path journalDir;
        private int queueCapacity = 10_000;
        private int batchSize = MAX_BATCH;
        private Duration batchInterval = Duration.ofMillis(200);
        private Duration closeTimeout = Duration.ofSeconds(10);
        private Duration retryBackoffMin = Duration.ofMillis(100);
        private Duration retryBackoffMax = Duration.ofSeconds(5);
        private Duration connectionTimeout = Duration.ofSeconds(3);
        private int maxPoolSize = 3;
        private boolean shutdownHook = true;
        private EngineClock clock = EngineClock.system();
        private boolean journalFsync;
        private Retention retention = Retention.DEFAULT;
        private int overflowCapacity = DEFAULT_OVERFLOW_CAPACITY;
        private int inFlightSlots = DEFAULT_IN_FLIGHT_SLOTS;

        private Builder(DatabaseUrl url) { this.url = Objects.requireNonNull(url, "url"); }

        public Builder autoMigrate(boolean v) { this.autoMigrate = v; return this; }
        public Builder journalDir(Path v) { this.journalDir = v; return this; }
        public Builder queueCapacity(int v) { positive("queueCapacity", v); this.queueCapacity = v; return this; }
        public Builder batchSize(int v) {
            if (v < 1 || v > MAX_BATCH) throw new ConfigurationException("batchSize must be in 1.." + MAX_BATCH + ", was " + v);
            this.batchSize = v; return this;
        }
        public Builder batchInterval(Duration v) { positive("batchInterval", v); this.batchInterval = v; return this; }
        public Builder closeTimeout(Duration v) { positive("closeTimeout", v); this.closeTimeout = v; return this; }
        public Builder retryBackoff(Duration min, Duration max) {
            positive("retryBackoffMin", min);
            positive("retryBackoffMax", max);
            this.retryBackoffMin = min; this.retryBackoffMax = max; return this;
        }
        public Builder connectionTimeout(Duration v) { positive("connectionTimeout", v); this.connectionTimeout = v; return this; }
        public Builder maxPoolSize(int v) { positive("maxPoolSize", v); this.maxPoolSize = v; return this; }
        public Builder shutdownHook(boolean v) { this.shutdownHook = v; return this; }
        public Builder clock(EngineClock v) { this.clock = Objects.requireNonNull(v, "clock"); return this; }
        /** Force every write-ahead append to the disk (power-loss safe, slower); default false. */
        public Builder journalFsync(boolean v) { this.journalFsync = v; return this; }

        public Builder retention(Retention v) { this.retention = Objects.requireNonNull(v, "retention"); return this; }

        /** Events held in memory at most when the disk takes none (default 32,768; full at half). */
        public Builder overflowCapacity(int v) { checkOverflowCapacity(v); this.overflowCapacity = v; return this; }
        /** See {@link StoreConfig#inFlightSlots}: 0 turns the file of calls in flight off. */
        public Builder inFlightSlots(int v) { checkInFlightSlots(v); this.inFlightSlots = v; return this; }

        public StoreConfig build() {
            return new StoreConfig(url, autoMigrate, journalDir, queueCapacity, batchSize, batchInterval, closeTimeout,
                    retryBackoffMin, retryBackoffMax, connectionTimeout, maxPoolSize, shutdownHook, clock, journalFsync, retention,
                    overflowCapacity, inFlightSlots);
        }
    }
}
