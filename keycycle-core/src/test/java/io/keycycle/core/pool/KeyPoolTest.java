package io.keycycle.core.pool;

import io.keycycle.core.ApiKey;
import io.keycycle.core.DailyReset;
import io.keycycle.core.InvalidKeyException;
import io.keycycle.core.KeyNotFoundException;
import io.keycycle.core.KeyState;
import io.keycycle.core.KeycycleEvent;
import io.keycycle.core.Limits;
import io.keycycle.core.NoAvailableKeyException;
import io.keycycle.core.Outcome;
import io.keycycle.core.OutcomeKind;
import io.keycycle.core.ProviderResponse;
import io.keycycle.core.ProviderSpec;
import io.keycycle.core.RateLimitException;
import io.keycycle.core.Strategy;
import io.keycycle.core.Usage;
import io.keycycle.core.testing.ManualClock;
import io.keycycle.core.testing.TestPools;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class KeyPoolTest {

    final ManualClock clock = ManualClock.at("2026-11-28T10:00:00Z");
    final List<KeycycleEvent> events = new CopyOnWriteArrayList<>();

    KeyPool pool(int keys, Limits limits, String... scopes) {
        return pool(TestPools.spec("groq"), keys, limits, Selection.HEADROOM, scopes);
    }

    KeyPool pool(ProviderSpec spec, int keys, Limits limits, Selection sel, String... scopes) {
        return KeyPool.builder(spec).keys(TestPools.keys(spec.name(), keys, scopes)).limits(limits)
                .profile(TestPools.statusProfile(spec.name())).clock(clock).selection(sel).listener(events::add).build();
    }

    static Limits rpm(long n) { return new Limits(n, -1, -1, -1, -1, -1); }

    @Test
    void admitsUpToTheLimitOfEveryKeyThenFailsFastWithContext() {
        KeyPool p = pool(3, rpm(2));
        for (int i = 0; i < 6; i++) p.acquire("m1", 10).success(Usage.of(5, 5));
        assertThatThrownBy(() -> p.acquire("m1", 10))
                .isInstanceOfSatisfying(NoAvailableKeyException.class, e -> {
                    assertThat(e.provider()).isEqualTo("groq");
                    assertThat(e.model()).isEqualTo("m1");
                    assertThat(e.totalKeys()).isEqualTo(3);
                    assertThat(e.retryAt()).isAfter(clock.now()).isBeforeOrEqualTo(clock.now().plusSeconds(63));
                })
                .hasMessageContaining("groq").hasMessageContaining("m1");
        assertThat(events).filteredOn(e -> e instanceof KeycycleEvent.Rejected).hasSize(1);
    }

    /**
     * A call longer than the window stays counted while it is in flight: with 1 request and 55
     * tokens a minute, a lease held for 65 s must not let a second call in (the old rings dropped
     * the reservation from the minute after 60 s, and its settlement then put 2 requests and
     * 100 tokens into one minute).
     */
    @Test
    void aCallLongerThanTheWindowStaysCountedUntilItLands() {
        KeyPool p = pool(1, new Limits(1, -1, -1, 55, -1, -1));
        Lease first = p.acquire("m1", 50);
        clock.advance(Duration.ofSeconds(65));
        assertThatThrownBy(() -> p.acquire("m1", 50)).isInstanceOf(NoAvailableKeyException.class);
        assertThat(p.nextAdmissible("m1", 0)).isAfter(clock.now());
        first.success(Usage.of(20, 30));
        assertThatThrownBy(() -> p.acquire("m1", 0)).as("the landed request counts from its settlement").isInstanceOf(NoAvailableKeyException.class);
        clock.advance(Duration.ofSeconds(63));
        p.acquire("m1", 5).success(Usage.of(2, 3));
    }

    @Test
    void windowRollsOffAfterAMinute() {
        KeyPool p = pool(1, rpm(1));
        p.acquire("m1", 0).success(Usage.NONE);
        assertThatThrownBy(() -> p.acquire("m1", 0)).isInstanceOf(NoAvailableKeyException.class);
        Instant retry = p.nextAdmissible("m1", 0);
        assertThat(Duration.between(clock.now(), retry)).isBetween(Duration.ofSeconds(60), Duration.ofMillis(62_500));
        clock.set(retry.toEpochMilli() - 1);
        assertThatThrownBy(() -> p.acquire("m1", 0)).isInstanceOf(NoAvailableKeyException.class);
        clock.set(retry.toEpochMilli());
        assertThat(p.acquire("m1", 0)).isNotNull();
    }

    @Test
    void tokensAreReservedThenReplacedByActualUsage() {
        KeyPool p = pool(1, new Limits(-1, -1, -1, 1000, -1, -1));
        Lease a = p.acquire("m1", 600);
        assertThatThrownBy(() -> p.acquire("m1", 600)).isInstanceOf(NoAvailableKeyException.class);
        a.success(Usage.of(100, 100));
        Lease b = p.acquire("m1", 600); // 200 used + 600 reserved
        assertThat(b).isNotNull();
        assertThatThrownBy(() -> p.acquire("m1", 300)).isInstanceOf(NoAvailableKeyException.class);
        b.release();
        assertThat(p.acquire("m1", 800)).isNotNull();
    }

    @Test
    void failedCallThatTheProviderDidNotCountGivesTheRequestBack() {
        KeyPool p = pool(1, rpm(1));
        p.acquire("m1", 0).report(Outcome.of(OutcomeKind.TRANSIENT, 502, "bad gateway"));
        assertThat(p.acquire("m1", 0)).isNotNull();
    }

    @Test
    void aLeaseIsSettledExactlyOnce() {
        KeyPool p = pool(1, rpm(5));
        Lease l = p.acquire("m1", 0);
        assertThat(l.success(Usage.of(1, 1))).isTrue();
        assertThat(l.release()).isFalse();
        assertThat(events).filteredOn(e -> e instanceof KeycycleEvent.Settled).hasSize(1);
    }

    @Test
    void unreportedLeasesExpireAndReleaseTokens() {
        ProviderSpec spec = TestPools.spec("groq");
        KeyPool p = KeyPool.builder(spec).keys(TestPools.keys("groq", 1)).limits(new Limits(-1, -1, -1, 100, -1, -1))
                .profile(TestPools.statusProfile("groq")).clock(clock).listener(events::add)
                .policy(PoolPolicy.DEFAULT.withLeaseTimeout(Duration.ofSeconds(30))).build();
        p.acquire("m1", 100);
        assertThat(p.openLeases()).isEqualTo(1);
        clock.advance(Duration.ofSeconds(31));
        assertThat(p.expireLeases()).isEqualTo(1);
        assertThat(p.openLeases()).isZero();
        assertThat(p.acquire("m1", 100)).isNotNull();
        assertThat(events).filteredOn(e -> e instanceof KeycycleEvent.LeaseExpired).hasSize(1);
    }

    /**
     * A call that outlives the lease timeout (a stream may run 30 minutes, the lease 10) and then
     * reports its usage: the tokens count, in full (the estimate was given back at expiry), once.
     * They were dropped before: 800 more tokens were admitted when 100 were left in the day.
     */
    @Test
    void usageReportedAfterTheLeaseExpiredCountsInFullOnce() {
        KeyPool p = KeyPool.builder(TestPools.spec("groq")).keys(TestPools.keys("groq", 1))
                .limits(new Limits(-1, -1, -1, -1, -1, 1000)).profile(TestPools.statusProfile("groq")).clock(clock).build();
        Lease longCall = p.acquire("m1", 100);
        clock.advance(Duration.ofMinutes(11));
        p.acquire("m1", 0).success(Usage.of(0, 0)); // another call sweeps the expired lease
        assertThat(p.openLeases()).isZero();
        assertThat(longCall.success(Usage.of(400, 500))).as("the late report is taken").isTrue();
        assertThat(longCall.success(Usage.of(400, 500))).as("once").isFalse();
        assertThatThrownBy(() -> p.acquire("m1", 101)).as("900 of the day's 1,000 tokens are used")
                .isInstanceOf(NoAvailableKeyException.class);
        assertThat(p.acquire("m1", 100)).isNotNull();
    }

    @Test
    void rateLimitCoolsTheScopeAndNeverShortensACooldown() {
        KeyPool p = pool(2, rpm(100), "org-a", "org-b");
        Lease l = p.acquire(AcquireOptions.of("m1", 0).pinned("1"));
        l.report(Outcome.of(OutcomeKind.RATE_LIMITED, 429, "rpm").withRetryAfter(Duration.ofSeconds(30)));
        Lease l2 = p.acquire("m1", 0);
        assertThat(l2.key().index()).isEqualTo(2);
        // a shorter cooldown reported later does not shorten it
        Lease l3 = p.acquire(AcquireOptions.of("m1", 0).pinned("2"));
        l3.report(Outcome.of(OutcomeKind.RATE_LIMITED, 429, "rpm").withRetryAfter(Duration.ofSeconds(60)));
        assertThatThrownBy(() -> p.acquire(AcquireOptions.of("m1", 0).pinned("1")))
                .isInstanceOf(NoAvailableKeyException.class);
        clock.advance(Duration.ofSeconds(30));
        assertThat(p.acquire(AcquireOptions.of("m1", 0).pinned("1"))).isNotNull();
        assertThat(events).filteredOn(e -> e instanceof KeycycleEvent.StateChanged s && s.state() == KeyState.COOLING).hasSize(2);
    }

    @Test
    void keysSharingAScopeShareItsLimits() {
        KeyPool p = pool(4, rpm(2), "project-1", "project-2");
        for (int i = 0; i < 4; i++) p.acquire("m1", 0);
        assertThatThrownBy(() -> p.acquire("m1", 0)).isInstanceOf(NoAvailableKeyException.class);
    }

    @Test
    void perModelBucketsAreIndependentAndGlobalBucketsShared() {
        KeyPool perModel = pool(1, rpm(1));
        perModel.acquire("m1", 0);
        assertThat(perModel.acquire("m2", 0)).isNotNull();

        KeyPool global = pool(TestPools.spec("openrouter", Strategy.GLOBAL, DailyReset.midnight(ZoneId.of("UTC"))), 1, rpm(1), Selection.HEADROOM);
        global.acquire("m1", 0);
        assertThatThrownBy(() -> global.acquire("m2", 0)).isInstanceOf(NoAvailableKeyException.class);
    }

    @Test
    void quotaExhaustedParksUntilTheCalendarResetOfTheProvider() {
        ProviderSpec gemini = TestPools.spec("gemini", Strategy.PER_MODEL, DailyReset.midnight(ZoneId.of("America/Los_Angeles")));
        KeyPool p = pool(gemini, 1, rpm(100), Selection.HEADROOM);
        p.acquire("m1", 0).report(Outcome.of(OutcomeKind.QUOTA_EXHAUSTED, 429, "PerDay").withRetryAfter(null));
        NoAvailableKeyException e = catchNoKey(() -> p.acquire("m1", 0));
        Instant reset = Instant.parse("2026-11-29T08:00:00Z"); // midnight PST
        assertThat(e.retryAt()).isEqualTo(reset);
        assertThat(e.parked()).isEqualTo(1);
        assertThat(p.acquire("m2", 0)).as("another model of the project is not parked").isNotNull();
        clock.set(reset.toEpochMilli());
        assertThat(p.acquire("m1", 0)).isNotNull();
    }

    @Test
    void calendarDayWindowResetsAtMidnight() {
        ProviderSpec or = TestPools.spec("openrouter", Strategy.GLOBAL, DailyReset.midnight(ZoneId.of("UTC")));
        KeyPool p = pool(or, 1, new Limits(-1, -1, 3, -1, -1, -1), Selection.HEADROOM);
        for (int i = 0; i < 3; i++) p.acquire("m1", 0).success(Usage.NONE);
        assertThat(catchNoKey(() -> p.acquire("m1", 0)).retryAt()).isEqualTo(Instant.parse("2026-11-29T00:00:00Z"));
        clock.set(Instant.parse("2026-11-29T00:00:00Z").toEpochMilli());
        assertThat(p.acquire("m1", 0)).isNotNull();
    }

    @Test
    void invalidKeyIsDisabledAndNeverUsedAgain() {
        KeyPool p = pool(2, rpm(100));
        Lease l = p.acquire(AcquireOptions.of("m1", 0).pinned("1"));
        l.report(Outcome.of(OutcomeKind.KEY_INVALID, 400, "API_KEY_INVALID"));
        Set<Integer> used = new HashSet<>();
        for (int i = 0; i < 20; i++) used.add(p.acquire("m1", 0).key().index());
        assertThat(used).containsExactly(2);
        assertThatThrownBy(() -> p.acquire(AcquireOptions.of("m1", 0).pinned("1"))).isInstanceOf(InvalidKeyException.class)
                .hasMessageContaining(p.keys().get(0).fingerprint()).hasMessageNotContaining(p.keys().get(0).secret());
        assertThat(p.snapshot().keys().get(0).state()).isEqualTo(KeyState.DISABLED);
    }

    @Test
    void scopeWideSuspensionDisablesEveryKeyOfTheScope() {
        KeyPool p = pool(4, rpm(100), "org-a", "org-b");
        p.acquire(AcquireOptions.of("m1", 0).pinned("1"))
                .report(Outcome.of(OutcomeKind.KEY_SUSPENDED, 400, "organization_restricted").withScopeWide(true));
        assertThat(p.snapshot().keys()).extracting(PoolSnapshot.KeyView::state)
                .containsExactly(KeyState.DISABLED, KeyState.READY, KeyState.DISABLED, KeyState.READY);
    }

    @Test
    void modelUnavailableStopsThatModelOnly() {
        KeyPool p = pool(2, rpm(100));
        p.acquire("m1", 0).report(Outcome.of(OutcomeKind.MODEL_UNAVAILABLE, 404, "model_not_found"));
        NoAvailableKeyException e = catchNoKey(() -> p.acquire("m1", 0));
        assertThat(e.retryAt()).isNull();
        assertThat(e).hasMessageContaining("unavailable");
        assertThat(p.acquire("m2", 0)).isNotNull();
    }

    @Test
    void overloadBacksOffTheModelWithJitterWithinBounds() {
        KeyPool p = pool(2, rpm(100));
        p.acquire("m1", 0).report(Outcome.of(OutcomeKind.OVERLOADED, 503, "over capacity"));
        NoAvailableKeyException e = catchNoKey(() -> p.acquire("m1", 0));
        assertThat(Duration.between(clock.now(), e.retryAt())).isBetween(Duration.ofSeconds(1), Duration.ofMillis(1500));
    }

    @Test
    void providerHeadersSayingZeroRemainingAreBelieved() {
        KeyPool p = pool(1, new Limits(30, -1, 1000, -1, -1, -1));
        Lease l = p.acquire("m1", 0);
        l.report(Outcome.success(Usage.of(1, 1)).withObservations(List.of(
                new io.keycycle.core.RateLimitObservation(Limits.Metric.RPD, 1000, 0, Duration.ofMinutes(3)))));
        NoAvailableKeyException e = catchNoKey(() -> p.acquire("m1", 0));
        assertThat(e.retryAt()).isEqualTo(clock.now().plus(Duration.ofMinutes(3)));
    }

    @Test
    void providerHeadersCatchUpLaggingCounters() {
        KeyPool p = pool(1, new Limits(-1, -1, 10, -1, -1, -1));
        p.acquire("m1", 0).report(Outcome.success(Usage.NONE).withObservations(List.of(
                new io.keycycle.core.RateLimitObservation(Limits.Metric.RPD, 10, 2, Duration.ofHours(1)))));
        p.acquire("m1", 0);
        p.acquire("m1", 0);
        assertThatThrownBy(() -> p.acquire("m1", 0)).isInstanceOf(NoAvailableKeyException.class);
    }

    @Test
    void pinningAnUnknownKeyThrowsKeyNotFound() {
        KeyPool p = pool(2, rpm(1));
        assertThatThrownBy(() -> p.acquire(AcquireOptions.of("m1", 0).pinned("7"))).isInstanceOf(KeyNotFoundException.class)
                .hasMessageContaining("'7'").hasMessageContaining("2 keys");
        ApiKey second = p.keys().get(1);
        assertThat(p.acquire(AcquireOptions.of("m1", 0).pinned(second.fingerprint())).key()).isEqualTo(second);
    }

    @Test
    void sessionAffinityKeepsAConversationOnOneKey() {
        KeyPool p = pool(5, rpm(100));
        int first = p.acquire(AcquireOptions.of("m1", 0).session("chat-1")).key().index();
        for (int i = 0; i < 10; i++) {
            p.acquire("m1", 0); // other traffic moves the cursor
            assertThat(p.acquire(AcquireOptions.of("m1", 0).session("chat-1")).key().index()).isEqualTo(first);
        }
    }

    @Test
    void selectionPolicies() {
        KeyPool ff = pool(TestPools.spec("groq"), 3, rpm(100), Selection.FIRST_FIT);
        for (int i = 0; i < 5; i++) assertThat(ff.acquire("m1", 0).key().index()).isEqualTo(1);
        KeyPool rr = pool(TestPools.spec("groq"), 3, rpm(100), Selection.ROUND_ROBIN);
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < 6; i++) order.add(rr.acquire("m1", 0).key().index());
        assertThat(order).containsExactly(1, 2, 3, 1, 2, 3);
        KeyPool hr = pool(TestPools.spec("groq"), 4, rpm(100), Selection.HEADROOM);
        int[] counts = new int[5];
        for (int i = 0; i < 200; i++) counts[hr.acquire("m1", 0).key().index()]++;
        for (int k = 1; k <= 4; k++) assertThat(counts[k]).as("key %d", k).isBetween(40, 60);
    }

    @Test
    void waiterWakesAtTheComputedInstantInFifoOrder() throws Exception {
        KeyPool p = pool(1, rpm(1));
        p.acquire("m1", 0).success(Usage.NONE);
        Instant computed = p.nextAdmissible("m1", 0);
        List<String> order = new CopyOnWriteArrayList<>();
        CompletableFuture<Lease> first = CompletableFuture.supplyAsync(() -> {
            Lease l = p.acquire(AcquireOptions.of("m1", 0).waiting(Duration.ofMinutes(5)));
            order.add("first");
            return l;
        });
        await().atMost(5, TimeUnit.SECONDS).until(() -> clock.parkedCount() == 1);
        CompletableFuture<Lease> second = CompletableFuture.supplyAsync(() -> {
            Lease l = p.acquire(AcquireOptions.of("m1", 0).waiting(Duration.ofMinutes(5)));
            order.add("second");
            return l;
        });
        await().atMost(5, TimeUnit.SECONDS).until(() -> clock.parkedCount() == 2);
        assertThat(clock.earliestDeadline()).isLessThanOrEqualTo(computed.toEpochMilli());
        clock.set(computed.toEpochMilli());
        Lease l1 = first.get(5, TimeUnit.SECONDS);
        assertThat(l1.admittedAt()).isEqualTo(computed);
        assertThat(second).isNotDone();
        l1.success(Usage.NONE);
        clock.set(p.nextAdmissible("m1", 0).toEpochMilli());
        second.get(5, TimeUnit.SECONDS);
        assertThat(order).containsExactly("first", "second");
    }

    @Test
    void waiterGivesUpAtTheDeadlineWhenTheInstantIsLater() {
        KeyPool p = pool(1, rpm(1));
        p.acquire("m1", 0);
        long t0 = clock.millis();
        assertThatThrownBy(() -> p.acquire(AcquireOptions.of("m1", 0).waiting(Duration.ofSeconds(5))))
                .isInstanceOf(NoAvailableKeyException.class);
        assertThat(clock.millis()).as("failed at once, no pointless wait").isEqualTo(t0);
    }

    @Test
    void releaseWakesAWaiterEarly() throws Exception {
        KeyPool p = pool(1, new Limits(-1, -1, -1, 100, -1, -1));
        Lease held = p.acquire("m1", 100);
        CompletableFuture<Lease> w = CompletableFuture.supplyAsync(() -> p.acquire(AcquireOptions.of("m1", 100).waiting(Duration.ofMinutes(2))));
        await().atMost(5, TimeUnit.SECONDS).until(() -> clock.parkedCount() == 1);
        held.release();
        assertThat(w.get(5, TimeUnit.SECONDS)).isNotNull();
    }

    @Test
    void callRotatesPast429sAndRecordsUsage() {
        KeyPool p = pool(3, rpm(100));
        List<Integer> tried = new ArrayList<>();
        ProviderResponse ok = ProviderResponse.of(200, "{}");
        ProviderResponse limited = ProviderResponse.of(429, "{}", "retry-after", "7");
        ProviderResponse r = p.call("m1", 10, key -> {
            tried.add(key.index());
            return tried.size() < 3 ? limited : ok;
        });
        assertThat(r.status()).isEqualTo(200);
        assertThat(new HashSet<>(tried)).hasSize(3);
    }

    @Test
    void callStopsAtMaxRetriesWithAttemptsAndCause() {
        KeyPool p = pool(5, rpm(100));
        assertThatThrownBy(() -> p.call(CallOptions.of("m1", 10).maxRetries(2), key -> ProviderResponse.of(500, "boom")))
                .isInstanceOfSatisfying(RateLimitException.class, e -> {
                    assertThat(e.attempts()).hasSize(3);
                    assertThat(e.lastOutcome().kind()).isEqualTo(OutcomeKind.TRANSIENT);
                    assertThat(e.getCause()).isInstanceOf(io.keycycle.core.ProviderHttpException.class);
                });
    }

    @Test
    void callDoesNotRotateAnInvalidRequest() {
        KeyPool p = pool(5, rpm(100));
        int[] calls = {0};
        assertThatThrownBy(() -> p.call("m1", 10, key -> { calls[0]++; return ProviderResponse.of(400, "context too long"); }))
                .isInstanceOf(RateLimitException.class).hasMessageContaining("not retryable");
        assertThat(calls[0]).isEqualTo(1);
    }

    @Test
    void callWaitsForACooldownWhenAllowed() throws Exception {
        KeyPool p = pool(1, rpm(100));
        int[] calls = {0};
        CompletableFuture<ProviderResponse> f = CompletableFuture.supplyAsync(() -> p.call(
                CallOptions.of("m1", 10).waiting(true).timeout(Duration.ofMinutes(2)),
                key -> ++calls[0] == 1 ? ProviderResponse.of(429, "{}", "retry-after", "20") : ProviderResponse.of(200, "{}")));
        await().atMost(5, TimeUnit.SECONDS).until(() -> clock.parkedCount() == 1);
        assertThat(clock.earliestDeadline()).isEqualTo(clock.millis() + 20_000);
        clock.advance(Duration.ofSeconds(20));
        assertThat(f.get(5, TimeUnit.SECONDS).status()).isEqualTo(200);
    }

    @Test
    void callWithNoKeyAtAllThrowsNoAvailableKey() {
        KeyPool p = pool(1, rpm(0));
        assertThatThrownBy(() -> p.call("m1", 0, key -> "never")).isInstanceOf(NoAvailableKeyException.class);
    }

    @Test
    void exceptionsFromTheCallAreClassified() {
        KeyPool p = pool(2, rpm(100));
        int[] calls = {0};
        String r = p.call("m1", 0, key -> {
            if (calls[0]++ == 0) throw new java.net.ConnectException("refused");
            return "ok";
        });
        assertThat(r).isEqualTo("ok");
    }

    @Test
    void hydrationRestoresWindowsAndStates() {
        KeyPool p = pool(1, new Limits(-1, 5, -1, -1, -1, -1));
        ApiKey k = p.keys().get(0);
        for (int i = 0; i < 5; i++) p.restoreUsage("groq", k.fingerprint(), "m1", clock.now().minusSeconds(600 + i), 1, 10);
        assertThatThrownBy(() -> p.acquire("m1", 0)).isInstanceOf(NoAvailableKeyException.class);
        p.restoreState(new KeycycleEvent.StateChanged(clock.now(), "groq", KeycycleEvent.Level.KEY, k.scope(), k.fingerprint(),
                "*", KeyState.DISABLED, null, "invalid key: 401"));
        assertThat(p.snapshot().keys().get(0).state()).isEqualTo(KeyState.DISABLED);
    }

    @Test
    void toStringOfKeysAndLeasesShowsOnlyFingerprints() {
        KeyPool p = pool(1, rpm(10));
        Lease l = p.acquire("m1", 0);
        assertThat(l.toString()).doesNotContain(l.key().secret()).contains(l.fingerprint());
    }

    private static NoAvailableKeyException catchNoKey(Runnable r) {
        try {
            r.run();
        } catch (NoAvailableKeyException e) {
            return e;
        }
        throw new AssertionError("expected NoAvailableKeyException");
    }
}
