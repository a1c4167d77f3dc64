package io.keycycle.redis;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.keycycle.CallSpec;
import io.keycycle.Keycycle;
import io.keycycle.core.ApiKey;
import io.keycycle.core.EngineClock;
import io.keycycle.core.KeycycleEvent;
import io.keycycle.core.Limits;
import io.keycycle.core.NoAvailableKeyException;
import io.keycycle.core.Outcome;
import io.keycycle.core.RateLimitObservation;
import io.keycycle.core.Usage;
import io.keycycle.core.testing.TestPools;
import io.keycycle.core.config.KeycycleConfig;
import io.keycycle.core.learn.LearnedLimit;
import io.keycycle.core.pool.KeyPool;
import io.keycycle.core.pool.Lease;
import io.keycycle.redis.testing.RedisFleet;
import io.keycycle.redis.testing.RedisTestSupport;
import io.keycycle.sim.ProviderKind;
import io.keycycle.sim.SimKey;
import io.keycycle.sim.SimLimits;
import io.keycycle.sim.SimProvider;
import io.keycycle.sim.Simulator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A limit one instance learns from the provider is the fleet's: instance A calls the simulator's
 * Groq over real HTTP, whose headers say 5 requests a day where the table says 1,000; instance B
 * (same Redis, same key prefix) hears of it within 100 ms and admits against it, and an instance C
 * that joins afterwards reads it from Redis when it first meets the model. Only A's one call ever
 * reaches the provider.
 */
class SharedLearnedLimitsTest {

    static final int DB = 7;
    static final String MODEL = "openai/gpt-oss-120b";
    static final String TARGET = "groq/" + MODEL;
    /** The table: 1,000 a day; tokens as the simulator's, so only the request cap differs. */
    static final String YAML = "providers:\n  groq:\n    models:\n      \"" + MODEL
            + "\": { rpm: unlimited, rph: unlimited, rpd: 1000, tpm: 8000, tph: unlimited, tpd: unlimited }\n";

    final List<AutoCloseable> closing = new ArrayList<>();
    String prefix;
    RedisCluster first;
    Simulator sim;

    @BeforeEach
    void setUp() {
        assumeTrue(RedisTestSupport.available(), "Redis does not answer at 127.0.0.1:6379");
        prefix = RedisTestSupport.randomPrefix();
        SimProvider groq = SimProvider.groq().fakeKeys(1, "org-1").model(MODEL, SimLimits.UNLIMITED.rpd(5).tpm(8000)).build();
        sim = Simulator.builder().provider(groq).build().start();
    }

    @AfterEach
    void tearDown() throws Exception {
        for (int i = closing.size() - 1; i >= 0; i--) closing.get(i).close();
        if (first != null) {
            try (RedisLink l = RedisTestSupport.link(DB, prefix, "cleaner")) {
                RedisTestSupport.clean(l);
            }
        }
        if (sim != null) sim.close();
    }

    /** One instance of the fleet: its own connection and instance id, its own facade on the simulator. */
    Keycycle instance(String id, io.keycycle.core.KeycycleListener listener) {
        RedisCluster c = RedisCluster.join(RedisTestSupport.settings(DB, prefix, id), EngineClock.system());
        closing.add(c);
        if (first == null) first = c;
        Keycycle.Builder b = Keycycle.builder().env(Map.of())
                .config(KeycycleConfig.parse(YAML, Map.of(), "learned.yaml"))
                .discoverPersistence(false).shutdownHook(false)
                .baseUrl("groq", URI.create(sim.baseUrl(ProviderKind.GROQ)))
                .keys("groq", List.of(new ApiKey("groq", 1, SimKey.fakeSecret(ProviderKind.GROQ, 1), "org-1")))
                .stateStore(c.stateStore());
        if (listener != null) b.listener(listener);
        Keycycle kc = b.build();
        closing.add(kc);
        return kc;
    }

    static ObjectNode chat() {
        ObjectNode body = new ObjectMapper().createObjectNode().put("max_tokens", 10);
        body.putArray("messages").addObject().put("role", "user").put("content", "hello");
        return body;
    }

    /** Holds leases on the pool until it refuses; returns how many it admitted, and gives them all back. */
    static int admitted(KeyPool pool) {
        List<Lease> held = new ArrayList<>();
        try {
            while (held.size() < 50) held.add(pool.acquire(MODEL, 10));
        } catch (NoAvailableKeyException refused) {
            // the learned cap
        } finally {
            held.forEach(Lease::release); // never sent: request and tokens come back
        }
        return held.size();
    }

    static List<String> described(KeyPool pool) {
        return pool.learnedLimits().stream().filter(l -> l.metric() == Limits.Metric.RPD).map(LearnedLimit::describe).toList();
    }

    @Test
    void aLimitLearnedOnOneInstanceIsAdoptedByTheOthersWithin100msAndByAnInstanceJoiningLater() {
        List<Long> learnedOnA = new CopyOnWriteArrayList<>();
        Keycycle a = instance("a", e -> {
            if (e instanceof KeycycleEvent.LimitLearned l && l.metric() == Limits.Metric.RPD) learnedOnA.add(System.nanoTime());
        });
        Keycycle b = instance("b", (io.keycycle.core.KeycycleListener) null);
        KeyPool poolB = b.pool("groq");
        assertThat(poolB.availability(MODEL, 10)).isNotNull(); // B has met the model: its bucket exists before A learns
        List<Long> toldB = new CopyOnWriteArrayList<>();
        poolB.stateStore().addListener((provider, model) -> {
            if (!described(poolB).isEmpty()) toldB.add(System.nanoTime());
        });

        assertThat(a.chat(TARGET, chat(), CallSpec.defaults()).value().status()).isEqualTo(200);
        assertThat(learnedOnA).as("A learned rpd 5 from Groq's x-ratelimit-limit-requests").hasSize(1);
        assertThat(described(a.pool("groq"))).singleElement().asString().startsWith("rpd 1000 → 5, learned from groq ");

        // B: told within 100 ms of A adopting it (A's event comes after its write to Redis, so this
        // bound is on the message, not on A's HTTP call)
        await().atMost(2, TimeUnit.SECONDS).until(() -> !toldB.isEmpty());
        assertThat((toldB.get(0) - learnedOnA.get(0)) / 1_000_000.0).as("ms until B held the learned limit").isLessThanOrEqualTo(100.0);
        assertThat(described(poolB)).isEqualTo(described(a.pool("groq")));
        // ... and admits against it: A's call counted, 4 left of the 5 (the table would admit 999)
        assertThat(admitted(poolB)).as("B's admissions under the learned rpd of 5").isEqualTo(4);

        // C joins later: it reads the learned limit from Redis when it first meets the model
        Keycycle c = instance("c", (io.keycycle.core.KeycycleListener) null);
        KeyPool poolC = c.pool("groq");
        assertThat(admitted(poolC)).as("C's admissions under the learned rpd of 5").isEqualTo(4);
        assertThat(described(poolC)).isEqualTo(described(a.pool("groq")));

        assertThat(sim.stats().total("groq").requests()).as("only A's call reached the provider").isEqualTo(1);
        assertThat(sim.stats().total429()).isZero();
    }

    /**
     * A limit raised again (here: the provider reports the table's value consistently, so the
     * learned one is dropped) frees capacity at once on every instance, also on one that was
     * refused under the lower limit and keeps a local "nothing fits before …" hint.
     */
    @Test
    void aRaisedLimitLetsAnInstanceRefusedUnderTheLowerOneAdmitAtOnce() {
        RedisCluster ca = RedisCluster.join(RedisTestSupport.settings(DB, prefix, "a"), EngineClock.system());
        closing.add(ca);
        first = ca;
        RedisCluster cb = RedisCluster.join(RedisTestSupport.settings(DB, prefix, "b"), EngineClock.system());
        closing.add(cb);
        Limits table = new Limits(Limits.NONE, Limits.NONE, Limits.NONE, 1000, Limits.NONE, Limits.NONE);
        KeyPool poolA = pool(ca, table), poolB = pool(cb, table);
        poolA.acquire("m1", 1).release();
        poolB.acquire("m1", 1).release();

        Lease a0 = poolA.acquire("m1", 10);
        List<Lease> big = new ArrayList<>();
        for (int i = 0; i < 3; i++) big.add(poolA.acquire("m1", 90));
        // the provider says 100 tokens a minute: adopted at once, 280 are already in use
        a0.report(Outcome.success(Usage.of(10, 0)).withObservations(List.of(new RateLimitObservation(Limits.Metric.TPM, 100, -1, null))));
        await().atMost(2, TimeUnit.SECONDS).until(() -> poolB.learnedLimits().size() == 1);
        assertThatThrownBy(() -> poolB.acquire("m1", 10)).as("B refused under the learned 100").isInstanceOf(NoAvailableKeyException.class);

        // three answers in a row report the table's 1,000 again: the learned limit goes, everywhere
        for (Lease l : big) {
            l.report(Outcome.success(Usage.of(90, 0)).withObservations(List.of(new RateLimitObservation(Limits.Metric.TPM, 1000, -1, null))));
        }
        assertThat(poolA.learnedLimits()).isEmpty();
        await().atMost(2, TimeUnit.SECONDS).until(() -> poolB.learnedLimits().isEmpty());
        Lease got = poolB.acquire("m1", 10); // 290 of 1,000 used: no need to wait for the minute to pass
        got.success(Usage.of(10, 0));
    }

    KeyPool pool(RedisCluster c, Limits limits) {
        return KeyPool.builder(TestPools.spec("p")).keys(TestPools.keys("p", 1)).limits(limits).profile(TestPools.statusProfile("p"))
                .clock(EngineClock.system()).stateStore(c.stateStore()).build();
    }

    /**
     * A limit learned while Redis does not answer (degraded mode) is written when it answers again,
     * so an instance joining afterwards holds it too. On a redis-server of the test's own, made
     * unresponsive for 3 s by a spinning script.
     */
    @Test
    void aLimitLearnedWhileRedisDidNotAnswerIsSharedOnceItAnswersAgain() throws Exception {
        // a 1-s command timeout: shorter than the 3-s spin (A degrades), long enough for a busy test machine
        try (RedisFleet fleet = new RedisFleet()
                .withTimings(java.time.Duration.ofSeconds(1), java.time.Duration.ofMillis(200), java.time.Duration.ofSeconds(2)).start()) {
            Limits table = new Limits(Limits.NONE, Limits.NONE, 1000, Limits.NONE, Limits.NONE, Limits.NONE);
            RedisCluster a = fleet.join("a");
            KeyPool poolA = pool(a, table);
            poolA.acquire("m1", 1).release();

            Thread sleeper = fleet.redis().busyFor(3000);
            Lease l = poolA.acquire("m1", 1);
            assertThat(a.mode()).isEqualTo("degraded");
            l.report(Outcome.success(Usage.of(1, 0)).withObservations(List.of(new RateLimitObservation(Limits.Metric.RPD, 3, -1, null))));
            assertThat(poolA.learnedLimits()).as("adopted locally at once").hasSize(1);
            sleeper.join();
            await().atMost(10, TimeUnit.SECONDS).until(() -> a.mode().equals("shared"));

            KeyPool poolB = pool(fleet.join("b"), table);
            assertThat(admitted(poolB, "m1")).as("B under the learned rpd of 3, A's call replayed").isEqualTo(2);
            assertThat(poolB.learnedLimits()).extracting(LearnedLimit::describe).singleElement().asString().startsWith("rpd 1000 → 3, learned from p ");
        }
    }

    static int admitted(KeyPool pool, String model) {
        List<Lease> held = new ArrayList<>();
        try {
            while (held.size() < 50) held.add(pool.acquire(model, 1));
        } catch (NoAvailableKeyException refused) {
            // the cap
        } finally {
            held.forEach(Lease::release);
        }
        return held.size();
    }
}
