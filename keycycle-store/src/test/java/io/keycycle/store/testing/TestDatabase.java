package io.keycycle.store.testing;

import io.keycycle.core.testing.TcpProxy;
import io.keycycle.store.KeycycleStore;
import io.keycycle.store.StoreConfig;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One fresh database for one test, with helpers. Stores opened through {@link #open} are closed
 * after the test.
 */
public final class TestDatabase implements AutoCloseable {

    /** Which server. */
    public enum Kind { SQLITE, MARIADB }

    private final Kind kind;
    private final String url;
    private final String databaseName;
    private final Path workDir;
    private final List<AutoCloseable> opened = new ArrayList<>();

    TestDatabase(Kind kind, String url, String databaseName, Path workDir) {
        this.kind = kind;
        this.url = url;
        this.databaseName = databaseName;
        this.workDir = workDir;
    }

    public Kind kind() { return kind; }

    /** The JDBC URL of this database. */
    public String url() { return url; }

    /** MariaDB database name (null for SQLite). */
    public String databaseName() { return databaseName; }

    /** A temporary directory for this test (journals, legacy files). */
    public Path workDir() { return workDir; }

    /** The URL of this database reached through {@code host:port} (e.g. a proxy). MariaDB only. */
    public String urlVia(String host, int port) {
        if (kind != Kind.MARIADB) throw new IllegalStateException("urlVia is for MariaDB");
        return "jdbc:mysql://" + StoreTestExtension.MARIADB_USER + "@" + host + ":" + port + "/" + databaseName;
    }

    /** A started {@link TcpProxy} to this MariaDB server; point a store at {@link #urlVia}{@code ("127.0.0.1", proxy.port())}. */
    public TcpProxy proxy() throws java.io.IOException {
        if (kind != Kind.MARIADB) throw new IllegalStateException("proxy is for MariaDB");
        TcpProxy proxy = new TcpProxy(StoreTestExtension.MARIADB_HOST, StoreTestExtension.MARIADB_PORT).start();
        opened.add(0, proxy); // closed after the stores
        return proxy;
    }

    /** Kills every server connection to this database except the caller's; returns how many. MariaDB only. */
    public int killConnections() throws SQLException {
        if (kind != Kind.MARIADB) throw new IllegalStateException("killConnections is for MariaDB");
        int killed = 0;
        try (Connection c = StoreTestExtension.mariadbServer(); Statement st = c.createStatement()) {
            List<Long> ids = new ArrayList<>();
            try (var rs = st.executeQuery("SELECT id FROM information_schema.processlist WHERE db = '" + databaseName
                    + "' AND id <> CONNECTION_ID()")) {
                while (rs.next()) ids.add(rs.getLong(1));
            }
            for (long id : ids) {
                try {
                    st.execute("KILL " + id);
                    killed++;
                } catch (SQLException gone) {
                    // the connection ended meanwhile
                }
            }
        }
        return killed;
    }

    /**
     * Test-friendly settings: journal in the work dir, no shutdown hook, short batch interval,
     * retries and timeouts.
     */
    public StoreConfig.Builder config() { return config(url); }

    public StoreConfig.Builder config(String url) {
        return StoreConfig.builder(url)
                .journalDir(workDir.resolve("journal"))
                .shutdownHook(false)
                .batchInterval(Duration.ofMillis(20))
                .retryBackoff(Duration.ofMillis(50), Duration.ofMillis(500))
                .connectionTimeout(Duration.ofSeconds(1))
                .closeTimeout(Duration.ofSeconds(5));
    }

    public KeycycleStore open() { return open(config().build()); }

    public KeycycleStore open(StoreConfig config) {
        KeycycleStore store = KeycycleStore.open(config);
        opened.add(store);
        return store;
    }

    /** A new connection to this database (caller closes). */
    public Connection connect() throws SQLException {
        return kind == Kind.SQLITE
                ? DriverManager.getConnection(url)
                : DriverManager.getConnection(url, StoreTestExtension.MARIADB_USER, "");
    }

    /** Runs statements on a fresh connection. */
    public void execute(String... sql) throws SQLException {
        try (Connection c = connect(); Statement st = c.createStatement()) {
            for (String s : sql) st.execute(s);
        }
    }

    /**
     * Blocks writers until closed: an open write transaction on SQLite, {@code LOCK TABLES … WRITE}
     * on MariaDB. Readers of other tables are not affected.
     */
    public AutoCloseable holdWriteLock() throws SQLException {
        Connection c = connect();
        Statement st = c.createStatement();
        if (kind == Kind.SQLITE) {
            st.execute("BEGIN IMMEDIATE");
        } else {
            st.execute("LOCK TABLES keycycle_usage WRITE, keycycle_usage_minute WRITE, keycycle_key_state WRITE");
        }
        return () -> {
            try (c; st) {
                st.execute(kind == Kind.SQLITE ? "ROLLBACK" : "UNLOCK TABLES");
            }
        };
    }

    @Override
    public void close() throws Exception {
        Exception first = null;
        for (int i = opened.size() - 1; i >= 0; i--) {
            try {
                opened.get(i).close();
            } catch (Exception e) {
                if (first == null) first = e;
            }
        }
        opened.clear();
        if (first != null) throw first;
    }

    @Override public String toString() { return kind.name().toLowerCase(); }
}
