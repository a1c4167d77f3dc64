package io.keycycle.store;

import io.keycycle.core.ConfigurationException;
import com.zaxxer.hikari.HikariConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.io.InputStream;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class DatabaseUrlTest {

    @Test
    void sqlalchemyTidbFormBecomesJdbcWithVerifiedTls() {
        DatabaseUrl u = DatabaseUrl.parse("mysql+pymysql://4Xy.root:s3cr%40t@gateway01.eu-central-1.prod.aws.tidbcloud.com:4000/agents?ssl_ca=/etc/ssl/certs/ca-certificates.crt&ssl_verify_cert=true&ssl_verify_identity=true");
        assertThat(u.kind()).isEqualTo(DatabaseUrl.Kind.MYSQL);
        assertThat(u.jdbcUrl()).isEqualTo("jdbc:mysql://gateway01.eu-central-1.prod.aws.tidbcloud.com:4000/agents?sslMode=VERIFY_IDENTITY");
        assertThat(u.user()).isEqualTo("4Xy.root");
        assertThat(u.password()).isEqualTo("s3cr@t");
        assertThat(u.caPem()).isEqualTo(Path.of("/etc/ssl/certs/ca-certificates.crt"));
    }

    @Test
    void sslVerificationLevelsFollowPymysqlFlags() {
        assertThat(DatabaseUrl.parse("mysql+pymysql://u:p@h:4000/d?ssl_ca=/ca.pem&ssl_verify_identity=false").jdbcUrl())
                .endsWith("?sslMode=VERIFY_CA");
        assertThat(DatabaseUrl.parse("mysql+pymysql://u:p@h:4000/d?ssl_ca=/ca.pem&ssl_verify_cert=false").jdbcUrl())
                .endsWith("?sslMode=REQUIRED");
        assertThat(DatabaseUrl.parse("mysql://u:p@h/d?charset=utf8mb4").jdbcUrl()).isEqualTo("jdbc:mysql://h:3306/d");
        assertThat(DatabaseUrl.parse("mysql://u@h:3307/d?ssl_mode=required").jdbcUrl()).isEqualTo("jdbc:mysql://h:3307/d?sslMode=REQUIRED");
    }

    @Test
    void mariadbAndJdbcFormsAreServedByConnectorJ() {
        DatabaseUrl m = DatabaseUrl.parse("mariadb://kc:pw@db.local/keycycle");
        assertThat(m.jdbcUrl()).isEqualTo("jdbc:mysql://db.local:3306/keycycle");
        DatabaseUrl j = DatabaseUrl.parse("jdbc:mariadb://kc:pw@db.local:3306/keycycle?useSSL=false&password=other");
        assertThat(j.jdbcUrl()).isEqualTo("jdbc:mysql://db.local:3306/keycycle?useSSL=false");
        assertThat(j.user()).isEqualTo("kc");
        assertThat(j.password()).isEqualTo("pw");
        DatabaseUrl q = DatabaseUrl.parse("jdbc:mysql://db:3306/k?user=kc&password=pw");
        assertThat(q.jdbcUrl()).isEqualTo("jdbc:mysql://db:3306/k");
        assertThat(q.user()).isEqualTo("kc");
        assertThat(q.password()).isEqualTo("pw");
    }

    @Test
    void sqliteForms() {
        assertThat(DatabaseUrl.parse("jdbc:sqlite:./keycycle.db").sqliteFile()).isEqualTo(Path.of("./keycycle.db"));
        assertThat(DatabaseUrl.parse("sqlite:///usage.db").jdbcUrl()).isEqualTo("jdbc:sqlite:usage.db");
        assertThat(DatabaseUrl.parse("sqlite:////var/lib/kc/usage.db").sqliteFile()).isEqualTo(Path.of("/var/lib/kc/usage.db"));
        assertThatThrownBy(() -> DatabaseUrl.parse("sqlite:///:memory:")).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("in-memory SQLite");
        assertThatThrownBy(() -> DatabaseUrl.parse("jdbc:sqlite::memory:")).hasMessageContaining("in-memory SQLite");
    }

    @Test
    void passwordNeverShowsInRedactedFormsOrErrors() {
        String secret = "Hunter2-very-secret";
        DatabaseUrl u = DatabaseUrl.parse("mysql+pymysql://app:" + secret + "@tidb:4000/db?ssl_ca=/ca.pem");
        assertThat(u.redacted()).isEqualTo("jdbc:mysql://app:***@tidb:4000/db?sslMode=VERIFY_IDENTITY");
        assertThat(u.toString()).doesNotContain(secret);
        assertThat(u.jdbcUrl()).doesNotContain(secret);
        assertThat(StoreConfig.builder(u).build().toString()).doesNotContain(secret);
        assertThatThrownBy(() -> DatabaseUrl.parse("postgres://app:" + secret + "@pg/db"))
                .hasMessageContaining("unsupported scheme").hasMessageNotContaining(secret).hasMessageContaining("app:***@");
        assertThatThrownBy(() -> DatabaseUrl.parse("mysql://app:" + secret + "@tidb:4000"))
                .hasMessageContaining("no database name").hasMessageNotContaining(secret);
        assertThat(DatabaseUrl.redact("jdbc:mysql://h/d?user=a&password=" + secret + "&x=1")).isEqualTo("jdbc:mysql://h/d?user=a&password=***&x=1");
    }

    @Test
    void openFailureNamesTheRedactedUrl() {
        String secret = "Hunter2-very-secret";
        assertThatThrownBy(() -> KeycycleStore.open(StoreConfig.builder("jdbc:mysql://kc:" + secret + "@127.0.0.1:1/none")
                .shutdownHook(false).connectionTimeout(java.time.Duration.ofMillis(500)).build()))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("kc:***@127.0.0.1:1/none")
                .hasMessageNotContaining(secret);
    }

    @Test
    void fromEnvPrefersKeycycleUrlThenTidbThenSqlite(@TempDir Path dir) {
        assertThat(StoreConfig.fromEnv(Map.of()).url().jdbcUrl()).isEqualTo(DatabaseUrl.DEFAULT_URL);
        assertThat(StoreConfig.fromEnv(Map.of("TIDB_DB_URL", "mysql+pymysql://u:p@t:4000/d")).url().jdbcUrl())
                .isEqualTo("jdbc:mysql://t:4000/d");
        StoreConfig both = StoreConfig.fromEnv(Map.of("TIDB_DB_URL", "mysql+pymysql://u:p@t:4000/d",
                "KEYCYCLE_DB_URL", "jdbc:sqlite:" + dir.resolve("x.db"), "KEYCYCLE_JOURNAL_DIR", dir.toString()));
        assertThat(both.url().kind()).isEqualTo(DatabaseUrl.Kind.SQLITE);
        assertThat(both.journalDir()).isEqualTo(dir);
    }

    @Test
    void builderRejectsBadValuesByName() {
        assertThatThrownBy(() -> StoreConfig.builder("jdbc:sqlite:x.db").batchSize(501))
                .hasMessage("batchSize must be in 1..500, was 501");
        assertThatThrownBy(() -> StoreConfig.builder("jdbc:sqlite:x.db").queueCapacity(0))
                .hasMessage("queueCapacity must be > 0, was 0");
    }

    @Test
    void pemBundleBecomesPkcs12TrustStoreForConnectorJ(@TempDir Path dir) throws Exception {
        Path pem = Path.of("/etc/ssl/certs/ca-certificates.crt");
        assumeTrue(Files.isReadable(pem), "no system CA bundle to convert");
        StoreConfig cfg = StoreConfig.builder("mysql+pymysql://u:p@tidb:4000/d?ssl_ca=" + pem).build();
        HikariConfig h = KeycycleStore.poolConfig(cfg, dir);
        assertThat(h.getJdbcUrl()).isEqualTo("jdbc:mysql://tidb:4000/d?sslMode=VERIFY_IDENTITY");
        assertThat(h.getPassword()).isEqualTo("p");
        assertThat(h.getMaxLifetime()).isEqualTo(240_000);
        assertThat(h.getKeepaliveTime()).isEqualTo(60_000);
        assertThat(h.getIdleTimeout()).isEqualTo(120_000);
        String storeUrl = h.getDataSourceProperties().getProperty("trustCertificateKeyStoreUrl");
        assertThat(h.getDataSourceProperties().getProperty("trustCertificateKeyStoreType")).isEqualTo("PKCS12");
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Path.of(java.net.URI.create(storeUrl)).toUri().toURL().openStream()) {
            ks.load(in, TrustStores.PASSWORD.toCharArray());
        }
        assertThat(ks.size()).isGreaterThan(10);
    }

    @org.junit.jupiter.api.Test
    void passwordsWithSlashesAtSignsAndDriverPropertiesAreMaskedEverywhere() {
        String pw = "p/a@ss:w0rd";
        DatabaseUrl u = DatabaseUrl.parse("mysql+pymysql://app:" + pw + "@db.example:4000/keycycle");
        assertThat(u.password()).isEqualTo(pw);
        assertThat(u.redacted()).doesNotContain("p/a", "ss:w0rd", "w0rd").contains("db.example:4000/keycycle");
        String raw = "jdbc:mysql://app:" + pw + "@db.example:4000/keycycle";
        assertThat(DatabaseUrl.redact(raw)).isEqualTo("jdbc:mysql://app:***@db.example:4000/keycycle");
        assertThat(DatabaseUrl.redact("cannot connect to " + raw + " (timeout)"))
                .isEqualTo("cannot connect to jdbc:mysql://app:***@db.example:4000/keycycle (timeout)");
        assertThat(DatabaseUrl.redact("jdbc:mysql://h:3306/d?user=a&password=s3cr%2Ft&sslMode=REQUIRED"))
                .isEqualTo("jdbc:mysql://h:3306/d?user=a&password=***&sslMode=REQUIRED");
        DatabaseUrl props = DatabaseUrl.parse("jdbc:mysql://h:3306/d?clientCertificateKeyStorePassword=k3y&password1=mfa-one&useSSL=true");
        assertThat(props.redacted()).doesNotContain("k3y", "mfa-one").contains("useSSL=true");
        assertThat(DatabaseUrl.redact("jdbc:mysql://u@h:3306/d?x=a@b")).isEqualTo("jdbc:mysql://u@h:3306/d?x=a@b");
        assertThat(DatabaseUrl.parse("jdbc:mysql://h:3306/d?password=" + "pw@x").redacted()).doesNotContain("pw@x");
    }

    /**
     * A driver property of a {@code jdbc:} URL is percent-encoded for Connector/J, which decodes it
     * itself: it must reach the driver as written. Decoded and written back, a {@code %26} in a trust
     * store password became a bare {@code &}: the driver read a cut password and a stray property,
     * and the redacted URL (logged at every open) showed what followed the {@code &}.
     */
    @Test
    void anEncodedDriverPropertyReachesTheDriverAsWrittenAndStaysMasked() {
        DatabaseUrl u = DatabaseUrl.parse("jdbc:mysql://kc:pw@h:3306/d?trustCertificateKeyStorePassword=tr%26st0re%2Bx&useSSL=true");
        assertThat(u.redacted()).doesNotContain("st0re").doesNotContain("tr&").contains("useSSL=true");
        Map<String, String> driver = com.mysql.cj.conf.ConnectionUrl
                .getConnectionUrlInstance(u.jdbcUrl(), new java.util.Properties()).getMainHost().getHostProperties();
        assertThat(driver).containsEntry("trustCertificateKeyStorePassword", "tr&st0re+x").containsEntry("useSSL", "true")
                .doesNotContainKey("st0re");
        assertThat(u.password()).isEqualTo("pw");
    }

    /**
     * SQLAlchemy (the Python library's TIDB_DB_URL) takes a password up to its '@': a '?' or '#' in it
     * needs no escaping there, so the same URL must work here; the '?' is not the query's start.
     */
    @Test
    void aSqlalchemyPasswordWithAQuestionMarkIsThePasswordNotTheQuery() {
        String pw = "pa?ss/w#rd";
        DatabaseUrl u = DatabaseUrl.parse("mysql+pymysql://app:" + pw + "@tidb.example:4000/agents?ssl_ca=/etc/ca.pem");
        assertThat(u.user()).isEqualTo("app");
        assertThat(u.password()).isEqualTo(pw);
        assertThat(u.jdbcUrl()).isEqualTo("jdbc:mysql://tidb.example:4000/agents?sslMode=VERIFY_IDENTITY");
        assertThat(u.caPem()).isEqualTo(Path.of("/etc/ca.pem"));
        assertThat(u.redacted()).doesNotContain("pa?", "ss/w", "w#rd");
        DatabaseUrl noQuery = DatabaseUrl.parse("mysql://app:a/b?c@db.local/keycycle");
        assertThat(noQuery.password()).isEqualTo("a/b?c");
        assertThat(noQuery.jdbcUrl()).isEqualTo("jdbc:mysql://db.local:3306/keycycle");
        assertThat(noQuery.redacted()).isEqualTo("jdbc:mysql://app:***@db.local:3306/keycycle");
        // an '@' inside the query is still not user info
        assertThat(DatabaseUrl.parse("jdbc:mysql://u@h:3306/d?x=a@b").jdbcUrl()).isEqualTo("jdbc:mysql://h:3306/d?x=a@b");
    }

    /** A '#' written bare in a secret property is part of the secret: masked with the rest, never shown. */
    @Test
    void aBareHashInASecretPropertyIsMaskedToo() {
        DatabaseUrl u = DatabaseUrl.parse("jdbc:mysql://h:3306/d?trustCertificateKeyStorePassword=k3y#t41l&useSSL=true");
        assertThat(u.redacted()).doesNotContain("t41l").contains("useSSL=true");
        assertThat(DatabaseUrl.redact("cannot open jdbc:mysql://h/d?clientCertificateKeyStorePassword=k3y#t41l now"))
                .isEqualTo("cannot open jdbc:mysql://h/d?clientCertificateKeyStorePassword=*** now");
    }

    @Test
    void aPasswordWithABarePercentIsAConfigurationErrorThatShowsNoPartOfIt() {
        Throwable t = org.assertj.core.api.Assertions.catchThrowable(
                () -> StoreConfig.fromEnv(java.util.Map.of("KEYCYCLE_DB_URL", "mysql://app:Xq%Zk9pw@db.internal:3306/keycycle")));
        assertThat(t).isInstanceOf(io.keycycle.core.ConfigurationException.class).hasMessageContaining("%25");
        assertThat(t.getMessage()).doesNotContain("Zk", "Xq");
    }
}
