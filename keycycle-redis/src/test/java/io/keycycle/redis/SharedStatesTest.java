package io.keycycle.redis;

import io.keycycle.core.ApiKey;
import io.keycycle.core.EngineClock;
import io.keycycle.core.KeyState;
import io.keycycle.core.Limits;
import io.keycycle.core.NoAvailableKeyException;
import io.keycycle.core.Outcome;
import io.keycycle.core.OutcomeKind;
import io.keycycle.core.ProviderSpec;
import io.keycycle.core.Usage;
import io.keycycle.core.pool.AcquireOptions;
import io.keycycle.core.pool.KeyPool;
import io.keycycle.core.pool.Lease;
import io.keycycle.core.pool.PoolSnapshot;
import io.keycycle.core.testing.TestPools;
import io.keycycle.redis.testing.RedisTestSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Two instances (two connections, two instance ids, each with its own pool over the same keys) on
 * the system clock, so the script uses Redis TIME: a state one sets is seen by the other within
 * 100 ms, and a waiter on one is woken when the other gives capacity back.
 */
class SharedStatesTest {

    static final int DB = 5;
    RedisCluster a, b;
    KeyPool poolA, poolB;
    final List<ApiKey> keys = TestPools.keys("p", 2);

    @BeforeEach
    void setUp() {
        assumeTrue(RedisTestSupport.available(), "Redis does not answer at 127.0.0.1:6379");
        String prefix = RedisTestSupport.randomPrefix();
        a = RedisCluster.join(RedisTestSupport.settings(DB, prefix, "a"), EngineClock.system());
        b = RedisCluster.join(RedisTestSupport.settings(DB, prefix, "b"), EngineClock.system());
        poolA = pool(a, new Limits(1, Limits.NONE, Limits.NONE, Limits.NONE, Limits.NONE, Limits.NONE));
        poolB = pool(b, new Limits(1, Limits.NONE, Limits.NONE, Limits.NONE, Limits.NONE, Limits.NONE));
        // each instance has met the model (its buckets exist); the rpm of 1 is then given back
        poolA.acquire("m1", 1).release();
        poolB.acquire("m1", 1).release();
        // a release is sent without waiting for its answer: a command after it on the same connection
        // returns once it landed (else A's first admissions could find B's reservation still there)
        a.link().connection().sync().ping();
        b.link().connection().sync().ping();
    }

    KeyPool pool(RedisCluster c, Limits limits) {
        ProviderSpec spec = TestPools.spec("p");
        return KeyPool.builder(spec).keys(keys).limits(limits).profile(TestPools.statusProfile("p"))
                .clock(EngineClock.system()).stateStore(c.stateStore()).build();
    }

    @AfterEach
    void tearDown() {
        RedisTestSupport.leave(a, b);
    }

    private static KeyState state(KeyPool p, int index) {
        PoolSnapshot s = p.snapshot();
        return s.status(s.keys().get(index - 1), "m1").state();
    }

    /**
     * Nanosecond instants at which instance B's store told its pool of a change made elsewhere. The
     * 100 ms bound is checked on when B learned of the change (its listener), not on how long a
     * snapshot of B's pool takes on a busy machine; the snapshot then must show the new state.
     */
    private final List<Long> toldB = new java.util.concurrent.CopyOnWriteArrayList<>();

    private void listenOnB() { b.stateStore().addListener((provider, model) -> toldB.add(System.nanoTime())); }

    private void assertToldWithin100ms(long sentNanos) {
        await().atMost(2, TimeUnit.SECONDS).until(() -> toldB.stream().anyMatch(t -> t >= sentNanos));
        long first = toldB.stream().filter(t -> t >= sentNanos).findFirst().orElseThrow();
        assertThat((first - sentNanos) / 1_000_000.0).as("ms until instance B heard of the change").isLessThanOrEqualTo(100.0);
    }

    @Test
    void aRefusalCostsOneScriptCallPerKeyAndStillSaysWhenTheEarliestKeyFrees() {
        // instance B takes both keys' one request of the minute
        poolB.acquire("m1", 1).success(Usage.of(1, 0));
        poolB.acquire("m1", 1).success(Usage.of(1, 0));
        b.link().connection().sync().ping(); // the settlements have landed
        long before = a.link().callsBesidesUpkeep();
        long t0 = System.currentTimeMillis();
        NoAvailableKeyException refused = (NoAvailableKeyException) catchThrowable(() -> poolA.acquire("m1", 1));
        long calls = a.link().callsBesidesUpkeep() - before;
        // one reservation per key; when each frees up came with its refusal (no second look per key)
        assertThat(calls).as("script calls for a refusal over 2 keys").isEqualTo(2);
        assertThat(refused).isNotNull();
        assertThat(refused.retryAt()).as("the minute window frees a request").isNotNull();
        assertThat(refused.retryAt().toEpochMilli()).as("within the minute window and its 2.5-s sub-bucket").isBetween(t0, t0 + 63_000);
    }

    /**
     * Returns once instance A has taken in every message published on the fleet's channel so far
     * (a marker published now arrives after them): the releases of {@link #setUp} announce "freed",
     * and one arriving late would make A forget the retry instants a test is counting on.
     */
    private void aHeardEverythingPublished() {
        String marker = "barrier-" + System.nanoTime();
        java.util.concurrent.CountDownLatch heard = new java.util.concurrent.CountDownLatch(1);
        io.keycycle.core.pool.PoolStateStore.Listener l = (provider, model) -> { if (marker.equals(model)) heard.countDown(); };
        a.stateStore().addListener(l);
        try {
            a.link().connection().sync().publish(a.windows().channel(), "freed|p|" + marker);
            assertThat(heard.await(2, TimeUnit.SECONDS)).as("A heard the marker").isTrue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        } finally {
            a.stateStore().removeListener(l);
        }
    }

    @Test
    void aStormOfRefusalsAsksRedisForRetryInstantsAtMostOncePerKeyEvery100msAndAdmitsAsSoonAsCapacityComesBack() {
        Lease l1 = poolB.acquire("m1", 1), l2 = poolB.acquire("m1", 1); // both keys full, held by B
        b.link().connection().sync().ping();
        aHeardEverythingPublished();
        long t0 = System.nanoTime();
        // tries both keys: refused (2 calls); each refusal says when its key frees up, a look that is reused
        catchThrowable(() -> poolA.acquire("m1", 1));
        // keys hinted full: when each frees up comes from the refusal's look (a peek only past the reuse time)
        catchThrowable(() -> poolA.acquire("m1", 1));
        long before = a.link().callsBesidesUpkeep();
        Throwable third = catchThrowable(() -> poolA.acquire("m1", 1));
        long calls = a.link().callsBesidesUpkeep() - before, ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(third).isInstanceOf(NoAvailableKeyException.class);
        assertThat(((NoAvailableKeyException) third).retryAt()).isNotNull();
        // the engine's clock ticks in whole milliseconds: 1 ms of slack on the reuse time
        if (ms < RetryInstants.REUSE_MILLIS - 1) {
            assertThat(calls).as("script calls for a refusal " + ms + " ms after the first").isZero();
        } else {
            assertThat(calls).as("script calls for a refusal " + ms + " ms after the first (machine too slow to see the reuse)").isLessThanOrEqualTo(2);
        }
        // B gives a key back: A hears of it, forgets what it remembered, and admits at once
        l1.release();
        await().atMost(2, TimeUnit.SECONDS).until(() -> {
            try {
                poolA.acquire("m1", 1).release();
                return true;
            } catch (NoAvailableKeyException stillFull) {
                return false;
            }
        });
        l2.release();
    }

    @Test
    void aKeyDisabledOnOneInstanceIsDisabledOnTheOtherWithin100ms() {
        listenOnB();
        long sent = System.nanoTime();
        poolA.disable("1", "billing");
        assertToldWithin100ms(sent);
        await().atMost(1, TimeUnit.SECONDS).pollInterval(5, TimeUnit.MILLISECONDS)
                .until(() -> state(poolB, 1) == KeyState.DISABLED);
        sent = System.nanoTime();
        poolA.enable("1");
        assertToldWithin100ms(sent);
        await().atMost(1, TimeUnit.SECONDS).pollInterval(5, TimeUnit.MILLISECONDS)
                .until(() -> state(poolB, 1) == KeyState.READY);
    }

    @Test
    void aCooldownSetByOneInstanceHoldsOnTheOtherWithin100ms() {
        listenOnB();
        Lease l = poolA.acquire(AcquireOptions.of("m1", 1).pinned("2"));
        long sent = System.nanoTime();
        l.report(Outcome.of(OutcomeKind.RATE_LIMITED, 429, "test").withRetryAfter(Duration.ofSeconds(30)));
        assertToldWithin100ms(sent);
        await().atMost(1, TimeUnit.SECONDS).pollInterval(5, TimeUnit.MILLISECONDS)
                .until(() -> state(poolB, 2) == KeyState.COOLING);
        assertThatThrownBy(() -> poolB.acquire(AcquireOptions.of("m1", 1).pinned("2")))
                .isInstanceOf(NoAvailableKeyException.class);
    }

    /** An operator's release on one instance (its admin API) ends the hold on every instance, hint included. */
    @Test
    void aDayParkReleasedOnOneInstanceIsAdmissibleOnTheOtherWithin100ms() {
        poolA.acquire(AcquireOptions.of("m1", 1).pinned("2")).report(Outcome.of(OutcomeKind.QUOTA_EXHAUSTED, 429, "PerDay").withRetryAfter(null));
        await().atMost(1, TimeUnit.SECONDS).pollInterval(5, TimeUnit.MILLISECONDS).until(() -> state(poolB, 2) == KeyState.PARKED);
        assertThatThrownBy(() -> poolB.acquire(AcquireOptions.of("m1", 1).pinned("2"))).as("B learned of the park")
                .isInstanceOf(NoAvailableKeyException.class);
        RedisBucket key2OnB = java.util.stream.StreamSupport.stream(b.stateStore().allBuckets().spliterator(), false)
                .filter(x -> x.id().scope().equals(keys.get(1).scope()) && x.id().model().equals("m1")).findFirst().orElseThrow();
        assertThat(key2OnB.blockedHint() - System.currentTimeMillis()).as("B's refusal left it a hint: nothing before the reset")
                .isGreaterThan(Duration.ofMinutes(5).toMillis());
        listenOnB();
        long sent = System.nanoTime();
        assertThat(poolA.release("2").holds()).containsExactly("m1");
        assertToldWithin100ms(sent);
        await().atMost(1, TimeUnit.SECONDS).pollInterval(5, TimeUnit.MILLISECONDS).until(() -> state(poolB, 2) == KeyState.READY);
        assertThat(key2OnB.blockedHint()).as("B's hint went with the hold: its scans look at the key again").isZero();
        // the 429 took key 2's one request of the minute: B now waits for the minute, not for tomorrow's reset
        long t0 = System.currentTimeMillis();
        NoAvailableKeyException minute = (NoAvailableKeyException) catchThrowable(() -> poolB.acquire(AcquireOptions.of("m1", 1).pinned("2")));
        assertThat(minute.parked()).isZero();
        assertThat(minute.retryAt().toEpochMilli()).as("the minute window").isBetween(t0, t0 + 63_000);
        assertThat(poolB.release("2").isEmpty()).as("nothing held on B either").isTrue();
    }

    @Test
    void aWaiterOnOneInstanceIsWokenWhenTheOtherGivesCapacityBack() throws Exception {
        // rpm 1 per key, two keys: instance A holds both
        Lease one = poolA.acquire("m1", 1), two = poolA.acquire("m1", 1);
        long t0 = System.nanoTime();
        CompletableFuture<Lease> waiter = CompletableFuture.supplyAsync(() -> poolB.acquire(AcquireOptions.of("m1", 1).waiting(Duration.ofSeconds(90))));
        Thread.sleep(300);
        assertThat(waiter).as("B waits (the computed instant is a minute away): both keys are held by A").isNotDone();
        one.release(); // the call never left: request and tokens come back, on A
        Lease got = waiter.get(5, TimeUnit.SECONDS);
        long waitedMs = (System.nanoTime() - t0) / 1_000_000;
        assertThat(waitedMs).as("woken by A's release, not by the window (60 s)").isLessThan(3_000);
        assertThat(got.key().fingerprint()).isEqualTo(one.key().fingerprint());
        got.success(Usage.of(1, 0));
        two.success(Usage.of(1, 0));
    }
}
