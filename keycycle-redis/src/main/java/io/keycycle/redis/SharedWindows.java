package io.keycycle.redis;

import io.keycycle.core.DailyReset;
import io.keycycle.core.EngineClock;
import io.keycycle.core.EngineTime;
import io.keycycle.core.Limits;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The windows and reservations of buckets kept in Redis, one script call per operation: reserve
 * (check every window of the first candidate that fits and reserve on it), settle, release,
 * correct, hold (cool/park), peek and record. Same sub-bucket rings and calendar-day resets as the
 * in-process engine; the script does the arithmetic atomically, so any number of processes share
 * one set of windows.
 *
 * <p>Time: with {@code redisClock} every instant is Redis {@code TIME} (one clock for the whole
 * fleet) and instants returned are translated to this process's clock by the offset measured on
 * the same call; otherwise the engine clock's reading is sent (tests drive a manual clock).
 * Calendar-day boundaries are computed here from the local clock (previous, current, next), and
 * the script picks the one its own clock has reached, so a skew of up to a day is harmless.
 *
 * <p>Methods throw Lettuce's {@code RedisException} when Redis does not answer in time.
 */
public final class SharedWindows {

    private static final long NEVER = Long.MAX_VALUE;

    private final RedisLink link;
    private final EngineClock clock;
    private final boolean redisClock;
    private final String prefix;
    private final String instance;
    private final String channel;
    private final AtomicLong ids = new AtomicLong();
    /** Redis time minus local time, from the latest call (0 with the engine clock). */
    private volatile long offset;

    public SharedWindows(RedisLink link, EngineClock clock, boolean redisClock) {
        this.link = link;
        this.clock = clock;
        this.redisClock = redisClock;
        this.prefix = link.prefix();
        this.instance = link.settings().instanceId();
        // Redis's publish/subscribe ignores database numbers: fleets kept apart by theirs (/0 and /1,
        // one key prefix) would hear each other's news on one channel (until 2026-12-04 they did)
        int db = link.database();
        this.channel = prefix + ":events" + (db == 0 ? "" : ":" + db);
    }

    public String prefix() { return prefix; }

    public String instanceId() { return instance; }

    public String channel() { return channel; }

    public RedisLink link() { return link; }

    public boolean usesRedisClock() { return redisClock; }

    /** Redis time minus this process's time as last measured (0 when the engine clock is sent). */
    public long offsetMillis() { return offset; }

    public BucketRef bucket(String provider, String scope, String model, Limits limits, DailyReset reset) {
        return BucketRef.of(prefix, provider, scope, model, limits, reset);
    }

    /** A bucket whose instants are {@code time}'s engine instants. */
    public BucketRef bucket(String provider, String scope, String model, Limits limits, DailyReset reset, EngineTime time) {
        return BucketRef.of(prefix, provider, scope, model, limits, reset, time);
    }

    /** One key that may take the call: its bucket and fingerprint (checked against disabled keys in Redis). */
    public record Candidate(BucketRef bucket, String fingerprint) { }

    /**
     * The outcome of {@link #reserve}: admitted on {@code candidate} (0-based) at {@code admittedAt},
     * or refused. With one candidate, {@code used} holds the bucket's usage after the call (in
     * {@link Limits.Metric} order) and the holds (local instants, 0: none); otherwise null and 0.
     * {@code granted}: the requests the reservation holds (1, or a block's size; 0 when refused).
     */
    public record Reservation(boolean admitted, int candidate, String id, long admittedAt, long retryAt,
                              long[] used, long coolingUntil, long parkedUntil, long bareRetryAt, int granted) { }

    /**
     * Reserves one request and {@code tokens} on the first candidate whose bucket has room in every
     * window and is not held (cooling, parked, scope held, key disabled). With {@code rotateKey}
     * non-null the candidates are tried from a fleet-wide cursor (so instances do not all start at
     * the first key). Refused: {@code retryAt} is the earliest local instant one candidate frees up
     * ({@link Long#MAX_VALUE}: none will by itself).
     */
    public Reservation reserve(List<Candidate> candidates, long tokens, String stateHash, String rotateKey) {
        return reserve(clock.millis(), candidates, tokens, stateHash, rotateKey);
    }

    /** {@link #reserve(List, long, String, String)} at {@code local} (this process's clock; ignored by Redis time but for the offset). */
    public Reservation reserve(long local, List<Candidate> candidates, long tokens, String stateHash, String rotateKey) {
        String id = instance + ":x" + Long.toString(ids.incrementAndGet(), 36);
        ReserveCall c = reserveCall(local, id, candidates, tokens, stateHash, rotateKey, 1, 1);
        return reservation(link.call(c.keys(), c.args()), id, local);
    }

    /**
     * {@link #reserveBlock} without waiting: the future completes when Redis answers (exceptionally
     * on Redis trouble, after the command timeout at the latest).
     */
    public java.util.concurrent.CompletableFuture<Reservation> reserveBlockAsync(long local, String id, BucketRef bucket, String fingerprint,
                                                                                 long tokens, String stateHash, int want, int share) {
        ReserveCall c = reserveCall(local, id, List.of(new Candidate(bucket, fingerprint)), tokens, stateHash, null, want, share);
        return link.callAsync(c.keys(), c.args()).thenApply(r -> reservation(r, id, local));
    }

    /**
     * Reserves a block on one bucket: up to {@code want} requests of {@code tokens} each in one
     * reservation, at most a {@code 1/share} part of what each window has left, and at least one
     * when one fits ({@link Reservation#granted()} says how many). It is settled, in parts or at
     * once, with {@link #settleBlock}. {@code want} 1 is a plain reservation.
     */
    public Reservation reserveBlock(long local, String id, BucketRef bucket, String fingerprint, long tokens, String stateHash,
                                    int want, int share) {
        ReserveCall c = reserveCall(local, id, List.of(new Candidate(bucket, fingerprint)), tokens, stateHash, null, want, share);
        return reservation(link.call(c.keys(), c.args()), id, local);
    }

    private record ReserveCall(String[] keys, String[] args) { }

    private ReserveCall reserveCall(long local, String id, List<Candidate> candidates, long tokens, String stateHash, String rotateKey,
                                    int want, int share) {
        int n = candidates.size();
        String[] keys = new String[2 * n];
        List<String> args = new ArrayList<>(11 + 10 * n);
        args.add("reserve");
        args.add(prefix);
        args.add(nowArg(local));
        args.add(Long.toString(tokens));
        args.add(id);
        args.add(instance);
        args.add(want > 1 ? want + ":" + Math.max(1, share) : "");
        args.add(stateHash == null ? "" : stateHash);
        args.add(rotateKey == null ? "" : rotateKey);
        args.add(Integer.toString(n));
        for (int i = 0; i < n; i++) {
            Candidate c = candidates.get(i);
            keys[2 * i] = c.bucket().key();
            keys[2 * i + 1] = c.bucket().scopeKey();
            args.add(c.fingerprint() == null ? "" : c.fingerprint());
            addLimits(args, c.bucket().limits());
            addDay(args, c.bucket(), local);
        }
        // after the candidates, so that a caller of an earlier version (which sends none) reads as "not kept"
        args.add(candidates.get(0).bucket().keepsReservation() ? "k" : "");
        return new ReserveCall(keys, args.toArray(String[]::new));
    }

    private Reservation reservation(List<Object> r, String id, long local) {
        long redisNow = (Long) r.get(3);
        measure(redisNow, local);
        long[] used = null;
        long cu = 0, pu = 0;
        if (r.size() >= 12) {
            used = new long[6];
            for (int i = 0; i < 6; i++) used[i] = (Long) r.get(4 + i);
            cu = toLocalHold((Long) r.get(10), local);
            pu = toLocalHold((Long) r.get(11), local);
        }
        if ((Long) r.get(0) == 1L) {
            int granted = r.size() >= 13 ? (int) (long) (Long) r.get(12) : 1;
            return new Reservation(true, (int) (long) (Long) r.get(1) - 1, id, toLocal((Long) r.get(2), local), 0, used, cu, pu, 0, granted);
        }
        long earliest = (Long) r.get(2);
        long bare = r.size() >= 13 ? (Long) r.get(12) : earliest;
        return new Reservation(false, -1, null, 0, earliest < 0 ? NEVER : Math.max(local, toLocal(earliest, local)), used, cu, pu,
                bare < 0 ? NEVER : Math.max(local, toLocal(bare, local)), 0);
    }

    /** Reserves on one bucket with a given reservation id (the pool's lease id, made unique by the instance id). */
    public Reservation reserve(BucketRef bucket, String fingerprint, long tokens, String stateHash) {
        return reserve(List.of(new Candidate(bucket, fingerprint)), tokens, stateHash, null);
    }

    /** A reservation id for a block reserved ahead of the calls it will admit (no lease yet). */
    public String blockId() { return instance + ":b" + Long.toString(ids.incrementAndGet(), 36); }

    /** The reservation id of a pool's lease: this instance's id and the lease number. */
    public String reservationId(long leaseId) { return instance + ":" + Long.toString(leaseId, 36); }

    /**
     * The reservation id of lease {@code leaseId} of the pool numbered {@code pool} in this process
     * ({@link RedisStateStore#poolNumber}): every pool numbers its leases from 1, and the pools of a
     * process (one per provider) share this instance's reservation records in Redis.
     */
    public String reservationId(int pool, long leaseId) { return instance + ":" + pool + "." + Long.toString(leaseId, 36); }

    /**
     * Settles a reservation: the estimate is replaced by {@code actualTokens}; a request the
     * provider counted moves to the settlement instant, one it did not count is removed. False
     * when the reservation is unknown (settled before, or expired): nothing changes twice.
     *
     * @param wakeKey when capacity came back and this counter is positive, the script publishes
     *                {@code freed|provider|model} so waiters on every instance try again
     */
    public boolean settle(BucketRef bucket, String id, boolean counted, long actualTokens, String wakeKey) {
        long local = clock.millis();
        List<Object> r = link.call(new String[]{bucket.key()}, settleArgs(local, bucket, id, counted ? 1 : 0, actualTokens, -1));
        return (Long) r.get(0) == 1L;
    }

    /**
     * The arguments of a settlement. With {@code reserved} >= 0 (the tokens the reservation holds,
     * as the pool's lease knows them) the script only deletes the reservation record instead of
     * reading it; -1 reads it. {@code counted}: 1 when the provider counted the request, else 0.
     */
    private String[] settleArgs(long local, BucketRef bucket, String id, long counted, long actualTokens, long reserved) {
        return settleArgs(local, bucket, id, counted, actualTokens, reserved, 1, 0, 0, -1);
    }

    /**
     * The arguments of any settlement: of a reservation of {@code count} requests ({@code reserved}
     * >= 0; a record that is read holds its own count), {@code counted} of them counted at
     * {@code countedAtLocal} (-1: now), {@code keep} requests and {@code keepTokens} kept reserved.
     */
    private String[] settleArgs(long local, BucketRef bucket, String id, long counted, long actualTokens, long reserved, long count,
                                long keep, long keepTokens, long countedAtLocal) {
        List<String> args = new ArrayList<>(18);
        args.add("settle");
        args.add(prefix);
        args.add(nowArg(local));
        args.add(id);
        args.add(Long.toString(counted));
        args.add(Long.toString(actualTokens));
        args.add(Long.toString(reserved));
        args.add(channel);
        args.add(FleetNews.head("freed", bucket.provider()) + BucketRef.namePart(bucket.model()));
        args.add(instanceOf(id));
        addDay(args, bucket, local);
        if (count != 1 || keep > 0 || countedAtLocal >= 0) args.add(Long.toString(count));
        if (keep > 0 || countedAtLocal >= 0) {
            args.add(Long.toString(keep));
            args.add(Long.toString(keepTokens));
        }
        boolean marked = keep > 0 && bucket.keepsReservation(); // the part kept reserved stays marked as kept
        if (countedAtLocal >= 0) args.add(Long.toString(toRedis(countedAtLocal)));
        else if (marked) args.add("-1");
        if (marked) args.add("k");
        return args.toArray(String[]::new);
    }

    /** What a settlement did: the instant the request was counted at (local clock; -1: the reservation was unknown) and the usage after it. */
    public record Settled(long at, long[] used) { }

    private static final boolean LAZY_SETTLE = !"false".equals(System.getProperty("keycycle.redis.lazySettle"));

    /** {@link #settle} answering the instant and the bucket's usage after it. */
    public java.util.concurrent.CompletableFuture<Settled> settleWithView(long local, BucketRef bucket, String id, boolean counted, long actualTokens) {
        return settleWithView(local, bucket, id, counted, actualTokens, -1);
    }

    /**
     * {@link #settleWithView(long, BucketRef, String, boolean, long)} of a reservation known to hold
     * {@code reservedTokens} (-1: unknown). Nobody waits for it. A counted settlement (the request
     * stays in the window: capacity does not come back, at most some tokens) travels with the next
     * call this process sends ({@link RedisLink#callAsyncLazy}); a release (the call never reached
     * the provider: its request comes back, and a waiter elsewhere may want it) goes at once. System
     * property {@code keycycle.redis.lazySettle=false} sends every settlement at once.
     */
    public java.util.concurrent.CompletableFuture<Settled> settleWithView(long local, BucketRef bucket, String id, boolean counted, long actualTokens,
                                                                         long reservedTokens) {
        return sendSettlement(local, bucket, settleArgs(local, bucket, id, counted ? 1 : 0, actualTokens, reservedTokens), counted);
    }

    /** Sends a settlement without waiting: with the next call ({@code lazy}, nothing comes back) or at once. */
    private java.util.concurrent.CompletableFuture<Settled> sendSettlement(long local, BucketRef bucket, String[] args, boolean lazy) {
        String[] keys = {bucket.key()};
        return (LAZY_SETTLE && lazy ? link.callAsyncLazy(keys, args) : link.callAsync(keys, args))
                .thenApply(r -> {
                    if ((Long) r.get(0) != 1L) return new Settled(-1, null);
                    long[] used = new long[6];
                    for (int i = 0; i < 6; i++) used[i] = (Long) r.get(2 + i);
                    return new Settled(toLocal((Long) r.get(1), local), used);
                });
    }

    /**
     * Settles part of a block (a reservation of several requests, {@link #reserveBlock}): of what
     * the reservation holds in Redis (read there: a settlement that was lost or came late cannot
     * leave part of it behind), {@code keep} requests and {@code keepTokens} stay reserved under the
     * same id (calls still in flight), {@code counted} requests and {@code actualTokens} are counted
     * at {@code countedAt} (a local instant no later than now, in the sub-bucket they settled in;
     * -1: now), and the rest comes back. Sent with the next call when nothing comes back, at once
     * otherwise; nobody waits for it.
     */
    public java.util.concurrent.CompletableFuture<Settled> settleBlock(long local, BucketRef bucket, String id, long counted, long actualTokens,
                                                                      long keep, long keepTokens, long countedAt, boolean returnsCapacity) {
        return sendSettlement(local, bucket, settleArgs(local, bucket, id, counted, actualTokens, -1, 1, keep, keepTokens, countedAt),
                !returnsCapacity);
    }

    /** Like {@link #settle} but answers the instant the settled request was counted at (local clock), or -1 when unknown. */
    public long settleAt(BucketRef bucket, String id, boolean counted, long actualTokens, String wakeKey) {
        long local = clock.millis();
        List<Object> r = link.call(new String[]{bucket.key()}, settleArgs(local, bucket, id, counted ? 1 : 0, actualTokens, -1));
        return (Long) r.get(0) == 1L ? toLocal((Long) r.get(1), local) : -1;
    }

    /**
     * {@link #settleAt} without waiting for Redis: completes with the local instant the request
     * was counted at, or -1 when the reservation was unknown. The caller need not wait: the next
     * call of this process on the same connection runs after it.
     */
    public java.util.concurrent.CompletableFuture<Long> settleAsync(BucketRef bucket, String id, boolean counted, long actualTokens, String wakeKey) {
        long local = clock.millis();
        return link.callAsync(new String[]{bucket.key()}, settleArgs(local, bucket, id, counted ? 1 : 0, actualTokens, -1))
                .thenApply(r -> (Long) r.get(0) == 1L ? toLocal((Long) r.get(1), local) : -1L);
    }

    /**
     * A lease of this instance was never reported within its timeout: its tokens come back, its
     * request stays counted. False when the reservation was already gone.
     */
    public boolean expire(String id) { return expire(clock.millis(), id); }

    /** {@link #expire(String)} at {@code local}: the expired request is counted at that instant. */
    public boolean expire(long local, String id) {
        return link.callInteger(new String[0], "expire", prefix, instanceOf(id), id, nowArg(local)) == 1L;
    }

    private static String instanceOf(String id) { return id.substring(0, id.lastIndexOf(':')); }

    /** Gives a reservation back (request and tokens): the call was not made, or not counted. */
    public boolean release(BucketRef bucket, String id, String wakeKey) {
        return settle(bucket, id, false, 0, wakeKey);
    }

    /** What a bucket holds now, as the script sees it. */
    public record Peek(long admissibleAt, long[] used, long coolingUntil, long parkedUntil, long scopeBlockedUntil) {
        public long used(Limits.Metric m) {
            return used[m.ordinal()];
        }
    }

    /** The bucket's usage per metric (in {@link Limits.Metric} order), holds, and when {@code tokens} would fit. */
    public Peek peek(BucketRef b, long tokens) { return peek(clock.millis(), b, tokens); }

    /** {@link #peek(BucketRef, long)} at {@code local}. */
    public Peek peek(long local, BucketRef b, long tokens) {
        List<String> args = new ArrayList<>(16);
        args.add("peek");
        args.add(prefix);
        args.add(nowArg(local));
        args.add(Long.toString(tokens));
        addLimits(args, b.limits());
        addDay(args, b, local);
        List<Object> r = link.call(new String[]{b.key(), b.scopeKey()}, args.toArray(String[]::new));
        long redisNow = (Long) r.get(0);
        measure(redisNow, local);
        long at = (Long) r.get(1);
        long[] used = new long[6];
        for (int i = 0; i < 6; i++) used[i] = (Long) r.get(2 + i);
        return new Peek(at < 0 ? NEVER : toLocal(at, local), used, toLocalHold((Long) r.get(8), local),
                toLocalHold((Long) r.get(9), local), toLocalHold((Long) r.get(10), local));
    }

    /** Adds usage counted at a past instant (re-seeding an empty Redis from this process's books). */
    public void record(BucketRef b, long atLocal, long requests, long tokens) { record(clock.millis(), b, atLocal, requests, tokens); }

    /** {@link #record(BucketRef, long, long, long)} at {@code local}. */
    public void record(long local, BucketRef b, long atLocal, long requests, long tokens) {
        link.call(new String[]{b.key()}, recordArgs(local, b, atLocal, requests, tokens));
    }

    /** {@link #record(BucketRef, long, long, long)} without waiting; completes exceptionally on Redis trouble. */
    public java.util.concurrent.CompletableFuture<List<Object>> recordAsync(BucketRef b, long atLocal, long requests, long tokens) {
        return recordAsync(clock.millis(), b, atLocal, requests, tokens);
    }

    /** {@link #recordAsync(BucketRef, long, long, long)} at {@code local}. */
    public java.util.concurrent.CompletableFuture<List<Object>> recordAsync(long local, BucketRef b, long atLocal, long requests, long tokens) {
        return link.callAsync(new String[]{b.key()}, recordArgs(local, b, atLocal, requests, tokens));
    }

    private String[] recordArgs(long local, BucketRef b, long atLocal, long requests, long tokens) {
        List<String> args = new ArrayList<>(10);
        args.add("record");
        args.add(prefix);
        args.add(nowArg(local));
        args.add(Long.toString(toRedis(atLocal)));
        args.add(Long.toString(requests));
        args.add(Long.toString(tokens));
        addDay(args, b, local);
        return args.toArray(String[]::new);
    }

    /** Adds {@code delta} to one metric's window (the provider's headers say it counted more than we did). */
    public void correct(BucketRef b, Limits.Metric m, long delta) { correct(clock.millis(), b, m, delta); }

    /** {@link #correct(BucketRef, Limits.Metric, long)} at {@code local}. */
    public void correct(long local, BucketRef b, Limits.Metric m, long delta) {
        List<String> args = new ArrayList<>(10);
        args.add("correct");
        args.add(prefix);
        args.add(nowArg(local));
        args.add(Integer.toString(m.span().ordinal() + 1));
        args.add(m.tokens() ? "1" : "0");
        args.add(Long.toString(delta));
        addDay(args, b, local);
        link.call(new String[]{b.key()}, args.toArray(String[]::new));
    }

    /**
     * The provider's headers say {@code providerUsed} of one metric's window is used: the window is
     * raised to that when it counts less (read and raised in one step of the script). Without
     * waiting; completes exceptionally on Redis trouble.
     */
    public java.util.concurrent.CompletableFuture<List<Object>> catchUpAsync(long local, BucketRef b, Limits.Metric m, long providerUsed) {
        List<String> args = new ArrayList<>(10);
        args.add("catchup");
        args.add(prefix);
        args.add(nowArg(local));
        args.add(Integer.toString(m.span().ordinal() + 1));
        args.add(m.tokens() ? "1" : "0");
        args.add(Long.toString(providerUsed));
        addDay(args, b, local);
        return link.callAsync(new String[]{b.key()}, args.toArray(String[]::new));
    }

    /** What a hold covers: one bucket, or every model of a scope. */
    public enum HoldKind { COOLING, PARKED }

    /**
     * Cools or parks a bucket (or, with {@code scopeWide}, its whole scope) until a local instant,
     * never shortening a hold; every instance is told at once. True when it changed.
     */
    public boolean hold(BucketRef b, boolean scopeWide, HoldKind kind, long untilLocal, String reason, String message) {
        long r = link.callInteger(new String[]{scopeWide ? b.scopeKey() : b.key()}, "hold", prefix,
                scopeWide ? "scope" : "bucket", kind == HoldKind.COOLING ? "cu" : "pu", Long.toString(toRedis(untilLocal)), reason == null ? "" : reason,
                channel, message);
        return r == 1L;
    }

    /** Cools ({@code field} "cu") or parks ("pu") a bucket or scope hash until a Redis instant; never shortens. */
    boolean holdKey(String key, String kind, String field, long untilRedis, String reason, String message) {
        return link.callInteger(new String[]{key}, "hold", prefix, kind, field, Long.toString(untilRedis), reason, channel, message) == 1L;
    }

    /** {@link #holdKey} without waiting; completes exceptionally on Redis trouble. */
    java.util.concurrent.CompletableFuture<List<Object>> holdKeyAsync(String key, String kind, String field, long untilRedis, String reason,
                                                                      String message) {
        return link.callAsync(new String[]{key}, "hold", prefix, kind, field, Long.toString(untilRedis), reason, channel, message);
    }

    /** Clears both holds of a bucket or scope hash. */
    void unhold(String key, String kind, String message) {
        link.callInteger(new String[]{key}, "unhold", prefix, kind, channel, message);
    }

    /** Sets ({@code value} non-null) or clears a field of a provider's state hash and tells every instance. */
    public boolean state(String stateHash, String field, String value, String message) {
        return link.callInteger(new String[]{stateHash}, stateArgs(field, value, message)) == 1L;
    }

    private String[] stateArgs(String field, String value, String message) {
        return new String[]{"state", prefix, value == null ? "del" : "set", field, value == null ? "" : value, channel, message};
    }

    /**
     * {@link #state} without waiting for the answer (what settling a success changes must not wait):
     * this process's later calls run after it; completes exceptionally on Redis trouble.
     */
    public java.util.concurrent.CompletableFuture<Boolean> stateAsync(String stateHash, String field, String value, String message) {
        return link.callAsync(new String[]{stateHash}, stateArgs(field, value, message)).thenApply(r -> (Long) r.get(0) == 1L);
    }

    /** Expires the reservations of dead instances (silent for longer than the TTL); returns how many. */
    public long sweep(long instanceTtlMillis) { return sweep(clock.millis(), instanceTtlMillis); }

    /** {@link #sweep(long)} at {@code local}. */
    public long sweep(long local, long instanceTtlMillis) {
        List<Object> r = link.call(new String[0], "sweep", prefix, nowArg(local), Long.toString(instanceTtlMillis), channel);
        measure((Long) r.get(1), local);
        return (Long) r.get(0);
    }

    /** The state hash of a provider: disabled keys ({@code d:<fingerprint>}) and model states ({@code m:<model>}). */
    public String stateHash(String provider) { return prefix + ":st:" + BucketRef.scopePart(provider); }

    /** The fleet-wide rotation cursor of a (provider, model). */
    public String cursorKey(String provider, String model) { return prefix + ":cur:" + BucketRef.scopePart(provider) + ":" + BucketRef.namePart(model); }

    /** The counter of instances with waiters on a (provider, model). */
    public String waitersKey(String provider, String model) { return prefix + ":wt:" + BucketRef.scopePart(provider) + ":" + BucketRef.namePart(model); }

    // ------------------------------------------------------------------ time

    String nowArg(long local) { return redisClock ? "-1" : Long.toString(local); }

    /** This process's clock. */
    long localNow() { return clock.millis(); }

    private void measure(long redisNow, long local) {
        if (redisClock) offset = redisNow - local;
    }

    long toLocal(long redisInstant, long local) {
        return redisClock ? redisInstant - offset : redisInstant;
    }

    private long toLocalHold(long redisInstant, long local) {
        return redisInstant <= 0 ? 0 : toLocal(redisInstant, local);
    }

    long toRedis(long localInstant) { return redisClock ? localInstant + offset : localInstant; }

    /**
     * Sets aside the shares of {@code missing} of {@code live} instances: until the next call, every
     * limit this instance admits against in Redis is {@code limit × (live − missing) ÷ live}, rounded
     * down, so that what a missing instance may admit locally (its share, see {@code Outage}) still
     * fits in the limit.
     */
    void setAside(int missing, int live) {
        int m = Math.max(0, Math.min(missing, live - 1));
        keptOf = m == 0 ? null : new int[] {live - m, live};
    }

    /** Kept instances and live instances while shares are set aside, else null. */
    private volatile int[] keptOf;

    private void addLimits(List<String> args, Limits l) {
        int[] k = keptOf;
        args.add(Long.toString(kept(l.rpm(), k)));
        args.add(Long.toString(kept(l.rph(), k)));
        args.add(Long.toString(kept(l.rpd(), k)));
        args.add(Long.toString(kept(l.tpm(), k)));
        args.add(Long.toString(kept(l.tph(), k)));
        args.add(Long.toString(kept(l.tpd(), k)));
    }

    private static long kept(long limit, int[] k) {
        if (k == null || limit <= 0) return limit;
        return limit / k[1] * k[0] + limit % k[1] * k[0] / k[1]; // floor(limit × kept ÷ live), no overflow
    }

    /**
     * The calendar-day boundaries around {@code local} (previous, current, next), or three -1 for a
     * sliding day. They are wall-clock facts: computed on the wall clock, and sent as wall-clock
     * instants with Redis time (its clock is a wall clock) or as engine instants otherwise.
     */
    private void addDay(List<String> args, BucketRef b, long local) {
        DailyReset reset = b.reset();
        if (reset == null || !reset.isCalendar()) {
            args.add("-1");
            args.add("-1");
            args.add("-1");
            return;
        }
        EngineTime t = b.time();
        long wall = t == null ? local : t.toWall(local);
        long start = reset.dayStartMillis(wall);
        long prev = reset.dayStartMillis(start - 1);
        long next = reset.nextReset(Instant.ofEpochMilli(wall)).toEpochMilli();
        boolean engine = !redisClock && t != null;
        // absolute instants: the script compares them with its own clock and picks the day it is in
        args.add(Long.toString(engine ? t.fromWall(prev) : prev));
        args.add(Long.toString(engine ? t.fromWall(start) : start));
        args.add(Long.toString(engine ? t.fromWall(next) : next));
    }
}
