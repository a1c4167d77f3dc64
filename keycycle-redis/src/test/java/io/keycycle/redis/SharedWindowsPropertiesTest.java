package io.keycycle.redis;

import io.keycycle.core.testing.WindowOracle;
import io.keycycle.core.testing.WindowOracle.Ev;

import io.keycycle.core.DailyReset;
import io.keycycle.core.Limits;
import io.keycycle.core.testing.ManualClock;
import io.keycycle.redis.testing.RedisTestSupport;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The never-exceed rule of the engine, against the Redis script: an exact oracle (every admitted
 * event, checked over every window) across randomised schedules of reserve/settle/release and
 * clock jumps of up to hours, sliding or calendar days; sequentially, and with three clients
 * (three connections, three instance ids) reserving concurrently while a fourth thread drives the
 * clock. Also: nothing refused while the oracle has room even counting one extra sub-bucket, no
 * reservation freed twice, and nothing left after two idle days.
 */
class SharedWindowsPropertiesTest {

    static final Instant START = Instant.parse("2026-11-28T22:30:00Z");
    static final int DB = 1;

    sealed interface Action permits Reserve, Settle, Release, Advance { }
    record Reserve(long tokens) implements Action { }
    record Settle(int lease, double fraction) implements Action { }
    record Release(int lease) implements Action { }
    record Advance(long millis) implements Action { }

    @Provide
    Arbitrary<Limits> limits() {
        Arbitrary<Long> none = Arbitraries.just(Limits.NONE);
        return Combinators.combine(
                Arbitraries.oneOf(none, Arbitraries.longs().between(1, 6)),
                Arbitraries.oneOf(none, Arbitraries.longs().between(3, 40)),
                Arbitraries.oneOf(none, Arbitraries.longs().between(5, 120)),
                Arbitraries.oneOf(none, Arbitraries.longs().between(50, 300)),
                Arbitraries.oneOf(none, Arbitraries.longs().between(300, 3000)),
                Arbitraries.oneOf(none, Arbitraries.longs().between(1000, 20000))
        ).as(Limits::new);
    }

    @Provide
    Arbitrary<List<Action>> schedules() {
        Arbitrary<Action> reserve = Arbitraries.longs().between(0, 60).map(Reserve::new);
        Arbitrary<Action> settle = Combinators.combine(Arbitraries.integers().between(0, 20), Arbitraries.doubles().between(0, 1)).as(Settle::new);
        Arbitrary<Action> release = Arbitraries.integers().between(0, 20).map(Release::new);
        Arbitrary<Action> small = Arbitraries.longs().between(0, 5_000).map(Advance::new);
        Arbitrary<Action> big = Arbitraries.longs().between(0, 6 * 3_600_000L).map(Advance::new);
        return Arbitraries.frequencyOf(Tuple.of(10, reserve), Tuple.of(5, settle), Tuple.of(2, release),
                Tuple.of(6, small), Tuple.of(1, big)).list().ofMinSize(20).ofMaxSize(300);
    }

    record Open(String id, int bucket, Ev ev, long estimate) { }

    @Property(tries = 80)
    void noWindowIsEverExceededAndNoReservationLeaks(@ForAll("limits") Limits limits, @ForAll("schedules") List<Action> actions,
                                                     @ForAll @IntRange(min = 1, max = 3) int buckets, @ForAll boolean calendarDay) {
        Assume.that(RedisTestSupport.available());
        ManualClock clock = new ManualClock(START);
        DailyReset reset = calendarDay ? DailyReset.midnight(ZoneId.of("UTC")) : DailyReset.sliding();
        try (RedisLink link = RedisTestSupport.link(DB, RedisTestSupport.randomPrefix(), "solo")) {
            SharedWindows w = new SharedWindows(link, clock, false);
            List<SharedWindows.Candidate> cands = new ArrayList<>();
            for (int i = 0; i < buckets; i++) {
                cands.add(new SharedWindows.Candidate(w.bucket("p", "scope-" + i, "m1", limits, reset), "fp" + i));
            }
            Map<Integer, List<Ev>> oracle = new HashMap<>();
            List<Open> open = new ArrayList<>();
            List<String> settled = new ArrayList<>();
            for (Action a : actions) {
                long now = clock.millis();
                if (a instanceof Reserve r) {
                    SharedWindows.Reservation res = w.reserve(cands, r.tokens(), w.stateHash("p"), null);
                    if (res.admitted()) {
                        assertThat(res.admittedAt()).isEqualTo(now);
                        Ev ev = new Ev(res.admittedAt(), r.tokens());
                        ev.pending = true;
                        oracle.computeIfAbsent(res.candidate(), x -> new ArrayList<>()).add(ev);
                        open.add(new Open(res.id(), res.candidate(), ev, r.tokens()));
                        WindowOracle.assertWithinLimits(oracle.get(res.candidate()), now, limits, reset, "bucket " + res.candidate());
                    } else {
                        for (int i = 0; i < buckets; i++) WindowOracle.assertNoRoom(oracle.getOrDefault(i, List.of()), now, r.tokens(), limits, reset, 24, "bucket " + i);
                        if (res.retryAt() != Long.MAX_VALUE) assertThat(res.retryAt()).isGreaterThanOrEqualTo(now);
                    }
                } else if (a instanceof Settle s && !open.isEmpty()) {
                    Open o = open.remove(s.lease() % open.size());
                    long actual = (long) Math.floor(o.estimate() * s.fraction());
                    assertThat(w.settle(cands.get(o.bucket()).bucket(), o.id(), true, actual, null)).isTrue();
                    o.ev().tokens = actual;
                    o.ev().at = now;
                    o.ev().pending = false;
                    settled.add(o.id());
                } else if (a instanceof Release r && !open.isEmpty()) {
                    Open o = open.remove(r.lease() % open.size());
                    assertThat(w.release(cands.get(o.bucket()).bucket(), o.id(), null)).isTrue();
                    o.ev().requests = 0;
                    o.ev().tokens = 0;
                    o.ev().pending = false;
                    settled.add(o.id());
                } else if (a instanceof Advance adv) {
                    clock.advance(Duration.ofMillis(adv.millis()));
                }
            }
            for (Open o : open) assertThat(w.release(cands.get(o.bucket()).bucket(), o.id(), null)).isTrue();
            // freed twice: a second settle or release of anything changes nothing and says so
            for (Open o : open) assertThat(w.release(cands.get(o.bucket()).bucket(), o.id(), null)).isFalse();
            for (String id : settled) assertThat(w.settle(cands.get(0).bucket(), id, true, 5, null)).isFalse();
            assertThat(link.connection().sync().hlen(link.prefix() + ":ri:solo")).as("reservations left").isZero();
            clock.advance(Duration.ofDays(2));
            for (SharedWindows.Candidate c : cands) {
                SharedWindows.Peek p = w.peek(c.bucket(), 0);
                for (Limits.Metric m : Limits.Metric.values()) assertThat(p.used(m)).as("%s after two idle days", m).isZero();
            }
            RedisTestSupport.clean(link);
        }
    }

    /** Three clients (own connections and instance ids) reserve and settle while a fourth thread advances the clock. */
    @Property(tries = 12)
    void threeConcurrentClientsNeverExceedAnyWindow(@ForAll("limits") Limits limits, @ForAll @IntRange(min = 1, max = 4) int buckets,
                                                    @ForAll boolean calendarDay) throws Exception {
        Assume.that(RedisTestSupport.available());
        ManualClock clock = new ManualClock(START);
        DailyReset reset = calendarDay ? DailyReset.midnight(ZoneId.of("UTC")) : DailyReset.sliding();
        String prefix = RedisTestSupport.randomPrefix();
        int clients = 3;
        List<RedisLink> links = new ArrayList<>();
        try {
            record Admitted(int bucket, long at, long tokens) { }
            ConcurrentLinkedQueue<Admitted> admitted = new ConcurrentLinkedQueue<>();
            Map<String, Boolean> freed = new ConcurrentHashMap<>();
            AtomicBoolean stop = new AtomicBoolean();
            CountDownLatch done = new CountDownLatch(clients);
            List<Throwable> errors = new java.util.concurrent.CopyOnWriteArrayList<>();
            for (int t = 0; t < clients; t++) {
                RedisLink link = RedisTestSupport.link(DB, prefix, "client-" + t);
                links.add(link);
                SharedWindows w = new SharedWindows(link, clock, false);
                List<SharedWindows.Candidate> cands = new ArrayList<>();
                for (int i = 0; i < buckets; i++) cands.add(new SharedWindows.Candidate(w.bucket("p", "scope-" + i, "m1", limits, reset), "fp" + i));
                Thread th = new Thread(() -> {
                    try {
                        ThreadLocalRandom rnd = ThreadLocalRandom.current();
                        while (!stop.get() && admitted.size() < 3_000) {
                            long tokens = rnd.nextLong(0, 40);
                            SharedWindows.Reservation r = w.reserve(cands, tokens, w.stateHash("p"), w.cursorKey("p", "m1"));
                            if (!r.admitted()) {
                                Thread.onSpinWait();
                                continue;
                            }
                            BucketRef b = cands.get(r.candidate()).bucket();
                            if (rnd.nextInt(4) == 0) {
                                assertThat(w.release(b, r.id(), null)).isTrue();
                                assertThat(freed.put(r.id(), true)).isNull();
                                continue;
                            }
                            // the settlement instant is where the request ends up: settle first, then record it there
                            long before = clock.millis();
                            assertThat(w.settle(b, r.id(), true, tokens, null)).isTrue();
                            long after = clock.millis();
                            admitted.add(new Admitted(r.candidate(), Math.max(before, r.admittedAt()), tokens));
                            if (after != before) admitted.add(new Admitted(r.candidate(), -1, 0)); // marker: straddled a tick
                            assertThat(freed.put(r.id(), true)).isNull();
                        }
                    } catch (Throwable e) {
                        errors.add(e);
                    } finally {
                        done.countDown();
                    }
                });
                th.start();
            }
            ThreadLocalRandom rnd = ThreadLocalRandom.current();
            for (int step = 0; step < 300; step++) {
                clock.advance(Duration.ofMillis(rnd.nextInt(10) == 0 ? rnd.nextLong(0, 3_600_000) : rnd.nextLong(0, 3_000)));
                Thread.sleep(0, 200_000);
            }
            stop.set(true);
            done.await();
            assertThat(errors).isEmpty();
            Map<Integer, List<Ev>> byBucket = new HashMap<>();
            boolean exact = true;
            for (Admitted a : admitted) {
                if (a.at() < 0) exact = false;
                else byBucket.computeIfAbsent(a.bucket(), x -> new ArrayList<>()).add(new Ev(a.at(), a.tokens()));
            }
            // with settlements that straddled a clock tick the recorded instant is a lower bound only; the
            // windows are checked exactly when none did (most runs), and the script's own sums below always
            if (exact) for (Map.Entry<Integer, List<Ev>> e : byBucket.entrySet()) WindowOracle.assertAllWindows(e.getValue(), limits, reset, "bucket " + e.getKey());
            for (int t = 0; t < clients; t++) {
                assertThat(links.get(0).connection().sync().hlen(links.get(0).prefix() + ":ri:client-" + t)).as("reservations left").isZero();
            }
            SharedWindows w0 = new SharedWindows(links.get(0), clock, false);
            for (int i = 0; i < buckets; i++) {
                SharedWindows.Peek p = w0.peek(w0.bucket("p", "scope-" + i, "m1", limits, reset), 0);
                for (Limits.Metric m : Limits.Metric.values()) {
                    if (limits.get(m) != Limits.NONE) assertThat(p.used(m)).as("%s of bucket %d", m, i).isBetween(0L, limits.get(m));
                }
            }
            RedisTestSupport.clean(links.get(0));
        } finally {
            for (RedisLink l : links) l.close();
        }
    }
}
