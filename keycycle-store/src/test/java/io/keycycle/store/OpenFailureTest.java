package io.keycycle.store;

import io.keycycle.store.testing.DatabaseTest;
import io.keycycle.store.testing.TestDatabase;

import java.net.ServerSocket;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * A store that cannot open says why: the server's own reason (a wrong password, an unknown
 * database, nobody listening), not the pool's "Connection is not available, request timed out",
 * which reads as a slow network whatever went wrong. The password never shows.
 */
class OpenFailureTest {

    private static final String SECRET = "Wr0ng-s3cret-pw";

    private static Throwable open(TestDatabase db, String url) {
        return catchThrowable(() -> db.open(db.config(url).connectionTimeout(Duration.ofMillis(1500)).build()));
    }

    @DatabaseTest(TestDatabase.Kind.MARIADB)
    void aWrongPasswordAnUnknownDatabaseAndAClosedPortAreNamed(TestDatabase db) throws Exception {
        Throwable denied = open(db, "jdbc:mysql://kc_no_such_user:" + SECRET + "@127.0.0.1:3306/" + db.databaseName());
        assertThat(denied).isInstanceOf(StoreException.class).hasMessageContaining("Access denied")
                .hasMessageNotContaining(SECRET).hasMessageNotContaining("request timed out");

        Throwable unknown = open(db, "jdbc:mysql://root@127.0.0.1:3306/kc_no_such_database");
        assertThat(unknown).isInstanceOf(StoreException.class).hasMessageContaining("Unknown database")
                .hasMessageNotContaining("request timed out");

        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) { closedPort = s.getLocalPort(); }
        Throwable refused = open(db, "jdbc:mysql://root:" + SECRET + "@127.0.0.1:" + closedPort + "/x");
        assertThat(refused).isInstanceOf(StoreException.class).hasMessageContaining("Connection refused")
                .hasMessageNotContaining(SECRET).hasMessageNotContaining("request timed out");
    }
}
