package io.keycycle.cli.cluster;

import io.keycycle.redis.testing.PrivateRedis;
import io.keycycle.redis.testing.RedisTestSupport;
import io.keycycle.sim.ProviderKind;
import io.keycycle.sim.SimKey;
import io.keycycle.sim.SimLimits;
import io.keycycle.sim.SimProvider;
import io.keycycle.sim.Simulator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Failure drills with real processes: an instance killed with {@code kill -9} while it holds
 * reservations, and Redis killed in the middle of the load (a redis-server of the test's own on a
 * free port — the shared one is never touched) and started again empty.
 */
class ClusterFaultsTest {

    static final String MODEL = "llama-3.1-8b-instant";
    static final int DB = 4;

    @TempDir Path dir;
    Simulator sim;
    PrivateRedis redis;
    final List<ServeProcess> processes = new ArrayList<>();
    String prefix = RedisTestSupport.randomPrefix();

    @AfterEach
    void tearDown() throws Exception {
        for (ServeProcess p : processes) p.close();
        if (sim != null) sim.close();
        if (redis != null) redis.close();
    }

    Map<String, String> env(int keys, String limits, String redisUrl) throws Exception {
        return env(keys, limits, redisUrl, "");
    }

    /** {@code clusterYaml}: more lines of the {@code cluster:} section, each indented by two spaces. */
    Map<String, String> env(int keys, String limits, String redisUrl, String clusterYaml) throws Exception {
        Path yaml = dir.resolve("keycycle.yaml");
        Files.writeString(yaml, "providers:\n  groq:\n    models:\n      " + MODEL + ": { " + limits + " }\n"
                + "cluster:\n  key-prefix: " + prefix + "\n" + clusterYaml);
        Map<String, String> env = new HashMap<>();
        env.put("NUM_GROQ", Integer.toString(keys));
        for (int i = 1; i <= keys; i++) env.put("GROQ_API_KEY_" + i, SimKey.fakeSecret(ProviderKind.GROQ, i));
        env.put("GROQ_BASE_URL", sim.baseUrl("groq"));
        env.put("KEYCYCLE_CONFIG", yaml.toString());
        env.put("KEYCYCLE_DB_URL", "none");
        env.put("KEYCYCLE_REDIS_URL", redisUrl);
        return env;
    }

    static String body(int maxTokens) {
        return "{\"model\":\"groq/" + MODEL + "\",\"max_tokens\":" + maxTokens + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    }

    @Test
    void aKilledInstanceGivesItsCapacityBack() throws Exception {
        assumeTrue(RedisTestSupport.available(), "Redis does not answer at 127.0.0.1:6379");
        sim = Simulator.builder().latency(Duration.ofSeconds(3))
                .provider(SimProvider.groq().fakeKeys(1).model(MODEL, SimLimits.UNLIMITED).build()).build().start();
        Map<String, String> env = env(1, "rpm: 100, tpm: 1000", RedisTestSupport.url(DB));
        ServeProcess doomed = ServeProcess.serve("doomed", env, dir);
        ServeProcess survivor = ServeProcess.serve("survivor", env, dir);
        processes.add(doomed);
        processes.add(survivor);
        // two calls of ~410 tokens each held by the doomed instance (the simulator answers after 3 s)
        CompletableFuture<HttpResponse<String>> a = doomed.chat(body(400)), b = doomed.chat(body(400));
        Thread.sleep(1000);
        assertThat(survivor.chat(body(400)).join().statusCode()).as("the doomed instance holds 820 of 1000 tokens").isEqualTo(429);
        long killedAt = System.currentTimeMillis();
        doomed.kill();
        long admittedAfter = -1;
        while (System.currentTimeMillis() - killedAt < 30_000) {
            long sent = System.currentTimeMillis();
            HttpResponse<String> r = survivor.chat(body(400)).join();
            if (r.statusCode() == 200) {
                admittedAfter = sent - killedAt;
                break;
            }
            assertThat(r.statusCode()).as(r.body()).isEqualTo(429);
            Thread.sleep(250);
        }
        // instance TTL 10 s + one heartbeat + the survivor's sweep
        System.out.println("kill -9 drill: the survivor admitted again " + admittedAfter + " ms after the kill");
        assertThat(admittedAfter).as("ms from kill -9 until the survivor admitted again").isBetween(8_000L, 13_000L);
        assertThat(a.isDone() && b.isDone()).isTrue();
    }

    @Test
    void redisStoppedMidLoad() throws Exception {
        assumeTrue(PrivateRedis.installed() || RedisTestSupport.servicesRequired(), "redis-server is not installed");
        redis = PrivateRedis.start(null);
        sim = Simulator.builder().provider(SimProvider.groq().fakeKeys(4).model(MODEL, SimLimits.UNLIMITED.rpm(5)).build()).build().start();
        Map<String, String> env = env(4, "rpm: 5", redis.url());
        for (int i = 1; i <= 3; i++) processes.add(ServeProcess.serve("gw" + i, env, dir));
        int answered = wave(3);
        assertThat(answered).isEqualTo(3);
        // the share is the limit divided by the live instances an instance counted at its last heartbeat:
        // the drill starts once every gateway has seen the whole fleet (a gateway still starting counts fewer)
        long seen = System.currentTimeMillis() + 15_000;
        while (System.currentTimeMillis() < seen && !allSee(3)) Thread.sleep(200);
        assertThat(allSee(3)).as("every gateway sees 3 live instances before Redis goes").isTrue();

        redis.kill();
        long t0 = System.currentTimeMillis();
        // an instance that loses Redis admits locally only once the others would have set its share aside
        // (heartbeat 1 s, command timeout 1 s: 5 s after its last heartbeat); meanwhile it answers 429 at once
        int early = wave(30);
        assertThat(System.currentTimeMillis() - t0).as("no caller hangs while Redis is gone").isLessThan(10_000);
        Thread.sleep(Math.max(0, t0 + 6_000 - System.currentTimeMillis()));
        long t1 = System.currentTimeMillis();
        int degradedAnswers = early + wave(30);
        assertThat(System.currentTimeMillis() - t1).as("no caller hangs while Redis is gone").isLessThan(10_000);
        for (ServeProcess p : processes) assertThat(p.get("/readyz").body()).contains("\"mode\":\"degraded\"");
        // each gateway admits against a third of each key's 5 rpm (1), less its third of what was used
        assertThat(degradedAnswers).as("admitted locally while Redis was gone").isBetween(1, 12);
        answered += degradedAnswers;
        assertThat(sim.stats().total429()).as("no over-admission while degraded\n" + sim.stats().table()).isZero();

        redis.startAgain();
        long deadline = System.currentTimeMillis() + 15_000;
        while (System.currentTimeMillis() < deadline && !allShared()) Thread.sleep(200);
        assertThat(allShared()).as("shared mode resumes when Redis answers").isTrue();
        int after = wave(30);
        answered += after;
        System.out.println("redis drill: 3 answered before the kill, " + degradedAnswers + " while degraded (" + early
                + " in its first seconds), " + after
                + " after Redis came back empty and was re-seeded; upstream 429s: " + sim.stats().total429());
        assertThat(sim.stats().total429()).as("upstream rate-limit violations\n" + sim.stats().table()).isZero();
        assertThat(answered).as("answered in one minute over the whole drill: never more than 4 keys x 5").isLessThanOrEqualTo(20);
        assertThat(answered).as("re-seeded from the instances' own usage, the fleet uses the rest of the minute's capacity").isEqualTo(20);
    }

    @Test
    void aHungRedisHoldsNoEventLoop() throws Exception {
        assumeTrue(PrivateRedis.installed() || RedisTestSupport.servicesRequired(), "redis-server is not installed");
        redis = PrivateRedis.start(null);
        sim = Simulator.builder().provider(SimProvider.groq().fakeKeys(4).model(MODEL, SimLimits.UNLIMITED).build()).build().start();
        // a command timeout long enough to tell an event loop waiting for it from one that does not
        ServeProcess gw = ServeProcess.serve("gw", env(4, "rpm: 100", redis.url(), "  command-timeout: 3s\n"), dir);
        processes.add(gw);
        assertThat(gw.chat(body(16)).join().statusCode()).isEqualTo(200);
        redis.pause(); // SIGSTOP: the connection stays open and nothing answers, as with a hung host
        long t0 = System.currentTimeMillis();
        List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
        try {
            for (int i = 0; i < 8; i++) calls.add(gw.chat(body(16)));
            Thread.sleep(300);
            long h0 = System.currentTimeMillis();
            HttpResponse<String> live = gw.get("/healthz");
            long healthMs = System.currentTimeMillis() - h0;
            System.out.println("hung-Redis drill: /healthz answered in " + healthMs + " ms while 8 chat requests waited for Redis");
            assertThat(live.statusCode()).isEqualTo(200);
            assertThat(calls).as("the chat requests are still waiting for Redis").noneMatch(CompletableFuture::isDone);
            // before admission left the event loops, /healthz waited behind an admission's 3-s command timeout
            assertThat(healthMs).as("ms /healthz took while chat requests waited for a hung Redis").isLessThan(1_500);
            List<Long> answeredAfter = new ArrayList<>();
            for (CompletableFuture<HttpResponse<String>> c : calls) {
                HttpResponse<String> r = c.get(30, java.util.concurrent.TimeUnit.SECONDS);
                answeredAfter.add(System.currentTimeMillis() - t0);
                // after the command timeout the gateway admits locally against its share (all of it: one instance)
                assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            }
            System.out.println("hung-Redis drill: chat requests answered after " + answeredAfter + " ms");
            assertThat(System.currentTimeMillis() - t0).as("ms until every chat request was answered (" + answeredAfter + ")\n"
                    + String.join("\n", gw.output())).isLessThan(10_000);
            assertThat(gw.get("/readyz").body()).contains("\"mode\":\"degraded\"");
        } finally {
            redis.resume();
        }
        long deadline = System.currentTimeMillis() + 15_000;
        while (System.currentTimeMillis() < deadline && !allShared()) Thread.sleep(200);
        assertThat(allShared()).as("shared mode resumes when Redis answers").isTrue();
        assertThat(sim.stats().total429()).isZero();
    }

    private boolean allSee(int instances) throws Exception {
        for (ServeProcess p : processes) if (!p.get("/readyz").body().contains("\"live_instances\":" + instances)) return false;
        return true;
    }

    private boolean allShared() throws Exception {
        for (ServeProcess p : processes) if (!p.get("/readyz").body().contains("\"mode\":\"shared\"")) return false;
        return true;
    }

    /** {@code n} concurrent requests spread over the gateways; answers how many got a 200 (the rest must be 429s). */
    private int wave(int n) {
        List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
        for (int i = 0; i < n; i++) calls.add(processes.get(i % processes.size()).chat(body(16)));
        int ok = 0;
        for (CompletableFuture<HttpResponse<String>> c : calls) {
            HttpResponse<String> r = c.join();
            if (r.statusCode() == 200) ok++;
            else assertThat(r.statusCode()).as(r.body()).isEqualTo(429);
        }
        return ok;
    }
}
