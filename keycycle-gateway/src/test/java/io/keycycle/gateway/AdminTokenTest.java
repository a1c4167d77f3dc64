package io.keycycle.gateway;

import io.keycycle.Keycycle;
import io.keycycle.sim.SimLimits;
import io.keycycle.sim.SimProvider;
import io.keycycle.sim.Simulator;
import io.keycycle.store.KeycycleStore;
import io.keycycle.store.StoreConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;

import static io.keycycle.gateway.TestGateway.MODEL;
import static io.keycycle.gateway.TestGateway.json;
import static org.assertj.core.api.Assertions.assertThat;

/** Client tokens and admin tokens are different keys to different doors; probes tell strangers nothing. */
class AdminTokenTest {

    static final String CLIENT = "client-token-000000001";
    static final String ADMIN = "admin-token-0000000001";

    @TempDir Path dir;
    Simulator sim;
    KeycycleGateway gateway;
    Keycycle keycycle;
    KeycycleStore store;
    TestGateway http;

    @AfterEach
    void stop() {
        if (gateway != null) gateway.close();
        if (keycycle != null) keycycle.close();
        if (store != null) store.close();
        if (sim != null) sim.close();
    }

    private void start(List<String> clients, List<String> admins, boolean queryToken) {
        sim = Simulator.builder().provider(SimProvider.groq().fakeKeys(1).model(MODEL, SimLimits.UNLIMITED).build()).build().start();
        store = KeycycleStore.open(StoreConfig.builder("jdbc:sqlite:" + dir.resolve("secret-location.db"))
                .journalDir(dir.resolve("journal")).shutdownHook(false).build());
        keycycle = TestGateway.keycycle(sim, 1, "rpm: 1000", null).persistence(store).build();
        gateway = KeycycleGateway.builder().keycycle(keycycle).store(store).host("127.0.0.1").port(0)
                .tokens(clients).adminTokens(admins).queryToken(queryToken).build();
        gateway.start();
        http = TestGateway.over(keycycle, gateway);
    }

    private HttpResponse<String> get(String path, String token) {
        HttpRequest.Builder b = http.request(path).GET();
        if (token != null) b.header("Authorization", "Bearer " + token);
        return http.send(b.build());
    }

    private HttpResponse<String> post(String path, String token) {
        HttpRequest.Builder b = http.request(path).header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{}"));
        if (token != null) b.header("Authorization", "Bearer " + token);
        return http.send(b.build());
    }

    @Test
    void aClientTokenGets403OnAdminAndAnAdminTokenOpensEverything() {
        start(List.of(CLIENT), List.of(ADMIN), false);
        HttpResponse<String> asClient = get("/admin/keys", CLIENT);
        assertThat(asClient.statusCode()).isEqualTo(403);
        assertThat(json(asClient).path("error").path("code").asText()).isEqualTo("admin_token_required");
        assertThat(post("/admin/keys/groq/1/disable", CLIENT).statusCode()).isEqualTo(403);
        assertThat(keycycle.pool("groq").snapshot().keys().get(0).state().name()).isNotEqualTo("DISABLED");
        assertThat(get("/admin/keys", null).statusCode()).isEqualTo(401);
        assertThat(get("/admin/keys", "not-a-token-at-all").statusCode()).isEqualTo(401);

        assertThat(get("/admin/keys", ADMIN).statusCode()).isEqualTo(200);
        assertThat(post("/admin/keys/groq/1/disable", ADMIN).statusCode()).isEqualTo(200);
        assertThat(post("/admin/keys/groq/1/enable", ADMIN).statusCode()).isEqualTo(200);
        for (String path : List.of("/v1/models", "/api/state", "/metrics")) {
            assertThat(get(path, CLIENT).statusCode()).as(path).isEqualTo(200);
            assertThat(get(path, ADMIN).statusCode()).as(path).isEqualTo(200);
        }
    }

    @Test
    void withClientTokensButNoAdminTokenTheAdminApiIsClosed() {
        start(List.of(CLIENT), List.of(), false);
        HttpResponse<String> r = get("/admin/keys", CLIENT);
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(json(r).path("error").path("message").asText()).contains("gateway.admin-tokens");
        assertThat(get("/v1/models", CLIENT).statusCode()).isEqualTo(200);
    }

    @Test
    void aTokenInTheQueryStringOnlyWhenConfigured() {
        start(List.of(CLIENT), List.of(ADMIN), false);
        assertThat(get("/api/state?access_token=" + CLIENT, null).statusCode()).isEqualTo(401);
        gateway.close();
        keycycle.close();
        store.close();
        sim.close();
        start(List.of(CLIENT), List.of(ADMIN), true);
        assertThat(get("/api/state?access_token=" + CLIENT, null).statusCode()).isEqualTo(200);
        assertThat(get("/admin/keys?access_token=" + CLIENT, null).statusCode()).isEqualTo(403);
        assertThat(get("/admin/keys?access_token=" + ADMIN, null).statusCode()).isEqualTo(200);
    }

    @Test
    void readyzTellsAnonymousCallersNothingAboutTheDatabase() {
        start(List.of(CLIENT), List.of(ADMIN), false);
        HttpResponse<String> anonymous = get("/readyz", null);
        assertThat(anonymous.statusCode()).isEqualTo(200);
        assertThat(anonymous.body()).doesNotContain("secret-location", "jdbc", dir.toString());
        assertThat(json(anonymous).path("status").asText()).isEqualTo("ready");
        assertThat(get("/readyz", CLIENT).body()).doesNotContain("secret-location");
        assertThat(get("/readyz", ADMIN).body()).contains("secret-location.db");

        store.close(); // the writer stops: not ready, and still nothing about where the database is
        HttpResponse<String> down = get("/readyz", null);
        assertThat(down.statusCode()).isEqualTo(503);
        assertThat(down.body()).contains("writer is not running").doesNotContain("secret-location", "jdbc", dir.toString());
    }
}
