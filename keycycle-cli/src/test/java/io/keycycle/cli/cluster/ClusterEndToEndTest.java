package io.keycycle.cli.cluster;

import io.keycycle.redis.testing.RedisTestSupport;
import io.keycycle.sim.ProviderKind;
import io.keycycle.sim.SimKey;
import io.keycycle.sim.SimLimits;
import io.keycycle.sim.SimProvider;
import io.keycycle.sim.Simulator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * One pool for many processes, end to end: three {@code keycycle serve} JVMs share 4 keys × 5
 * requests per minute through Redis, in front of the simulator. 45 concurrent requests spread over
 * the three → exactly 20 answered, 25 refused with 429 and {@code Retry-After}, and the simulator
 * counts no rate-limit violation. The same with one gateway and two library JVMs.
 */
class ClusterEndToEndTest {

    static final String MODEL = "llama-3.1-8b-instant";
    static final String BODY = "{\"model\":\"groq/" + MODEL + "\",\"max_tokens\":16,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    static final int DB = 3;

    @TempDir Path dir;
    Simulator sim;
    final List<ServeProcess> processes = new ArrayList<>();
    String prefix;

    @BeforeEach
    void setUp() {
        assumeTrue(RedisTestSupport.available(), "Redis does not answer at 127.0.0.1:6379");
        sim = Simulator.builder().provider(SimProvider.groq().fakeKeys(4).model(MODEL, SimLimits.UNLIMITED.rpm(5)).build()).build().start();
        prefix = RedisTestSupport.randomPrefix();
    }

    @AfterEach
    void tearDown() throws Exception {
        for (ServeProcess p : processes) p.close();
        if (sim != null) sim.close();
        if (prefix != null) {
            try (var link = RedisTestSupport.link(DB, prefix, "cleanup")) {
                RedisTestSupport.clean(link);
            }
        }
    }

    Map<String, String> env(String redisUrl) throws Exception {
        Path yaml = dir.resolve("keycycle.yaml");
        Files.writeString(yaml, "providers:\n  groq:\n    models:\n      " + MODEL + ": { rpm: 5 }\n"
                + "cluster:\n  key-prefix: " + prefix + "\n");
        Map<String, String> env = new HashMap<>();
        env.put("NUM_GROQ", "4");
        for (int i = 1; i <= 4; i++) env.put("GROQ_API_KEY_" + i, SimKey.fakeSecret(ProviderKind.GROQ, i));
        env.put("GROQ_BASE_URL", sim.baseUrl("groq"));
        env.put("KEYCYCLE_CONFIG", yaml.toString());
        env.put("KEYCYCLE_DB_URL", "none");
        env.put("KEYCYCLE_REDIS_URL", redisUrl);
        return env;
    }

    @Test
    void threeGatewaysShareFourKeysAtFivePerMinute() throws Exception {
        Map<String, String> env = env(RedisTestSupport.url(DB));
        for (int i = 1; i <= 3; i++) processes.add(ServeProcess.serve("gw" + i, env, dir));
        List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
        for (int i = 0; i < 45; i++) calls.add(processes.get(i % 3).chat(BODY));
        int ok = 0, limited = 0;
        for (CompletableFuture<HttpResponse<String>> c : calls) {
            HttpResponse<String> r = c.join();
            if (r.statusCode() == 200) ok++;
            else {
                assertThat(r.statusCode()).as(r.body()).isEqualTo(429);
                assertThat(r.headers().firstValue("retry-after")).as("Retry-After on a 429").isPresent();
                limited++;
            }
        }
        assertThat(sim.stats().total429()).as("upstream rate-limit violations\n" + sim.stats().table()).isZero();
        assertThat(ok).as("answered").isEqualTo(20);
        assertThat(limited).isEqualTo(25);
        // spread: with 3 instances every key took its 5
        for (var row : sim.stats().rows()) assertThat(row.successes()).as("key %d", row.keyIndex()).isEqualTo(5);
        String ready = processes.get(0).get("/readyz").body();
        assertThat(ready).contains("\"mode\":\"shared\"").contains("\"live_instances\":3");
        assertThat(processes.get(1).get("/metrics").body()).contains("keycycle_cluster_mode{mode=\"shared\"} 1.0")
                .as("three processes, three ids: nothing to warn of").contains("keycycle_cluster_warning 0.0");
    }

    @Test
    void oneGatewayAndTwoLibraryProcessesShareThePool() throws Exception {
        Map<String, String> env = env(RedisTestSupport.url(DB));
        ServeProcess gw = ServeProcess.serve("gw", env, dir);
        processes.add(gw);
        List<ServeProcess> libs = new ArrayList<>();
        for (int i = 1; i <= 2; i++) {
            ServeProcess lib = ServeProcess.start("lib" + i, LibraryClient.class.getName(), env, dir, List.of("15", "groq/" + MODEL));
            processes.add(lib);
            libs.add(lib);
            assertThat(lib.awaitLine("READY", 90)).endsWith("shared");
        }
        for (ServeProcess lib : libs) lib.send("go");
        List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
        for (int i = 0; i < 15; i++) calls.add(gw.chat(BODY));
        int ok = 0;
        for (CompletableFuture<HttpResponse<String>> c : calls) if (c.join().statusCode() == 200) ok++;
        for (ServeProcess lib : libs) {
            String[] r = lib.awaitLine("RESULT", 90).split(" ");
            ok += Integer.parseInt(r[1]);
            assertThat(Integer.parseInt(r[1]) + Integer.parseInt(r[2])).isEqualTo(15);
        }
        assertThat(sim.stats().total429()).as("upstream rate-limit violations\n" + sim.stats().table()).isZero();
        assertThat(ok).as("answered by the gateway and the two libraries together").isEqualTo(20);
    }
}
