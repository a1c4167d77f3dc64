package io.keycycle.core.pool;

import io.keycycle.core.DailyReset;
import io.keycycle.core.KeyState;
import io.keycycle.core.Limits;
import io.keycycle.core.NoAvailableKeyException;
import io.keycycle.core.Outcome;
import io.keycycle.core.OutcomeKind;
import io.keycycle.core.Strategy;
import io.keycycle.core.Usage;
import io.keycycle.core.testing.ManualClock;
import io.keycycle.core.testing.TestPools;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** Elapsed time is measured on the monotonic clock: stepping the wall clock changes no window, cooldown, wait or expiry. */
class WallClockStepTest {

    final ManualClock clock = ManualClock.at("2026-11-28T10:00:00Z");

    KeyPool pool(Limits limits, DailyReset reset, PoolPolicy policy) {
        return KeyPool.builder(TestPools.spec("groq", Strategy.PER_MODEL, reset)).keys(TestPools.keys("groq", 1)).limits(limits)
                .profile(TestPools.statusProfile("groq")).clock(clock).policy(policy).build();
    }

    KeyPool pool(Limits limits) { return pool(limits, DailyReset.sliding(), PoolPolicy.DEFAULT); }

    static Limits rpm(long n) { return new Limits(n, -1, -1, -1, -1, -1); }

    @Test
    void aWallClockSteppedBackDoesNotFreezeAFullWindow() {
        KeyPool p = pool(rpm(2));
        p.acquire("m1", 0).success(Usage.NONE);
        p.acquire("m1", 0).success(Usage.NONE);
        assertThatThrownBy(() -> p.acquire("m1", 0)).isInstanceOf(NoAvailableKeyException.class);
        clock.stepWall(Duration.ofHours(-1));
        clock.advance(Duration.ofSeconds(63)); // a minute passes; the wall clock still reads 59 minutes earlier
        assertThat(p.acquire("m1", 0)).as("the minute window drained on the monotonic clock").isNotNull();
    }

    @Test
    void aWallClockSteppedForwardDoesNotEndACooldownEarly() {
        KeyPool p = pool(rpm(100));
        p.acquire("m1", 0).report(Outcome.of(OutcomeKind.RATE_LIMITED, 429, "429").withRetryAfter(Duration.ofSeconds(30)));
        clock.stepWall(Duration.ofHours(1));
        assertThatThrownBy(() -> p.acquire("m1", 0)).isInstanceOf(NoAvailableKeyException.class);
        PoolSnapshot.BucketView b = p.snapshot().buckets().get(0);
        assertThat(b.state()).isEqualTo(KeyState.COOLING);
        assertThat(b.until()).as("shown on the wall clock").isEqualTo(clock.now().plusSeconds(30));
        clock.advance(Duration.ofSeconds(29));
        assertThatThrownBy(() -> p.acquire("m1", 0)).isInstanceOf(NoAvailableKeyException.class);
        clock.advance(Duration.ofSeconds(1));
        assertThat(p.acquire("m1", 0)).isNotNull();
    }

    @Test
    void aWallClockSteppedForwardDoesNotExpireLeases() {
        KeyPool p = pool(rpm(100));
        Lease l = p.acquire("m1", 500);
        clock.stepWall(Duration.ofHours(2));
        assertThat(p.expireLeases()).isZero();
        assertThat(l.success(Usage.of(10, 10))).isTrue();
        Lease m = p.acquire("m1", 500);
        clock.stepWall(Duration.ofHours(-2));
        clock.advance(Duration.ofMinutes(10));
        assertThat(p.expireLeases()).as("ten minutes passed, whatever the wall clock says").isEqualTo(1);
        assertThat(m.isDone()).isTrue();
    }

    @Test
    void aWaiterKeepsItsDeadlineWhenTheWallClockSteps() throws Exception {
        KeyPool p = pool(rpm(1));
        p.acquire("m1", 0).success(Usage.NONE);
        CompletableFuture<Lease> waiter = CompletableFuture.supplyAsync(
                () -> p.acquire(new AcquireOptions("m1", 0, Duration.ofSeconds(90), null, null)));
        await().atMost(Duration.ofSeconds(5)).until(() -> clock.parkedCount() == 1);
        clock.stepWall(Duration.ofHours(3));      // neither served early nor timed out
        clock.stepWall(Duration.ofHours(-6));
        Thread.sleep(50);
        assertThat(waiter).isNotDone();
        clock.advance(Duration.ofSeconds(63));
        assertThat(waiter.get(5, TimeUnit.SECONDS)).isNotNull();
    }

    @Test
    void aCallDeadlineIsMeasuredOnTheMonotonicClock() {
        KeyPool p = pool(rpm(100));
        List<Integer> calls = new ArrayList<>();
        p.call(CallOptions.of("m1", 0).timeout(Duration.ofSeconds(10)), k -> {
            calls.add(1);
            if (calls.size() == 1) clock.stepWall(Duration.ofHours(1)); // the first attempt "took an hour" on the wall clock
            return io.keycycle.core.ProviderResponse.of(calls.size() == 1 ? 500 : 200, "{}");
        });
        assertThat(calls).as("the deadline had not passed: rotated to a second attempt").hasSize(2);
    }

    @Test
    void aCalendarDayFollowsTheWallClockButNeverResetsTwice() {
        clock.set(java.time.Instant.parse("2026-11-28T23:59:00Z").toEpochMilli());
        KeyPool p = pool(new Limits(-1, -1, 1, -1, -1, -1), DailyReset.midnight(ZoneOffset.UTC), PoolPolicy.DEFAULT);
        p.acquire("m1", 0).success(Usage.NONE);
        assertThatThrownBy(() -> p.acquire("m1", 0)).isInstanceOf(NoAvailableKeyException.class);
        clock.advance(Duration.ofMinutes(2));                      // past midnight: a new day
        p.acquire("m1", 0).success(Usage.NONE);
        clock.stepWall(Duration.ofMinutes(-5));                    // back into yesterday on the wall clock
        assertThatThrownBy(() -> p.acquire("m1", 0)).as("today's request still counts").isInstanceOf(NoAvailableKeyException.class);
        clock.advance(Duration.ofMinutes(4));                      // the wall clock crosses midnight again
        assertThatThrownBy(() -> p.acquire("m1", 0)).as("the day does not reset twice").isInstanceOf(NoAvailableKeyException.class);
    }

    // ------------------------------------------------------------------ property: random wall steps

    sealed interface Step permits Acquire, Limited, Pass, WallStep { }
    record Acquire(long tokens) implements Step { }
    record Limited(int seconds) implements Step { }
    record Pass(long millis) implements Step { }
    record WallStep(long millis) implements Step { }

    @Provide
    Arbitrary<List<Step>> steps() {
        Arbitrary<Step> acquire = Arbitraries.longs().between(0, 40).map(Acquire::new);
        Arbitrary<Step> limited = Arbitraries.integers().between(1, 90).map(Limited::new);
        Arbitrary<Step> pass = Arbitraries.longs().between(0, 20_000).map(Pass::new);
        Arbitrary<Step> wall = Arbitraries.longs().between(-7_200_000, 7_200_000).map(WallStep::new);
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(10, acquire), net.jqwik.api.Tuple.of(1, limited),
                net.jqwik.api.Tuple.of(6, pass), net.jqwik.api.Tuple.of(2, wall)).list().ofMinSize(20).ofMaxSize(300);
    }

    /**
     * Whatever the wall clock does, measured on the monotonic clock: no minute or hour window holds
     * more than its limit, and nothing is admitted during a cooldown.
     */
    @Property(tries = 200)
    void steppingTheWallClockNeverLetsAWindowOrACooldownBeExceeded(@ForAll("steps") List<Step> steps) {
        ManualClock c = ManualClock.at("2026-11-28T10:00:00Z");
        Limits limits = new Limits(3, 20, -1, 100, 600, -1);
        KeyPool p = KeyPool.builder(TestPools.spec("groq")).keys(TestPools.keys("groq", 1)).limits(limits)
                .profile(TestPools.statusProfile("groq")).clock(c).build();
        record Admitted(long mono, long tokens) { }
        Deque<Admitted> admitted = new ArrayDeque<>();
        long coolUntil = Long.MIN_VALUE;
        for (Step s : steps) {
            long mono = c.nanos() / 1_000_000L;
            if (s instanceof Acquire a) {
                try {
                    Lease l = p.acquire("m1", a.tokens());
                    assertThat(mono).as("admitted during a cooldown").isGreaterThanOrEqualTo(coolUntil);
                    l.success(Usage.of(a.tokens(), 0));
                    admitted.add(new Admitted(mono, a.tokens()));
                    for (Limits.Span span : new Limits.Span[] {Limits.Span.MINUTE, Limits.Span.HOUR}) {
                        long req = 0, tok = 0;
                        for (Admitted x : admitted) if (x.mono() > mono - span.millis()) { req++; tok += x.tokens(); }
                        assertThat(req).as("requests in the %s window", span).isLessThanOrEqualTo(limits.requests(span));
                        assertThat(tok).as("tokens in the %s window", span).isLessThanOrEqualTo(limits.tokens(span));
                    }
                } catch (NoAvailableKeyException ignored) {
                    // refusing is always allowed here; the oracle above checks the other direction
                }
            } else if (s instanceof Limited l) {
                try {
                    p.acquire("m1", 0).report(Outcome.of(OutcomeKind.RATE_LIMITED, 429, "429").withRetryAfter(Duration.ofSeconds(l.seconds())));
                    admitted.add(new Admitted(mono, 0));
                    coolUntil = Math.max(coolUntil, mono + l.seconds() * 1000L);
                } catch (NoAvailableKeyException ignored) {
                    // nothing to rate-limit
                }
            } else if (s instanceof Pass pass) {
                c.advance(Duration.ofMillis(pass.millis()));
            } else if (s instanceof WallStep w) {
                c.stepWall(Duration.ofMillis(w.millis()));
            }
        }
    }

    /**
     * A key disabled until an instant the provider named (OpenRouter's key spending limit, reset in
     * {@code X-RateLimit-Reset}) says that instant, also after the wall clock was stepped: it is a
     * wall-clock fact, not an engine instant to convert (the key probes run at it).
     */
    @Test
    void aKeyLimitResetNamedByTheProviderIsReportedAsSentAfterAWallClockStep() {
        List<io.keycycle.core.KeycycleEvent> events = new java.util.concurrent.CopyOnWriteArrayList<>();
        KeyPool p = KeyPool.builder(TestPools.spec("openrouter")).keys(TestPools.keys("openrouter", 2)).limits(Limits.UNLIMITED)
                .profile(io.keycycle.core.classify.ProviderProfiles.forProvider("openrouter")).clock(clock).listener(events::add).build();
        clock.stepWall(Duration.ofHours(1));
        java.time.Instant reset = clock.now().plus(Duration.ofHours(2));
        Lease l = p.acquire("m1", 10);
        l.report(p.profile().classify(io.keycycle.core.ProviderResponse.of(402,
                "{\"error\":{\"code\":402,\"message\":\"Key limit exceeded\",\"metadata\":{\"limit_source\":\"openrouter_key_limit\"}}}",
                "X-RateLimit-Reset", Long.toString(reset.toEpochMilli())), clock.now()));
        assertThat(events).filteredOn(e -> e instanceof io.keycycle.core.KeycycleEvent.StateChanged s && s.state() == KeyState.DISABLED)
                .singleElement().satisfies(e -> assertThat(((io.keycycle.core.KeycycleEvent.StateChanged) e).until()).isEqualTo(reset));
    }
}
