package io.keycycle.redis;

import io.keycycle.core.ApiKey;
import io.keycycle.core.EngineClock;
import io.keycycle.core.KeyState;
import io.keycycle.core.Limits;
import io.keycycle.core.pool.KeyPool;
import io.keycycle.core.pool.PoolSnapshot;
import io.keycycle.core.testing.TestPools;
import io.keycycle.redis.testing.RedisTestSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Names a user chooses (scopes) or a provider sends (reasons) may hold the characters Redis key
 * names and fleet messages are made with. Until 2026-12-04 scope {@code a:b} with model {@code c}
 * and scope {@code a} with model {@code b:c} were one bucket in Redis, sharing their windows, and a
 * reason holding {@code |} reached the other instances cut at its first {@code |}; until 2026-12-05
 * the same held for provider names ({@code :} and {@code |}) and for a model's {@code |} in the
 * fleet's messages.
 */
class SeparatorsInNamesTest {

    static final int DB = 5;
    static final Limits ONE_PER_MINUTE = new Limits(1, Limits.NONE, Limits.NONE, Limits.NONE, Limits.NONE, Limits.NONE);
    RedisCluster a, b;

    @BeforeEach
    void join() {
        assumeTrue(RedisTestSupport.available(), "Redis does not answer at 127.0.0.1:6379");
        String prefix = RedisTestSupport.randomPrefix();
        a = RedisCluster.join(RedisTestSupport.settings(DB, prefix, "a"), EngineClock.system());
        b = RedisCluster.join(RedisTestSupport.settings(DB, prefix, "b"), EngineClock.system());
    }

    @AfterEach
    void leave() {
        RedisTestSupport.leave(a, b);
    }

    static KeyPool pool(RedisCluster c, List<ApiKey> keys) {
        return KeyPool.builder(TestPools.spec("p")).keys(keys).limits(ONE_PER_MINUTE).profile(TestPools.statusProfile("p"))
                .clock(EngineClock.system()).stateStore(c.stateStore()).build();
    }

    @Test
    void aScopeWithAColonDoesNotShareABucketWithAnotherScopesModel() {
        KeyPool pool = pool(a, TestPools.keys("p", 2, "a:b", "a"));
        assertThat(RedisTestSupport.drain(pool, "c")).as("model c: scope a:b and scope a, one request each").isEqualTo(2);
        assertThat(RedisTestSupport.drain(pool, "b:c")).as("model b:c: scope a:b and scope a, one request each").isEqualTo(2);
    }

    @Test
    void aReasonWithBarsReachesTheOtherInstancesWhole() {
        List<ApiKey> keys = TestPools.keys("p", 2, "org|1");
        KeyPool poolA = pool(a, keys), poolB = pool(b, keys);
        String why = "suspected leak | ticket 42 | see runbook";
        poolA.disable("1", why);
        await().atMost(5, TimeUnit.SECONDS).untilAsserted(() -> {
            PoolSnapshot s = poolB.snapshot();
            PoolSnapshot.KeyView k = s.keys().get(0);
            assertThat(k.state()).isEqualTo(KeyState.DISABLED);
            assertThat(k.reason()).endsWith(why);
        });
        assertThat(RedisTestSupport.drain(poolB, "m")).as("the other key, in scope org|1, still serves").isEqualTo(1);
    }

    @Test
    void aProviderWithAColonDoesNotShareABucketWithAnotherProvidersScope() {
        // before: provider a:b, scope c, model m and provider a, scope b, model c:m were one Redis key
        KeyPool ab = KeyPool.builder(TestPools.spec("a:b")).keys(TestPools.keys("a:b", 1, "c")).limits(ONE_PER_MINUTE)
                .profile(TestPools.statusProfile("a:b")).clock(EngineClock.system()).stateStore(a.stateStore()).build();
        KeyPool plain = KeyPool.builder(TestPools.spec("a")).keys(TestPools.keys("a", 1, "b")).limits(ONE_PER_MINUTE)
                .profile(TestPools.statusProfile("a")).clock(EngineClock.system()).stateStore(a.stateStore()).build();
        assertThat(RedisTestSupport.drain(ab, "m")).as("provider a:b, scope c, model m").isEqualTo(1);
        assertThat(RedisTestSupport.drain(plain, "c:m")).as("provider a, scope b, model c:m").isEqualTo(1);
    }

    @Test
    void aDisabledKeyOfAProviderWithABarReachesTheOtherInstances() {
        String provider = "team|eu";
        List<ApiKey> keys = TestPools.keys(provider, 2);
        KeyPool poolA = KeyPool.builder(TestPools.spec(provider)).keys(keys).limits(ONE_PER_MINUTE).profile(TestPools.statusProfile(provider))
                .clock(EngineClock.system()).stateStore(a.stateStore()).build();
        KeyPool poolB = KeyPool.builder(TestPools.spec(provider)).keys(keys).limits(ONE_PER_MINUTE).profile(TestPools.statusProfile(provider))
                .clock(EngineClock.system()).stateStore(b.stateStore()).build();
        assertThat(poolB.snapshot().keys()).allSatisfy(k -> assertThat(k.state()).isNotEqualTo(KeyState.DISABLED));
        poolA.disable("1", "revoked");
        await().atMost(5, TimeUnit.SECONDS).untilAsserted(() ->
                assertThat(poolB.snapshot().keys().get(0).state()).as("key 1 on the other instance").isEqualTo(KeyState.DISABLED));
    }

    @Test
    void aModelWithABarMarkedUnavailableReachesTheOtherInstancesUnderItsName() {
        String model = "vendor/model|preview";
        var onB = b.stateStore().model("p", model);
        long now = System.currentTimeMillis();
        assertThat(onB.unavailableAt(now)).isFalse();
        a.stateStore().model("p", model).markUnavailable(now, "retired | use v2", 60_000, 60_000);
        await().atMost(5, TimeUnit.SECONDS).untilAsserted(() -> {
            assertThat(onB.unavailableAt(System.currentTimeMillis())).as("the model on the other instance").isTrue();
            assertThat(onB.unavailableReason()).contains("retired | use v2");
        });
        assertThat(b.stateStore().model("p", "vendor/model").unavailableAt(System.currentTimeMillis()))
                .as("the model named by the part before the bar").isFalse();
    }
}
