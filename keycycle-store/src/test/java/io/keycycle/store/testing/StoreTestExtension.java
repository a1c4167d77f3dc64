package io.keycycle.store.testing;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.Extension;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.TestTemplateInvocationContext;
import org.junit.jupiter.api.extension.TestTemplateInvocationContextProvider;
import org.opentest4j.TestAbortedException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * The JUnit 5 extension behind {@link DatabaseTest}. Shipped in keycycle-store's test-jar.
 * MariaDB coordinates can be overridden with the system properties {@code keycycle.test.mariadb.host},
 * {@code .port} and {@code .user}.
 */
public final class StoreTestExtension implements TestTemplateInvocationContextProvider {

    static final String MARIADB_HOST = System.getProperty("keycycle.test.mariadb.host", "127.0.0.1");
    static final int MARIADB_PORT = Integer.getInteger("keycycle.test.mariadb.port", 3306);
    static final String MARIADB_USER = System.getProperty("keycycle.test.mariadb.user", "root");

    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(StoreTestExtension.class);
    private static String mariadbProblem;   // null = reachable
    private static boolean mariadbChecked;

    /** True when the build demands every external service (.ci/run sets it). */
    public static boolean servicesRequired() { return Boolean.getBoolean("keycycle.requireServices"); }

    /** The MariaDB server root URL (no database). */
    public static String mariadbServerUrl() {
        return "jdbc:mysql://" + MARIADB_HOST + ":" + MARIADB_PORT + "/?connectTimeout=3000";
    }

    /** A connection to the MariaDB server without a default database (caller closes). */
    public static Connection mariadbServer() throws SQLException {
        return DriverManager.getConnection(mariadbServerUrl(), MARIADB_USER, "");
    }

    @Override
    public boolean supportsTestTemplate(ExtensionContext context) {
        return context.getTestMethod().map(m -> m.isAnnotationPresent(DatabaseTest.class)).orElse(false);
    }

    @Override
    public Stream<TestTemplateInvocationContext> provideTestTemplateInvocationContexts(ExtensionContext context) {
        DatabaseTest spec = context.getRequiredTestMethod().getAnnotation(DatabaseTest.class);
        return Arrays.stream(spec.value()).map(Invocation::new);
    }

    private static final class Invocation implements TestTemplateInvocationContext {
        private final TestDatabase.Kind kind;

        Invocation(TestDatabase.Kind kind) { this.kind = kind; }

        @Override public String getDisplayName(int index) { return "[" + kind.name().toLowerCase() + "]"; }

        @Override
        public List<Extension> getAdditionalExtensions() {
            return List.of(new Availability(kind), new Resolver(kind));
        }
    }

    /** Skips (or fails, when services are required) MariaDB runs without a server. */
    private record Availability(TestDatabase.Kind kind) implements BeforeEachCallback {
        @Override
        public void beforeEach(ExtensionContext context) {
            if (kind != TestDatabase.Kind.MARIADB) return;
            String problem = mariadbProblem();
            if (problem == null) return;
            String message = "MariaDB at " + MARIADB_HOST + ":" + MARIADB_PORT + " is not reachable (" + problem + ")";
            if (servicesRequired()) Assertions.fail(message + " and keycycle.requireServices=true");
            throw new TestAbortedException(message + "; skipped");
        }
    }

    private record Resolver(TestDatabase.Kind kind) implements ParameterResolver {
        @Override
        public boolean supportsParameter(ParameterContext p, ExtensionContext e) {
            return p.getParameter().getType() == TestDatabase.class;
        }

        @Override
        public Object resolveParameter(ParameterContext p, ExtensionContext e) {
            try {
                Path dir = Files.createTempDirectory("kc-store-test-");
                TestDatabase db;
                if (kind == TestDatabase.Kind.SQLITE) {
                    db = new TestDatabase(kind, "jdbc:sqlite:" + dir.resolve("keycycle.db"), null, dir);
                } else {
                    String name = classDatabase(e);
                    emptyDatabase(name);
                    db = new TestDatabase(kind, "jdbc:mysql://" + MARIADB_USER + "@" + MARIADB_HOST + ":" + MARIADB_PORT
                            + "/" + name, name, dir);
                }
                e.getStore(NS).put("db", (AutoCloseable) () -> {
                    try {
                        db.close();
                    } finally {
                        deleteTree(dir);
                    }
                });
                return db;
            } catch (IOException | SQLException ex) {
                throw new IllegalStateException("cannot prepare a " + kind + " test database: " + ex, ex);
            }
        }
    }

    private static synchronized String mariadbProblem() {
        if (mariadbChecked) return mariadbProblem;
        mariadbChecked = true;
        mariadbProblem = "not checked";
        for (int attempt = 0; attempt < 3 && mariadbProblem != null; attempt++) {
            try (Connection c = mariadbServer(); Statement st = c.createStatement()) {
                st.execute("SELECT 1");
                mariadbProblem = null;
            } catch (SQLException ex) {
                mariadbProblem = ex.getClass().getSimpleName() + ": " + ex.getMessage().lines().findFirst().orElse("");
            }
        }
        return mariadbProblem;
    }

    /** One database per test class, dropped when the class is done. */
    private static String classDatabase(ExtensionContext e) {
        ExtensionContext classContext = e.getParent().flatMap(ExtensionContext::getParent)
                .filter(c -> c.getTestMethod().isEmpty()).orElse(e.getRoot());
        ClassDatabase cd = classContext.getStore(NS).getOrComputeIfAbsent("mariadb", k -> new ClassDatabase(), ClassDatabase.class);
        return cd.name;
    }

    private static final class ClassDatabase implements AutoCloseable {
        final String name = "kc_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);

        ClassDatabase() {
            try (Connection c = mariadbServer(); Statement st = c.createStatement()) {
                st.execute("CREATE DATABASE " + name + " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin");
            } catch (SQLException ex) {
                throw new IllegalStateException("cannot create MariaDB database " + name + ": " + ex.getMessage(), ex);
            }
        }

        @Override
        public void close() throws SQLException {
            try (Connection c = mariadbServer(); Statement st = c.createStatement()) {
                st.execute("DROP DATABASE IF EXISTS " + name);
            }
        }
    }

    private static void emptyDatabase(String name) throws SQLException {
        try (Connection c = mariadbServer(); Statement st = c.createStatement()) {
            List<String> tables = new ArrayList<>();
            try (ResultSet rs = st.executeQuery("SELECT table_name FROM information_schema.tables WHERE table_schema = '" + name + "'")) {
                while (rs.next()) tables.add(rs.getString(1));
            }
            for (String t : tables) st.execute("DROP TABLE IF EXISTS " + name + "." + t);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
