package io.keycycle.redis;

import io.keycycle.core.DailyReset;
import io.keycycle.core.EngineClock;
import io.keycycle.core.EngineTime;
import io.keycycle.core.Limits;
import io.keycycle.core.pool.PoolStateStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The pool's state shared through Redis: every pool of this process (one per provider) admits
 * against it, and so does every other process on the same Redis and key prefix.
 *
 * <p><b>Shared mode.</b> Admission, settlement and release are one script call each
 * ({@link SharedWindows}); holds, disabled keys, model states and learned limits are written to
 * Redis and announced on the fleet's channel, and applied here from the channel (the script also
 * checks bucket and scope holds at reservation, so nothing waits for a message to be safe).
 *
 * <p><b>Degraded mode</b> (Redis unreachable or slower than the command timeout): each bucket
 * admits locally against this instance's share of each limit — the limit divided by the live
 * instances counted at the last heartbeat — after counting this instance's share of what the fleet
 * had used as Redis last reported it. What is admitted meanwhile is replayed into Redis when it
 * answers again; when Redis lost its data (restarted empty), the instance re-seeds it with its own
 * usage of the last day and its holds and flags.
 */
public final class RedisStateStore implements PoolStateStore, Fleet.Listener {

    private static final Logger log = LoggerFactory.getLogger(RedisStateStore.class);

    private final RedisCluster cluster;
    private final SharedWindows windows;
    private final EngineClock clock;
    private final PoolStateStore localFlags = PoolStateStore.local();
    private final Map<BucketId, RedisBucket> buckets = new ConcurrentHashMap<>();
    private final Map<String, RedisBucket> bucketsByKey = new ConcurrentHashMap<>();
    private final Map<String, SharedHold> scopes = new ConcurrentHashMap<>();
    private final Map<String, SharedKeyFlag> keys = new ConcurrentHashMap<>();
    private final Map<String, SharedModelFlag> models = new ConcurrentHashMap<>();
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private final OwnUsage own = new OwnUsage();
    /** Usage replayed from this instance's store at start (hydration): on one database, every instance has it. */
    private final OwnUsage hydrated = new OwnUsage();
    private final Outage outage;
    private final FleetNews news;
    /** Keys ({@code provider \0 fingerprint}) disabled while writes to Redis were blocked or failed. */
    private final java.util.Set<String> disabledMeanwhile = ConcurrentHashMap.newKeySet();
    /** Keys enabled while writes to Redis were blocked or failed, with the instant (this store's clock). */
    private final Map<String, Long> enabledMeanwhile = new ConcurrentHashMap<>();
    /** Learned limits adopted while writes to Redis were blocked or failed, by bucket and metric. */
    private final Map<RedisBucket, Map<Limits.Metric, LearnedLimit>> learnedMeanwhile = new ConcurrentHashMap<>();
    /** True until the first admission: usage recorded meanwhile is this instance's store being replayed. */
    private volatile boolean hydrating = true;
    /** Threads that run the non-blocking call API's pool steps, each of which may wait for a round trip (see {@link #blockingExecutor()}). */
    private final java.util.concurrent.ThreadPoolExecutor steps = stepExecutor();

    /**
     * {@link #STEP_THREADS} daemon threads (idle ones end after 30 s), FIFO: a step that waits for
     * Redis holds a thread for one round trip, or for the command timeout when Redis does not
     * answer; after that the instance is degraded and steps admit locally without waiting.
     */
    private static java.util.concurrent.ThreadPoolExecutor stepExecutor() {
        java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.ThreadPoolExecutor e = new java.util.concurrent.ThreadPoolExecutor(STEP_THREADS, STEP_THREADS, 30,
                java.util.concurrent.TimeUnit.SECONDS, new java.util.concurrent.LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, "keycycle-redis-step-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        e.allowCoreThreadTimeOut(true);
        return e;
    }

    /** Threads of {@link #blockingExecutor()}: calls waiting for Redis at once, per process. */
    static final int STEP_THREADS = 16;

    RedisStateStore(RedisCluster cluster, EngineClock clock) {
        this.cluster = cluster;
        this.windows = cluster.windows();
        this.clock = clock;
        this.outage = new Outage(this, cluster, clock);
        this.news = new FleetNews(this);
        cluster.channel().addListener(news::onMessage);
        cluster.channel().onResubscribed(this::resyncLater);
        cluster.fleet().addListener(this);
        if (cluster.fleet().mode() == ClusterMode.DEGRADED) modeChanged(ClusterMode.DEGRADED, cluster.fleet().lastTrouble());
        cluster.fleet().every(blockMillis(), this::sweepBlocks);
    }

    SharedWindows windows() { return windows; }

    /** A number per provider (its pool), part of its leases' reservation ids. */
    private final Map<String, Integer> poolNumbers = new ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicInteger pools = new java.util.concurrent.atomic.AtomicInteger();

    /** The number of {@code provider}'s pool in this process (1, 2, …). */
    int poolNumber(String provider) {
        return poolNumbers.computeIfAbsent(provider, p -> pools.incrementAndGet());
    }

    /**
     * The reservation id in Redis of lease {@code leaseId} on {@code b}. Each pool (one per provider)
     * numbers its leases from 1, and every pool of this process keeps its reservations in this
     * instance's one record hash: the id carries the pool's number. Until 2026-12-04 it did not, and
     * two providers' calls open at once with the same lease number shared one record: the second
     * overwrote the first, the first's settlement deleted it, and the second's reservation stayed in
     * flight in Redis for good.
     */
    String reservationId(RedisBucket b, long leaseId) {
        return windows.reservationId(poolNumber(b.id().provider()), leaseId);
    }

    /**
     * Every operation of this store may wait for a Redis round trip (up to the command timeout):
     * the non-blocking call API runs admission, and the settlement of a failure, on these threads,
     * never on the caller's (the gateway's event loops). What settling a success does here never
     * waits (settlements, a model back and learned limits are sent without waiting).
     */
    @Override
    public java.util.concurrent.Executor blockingExecutor() { return steps; }

    /** Gives back what open blocks did not use, then stops the step threads (queued steps still run; new ones are refused). */
    void close() {
        for (RedisBucket b : withBlocks) b.stopBlock();
        withBlocks.clear();
        steps.shutdown();
    }

    // ------------------------------------------------------------------ blocks

    /** Buckets that opened a block since the last sweep found them without one. */
    private final java.util.Set<RedisBucket> withBlocks = ConcurrentHashMap.newKeySet();

    void blockOpened(RedisBucket b) { withBlocks.add(b); }

    /** Most requests a block holds (1: blocks off), as configured. */
    int blockSize() { return cluster.fleet().settings().blockSize(); }

    /** How long a block admits calls (engine milliseconds), as configured. */
    long blockMillis() { return cluster.fleet().settings().blockTime().toMillis(); }

    /** Every {@link #blockMillis()}: blocks that stopped being used give back what they hold. */
    private void sweepBlocks() {
        if (withBlocks.isEmpty()) return;
        long now = clock.millis();
        for (RedisBucket b : withBlocks) {
            try {
                if (b.sweepBlock(now)) withBlocks.remove(b);
            } catch (RuntimeException e) {
                log.warn("giving back an unused block failed: {}", e.toString());
            }
        }
    }

    /** Live instances as of the last heartbeat (at least 1): blocks take at most half of a share each. */
    int liveInstances() { return cluster.fleet().liveInstances(); }

    /** When Redis was last re-seeded after losing its data (this process's clock; 0: never). */
    long reseededAt() { return outage.reseededAt(); }

    /**
     * Sends a block's settlement ({@link Block.Flush}) without waiting: a reservation of one
     * request the plain way, a block's through {@link SharedWindows#settleBlock}. Redis trouble or an
     * outage queues it for the resume.
     */
    void settleBlock(RedisBucket b, Block.Flush f, long at) {
        // a settlement is never sent as of an instant before the calls it counts settled: a block
        // stopped by a hold or the sweep is settled on this store's clock, which may be behind the
        // pools' engine time (and the script would count the calls at its own, earlier, instant)
        long now = Math.max(at, f.countedAt());
        if (f.single()) {
            settleShared(b, f.id(), now, f.at(), f.heldTokens(), f.counted() == 1, f.actual());
            return;
        }
        Outage.Pending p = new Outage.Pending(b, f.id(), false, false, f.actual(), f.at(), f.heldTokens(), true, f.counted(), f.keep(), f.keepTokens(),
                f.countedAt(), false);
        if (degraded()) {
            outage.queue(p.unsentYet());
            return;
        }
        windows.settleBlock(now, b.ref(), f.id(), f.counted(), f.actual(), f.keep(), f.keepTokens(), f.countedAt(), f.returns()).whenComplete((s, e) -> {
            if (e != null) {
                outage.queue(p);
                trouble(e);
            } else if (s.at() >= 0) {
                b.seen(s.used(), now);
            } else if (f.at() >= outage.reseededAt()) {
                sweptMeanwhile(b, Math.min(now, f.countedAt() >= 0 ? f.countedAt() : now), f.actual());
            }
        });
    }

    /**
     * A settlement sent for the first time found its reservation gone, and not because Redis was
     * re-seeded: the other instances swept this one as dead (cut off for longer than the instance
     * TTL), which counted its requests and gave its tokens back. The tokens the calls used still
     * count (until 2026-12-04 they were lost: Redis showed room the provider no longer had).
     */
    private void sweptMeanwhile(RedisBucket b, long at, long actual) {
        if (actual <= 0) return;
        windows.recordAsync(b.ref(), at, 0, actual).whenComplete((r, e) -> {
            if (e != null) {
                outage.delta(b, at, 0, actual);
                trouble(e);
            }
        });
    }

    /** {@link #correctAfterReseed} off the caller's thread (it waits for Redis). */
    void correctAfterReseedLater(RedisBucket b, long admittedAt, long reserved, boolean counted, long actual, long now) {
        try {
            steps.execute(() -> correctAfterReseed(b, admittedAt, reserved, counted, actual, now));
        } catch (java.util.concurrent.RejectedExecutionException closed) {
            // the store is closing: nobody admits against this bucket any more
        }
    }

    boolean degraded() { return outage.degraded(); }

    /** While degraded: the first instant local admission may start (see {@link Outage#localAdmissionFrom()}). */
    long localAdmissionFrom() { return outage.localAdmissionFrom(); }

    void trouble(Throwable e) { cluster.fleet().trouble(e); }

    /** The configured command timeout: a Redis call slower than this is Redis trouble. */
    long commandTimeoutMillis() { return cluster.fleet().settings().commandTimeout().toMillis(); }

    /**
     * A reservation Redis made after its caller had given up (deadline): released at once, or,
     * if Redis does not take the release, when shared mode resumes.
     */
    void giveBack(RedisBucket b, String id) {
        windows.settleAsync(b.ref(), id, false, 0, null).whenComplete((at, e) -> {
            if (e != null) {
                outage.uncertain(b, id);
                trouble(e);
            }
        });
    }

    // ------------------------------------------------------------------ handles

    @Override
    public Bucket bucket(BucketId id, Limits limits, DailyReset dailyReset, EngineTime time, boolean keepsReservation) {
        RedisBucket b = buckets.get(id);
        if (b == null) {
            b = buckets.computeIfAbsent(id, x -> {
                RedisBucket nb = new RedisBucket(this, id, limits, dailyReset, time, keepsReservation);
                bucketsByKey.put(nb.ref().key(), nb);
                return nb;
            });
            readHold(b);
        }
        b.tighten(limits);
        return b;
    }

    private void readHold(RedisBucket b) {
        if (outage.writesBlocked()) return;
        try {
            long now = clock.millis();
            SharedWindows.Peek p = windows.peek(now, b.ref(), 0);
            b.seen(p.used(), now);
            Map<String, String> why = cluster.link().connection().sync().hgetall(b.ref().key() + ":why");
            if (p.coolingUntil() > 0) b.sharedHold().cached(true, p.coolingUntil(), why.getOrDefault("cu", "held by another instance"));
            if (p.parkedUntil() > 0) b.sharedHold().cached(false, p.parkedUntil(), why.getOrDefault("pu", "held by another instance"));
            // "l:<bucket>:<metric>": the field of this very bucket, not one of a model whose name
            // continues this one's after a ':' (llama3 and llama3:70b; until 2026-12-04 the latter's
            // learned limits were read back for the former)
            String learned = "l:" + b.ref().key() + ":";
            for (Map.Entry<String, String> e : cluster.link().connection().sync().hgetall(windows.stateHash(b.id().provider())).entrySet()) {
                if (e.getKey().startsWith(learned) && e.getKey().indexOf(':', learned.length()) < 0) {
                    FleetNews.applyLearned(b, e.getValue().split("\\|", 4));
                }
            }
        } catch (RuntimeException e) {
            trouble(e);
        }
    }

    @Override
    public Hold scope(String provider, String scope) {
        String key = BucketRef.scopeKey(windows.prefix(), provider, scope);
        SharedHold h = scopes.get(key);
        if (h != null) return h;
        return scopes.computeIfAbsent(key, k -> {
            SharedHold nh = new SharedHold((field, until, why) -> writeHold(k, "scope", provider, field, until, why));
            if (!degraded()) {
                try {
                    applyScopeHold(nh, cluster.link().connection().sync().hgetall(k));
                } catch (RuntimeException e) {
                    trouble(e);
                }
            }
            return nh;
        });
    }

    @Override
    public KeyFlag key(String provider, String fingerprint) {
        String k = provider + "\u0000" + fingerprint;
        SharedKeyFlag f = keys.get(k);
        if (f != null) return f;
        return keys.computeIfAbsent(k, x -> {
            SharedKeyFlag nf = new SharedKeyFlag((why, at) -> writeKey(provider, fingerprint, why, at));
            if (!degraded()) {
                try {
                    applyDisabled(nf, cluster.link().connection().sync().hget(windows.stateHash(provider), "d:" + fingerprint));
                } catch (RuntimeException e) {
                    trouble(e);
                }
            }
            return nf;
        });
    }

    @Override
    public ModelFlag model(String provider, String model) {
        String k = provider + "\u0000" + model;
        SharedModelFlag f = models.get(k);
        if (f != null) return f;
        return models.computeIfAbsent(k, x -> {
            SharedModelFlag nf = new SharedModelFlag(localFlags.model(provider, model), (recheck, backoff, why) -> writeModel(provider, model, recheck, backoff, why));
            if (!degraded()) {
                try {
                    applyModel(nf, cluster.link().connection().sync().hget(windows.stateHash(provider), "m:" + model));
                } catch (RuntimeException e) {
                    trouble(e);
                }
            }
            return nf;
        });
    }

    @Override public void addListener(Listener l) { listeners.add(l); }

    @Override public void removeListener(Listener l) { listeners.remove(l); }

    // ------------------------------------------------------------------ writes of shared state

    void writeBucketHold(RedisBucket b, String field, long until, String why) {
        writeHold(b.ref().key(), "bucket", b.id().provider(), field, until, why);
    }

    void writeHold(String key, String kind, String provider, String field, long until, String why) {
        if (outage.writesBlocked()) return; // pushed again when Redis answers (see resumed)
        try {
            if (field.equals("clear")) {
                windows.unhold(key, kind, FleetNews.head("hold", provider) + key + "|clear|0|");
                return;
            }
            // without waiting: a success whose headers say a window is used up cools its bucket on
            // the thread that completed the call (the cache holds it here at once; the script checks
            // this process's next reservations after it; a failure is pushed again at the resume)
            long r = windows.toRedis(until);
            windows.holdKeyAsync(key, kind, field, r, why == null ? "" : why,
                    FleetNews.head("hold", provider) + key + "|" + field + "|" + r + "|" + (why == null ? "" : why))
                    .whenComplete((x, e) -> { if (e != null) trouble(e); });
        } catch (RuntimeException e) {
            trouble(e);
        }
    }

    void writeKey(String provider, String fp, String why, long at) {
        String k = provider + "\u0000" + fp;
        if (why == null) disabledMeanwhile.remove(k);
        else enabledMeanwhile.remove(k);
        if (outage.writesBlocked()) {
            // written when Redis answers again (see pushKeysDisabledMeanwhile)
            if (why != null) disabledMeanwhile.add(k);
            else enabledMeanwhile.put(k, clock.millis());
            return;
        }
        try {
            long r = windows.toRedis(at);
            windows.state(windows.stateHash(provider), "d:" + fp, why == null ? null : r + "|" + why,
                    FleetNews.head("key", provider) + BucketRef.namePart(fp) + "|" + (why == null ? "0" : "1") + "|" + r + "|" + (why == null ? "" : why));
        } catch (RuntimeException e) {
            if (why != null) disabledMeanwhile.add(k);
            else enabledMeanwhile.put(k, clock.millis());
            trouble(e);
        }
    }

    /**
     * Back to shared mode: keys disabled here while Redis did not answer are written (and announced),
     * each only if it is still disabled here. Until 2026-12-04 they were not: a key an operator or a
     * provider's answer took out of use on this instance during an outage stayed in use on every
     * other instance. A key enabled here meanwhile is not written (the others keep it out of use, on
     * the safe side, until the next news of it).
     */
    void pushKeysDisabledMeanwhile() {
        for (String k : List.copyOf(disabledMeanwhile)) {
            if (!disabledMeanwhile.remove(k)) continue;
            SharedKeyFlag f = keys.get(k);
            if (f == null || !f.disabled()) continue;
            String[] pf = k.split("\u0000", 2);
            writeKey(pf[0], pf[1], f.disabledReason(), f.disabledAt());
        }
        // keys enabled here meanwhile (an operator), each only if it is still enabled here and Redis
        // holds no disable made after the enable (another instance's, meanwhile: the later one wins).
        // Until 2026-12-04 they were not written: the key stayed out of use on every other instance,
        // and here too once the shared states were read back, the operator's enable silently undone.
        for (String k : List.copyOf(enabledMeanwhile.keySet())) {
            Long enabledAt = enabledMeanwhile.remove(k);
            if (enabledAt == null) continue;
            SharedKeyFlag f = keys.get(k);
            if (f == null || f.disabled()) continue;
            String[] pf = k.split("\u0000", 2);
            String v = cluster.link().connection().sync().hget(windows.stateHash(pf[0]), "d:" + pf[1]);
            if (v == null) continue;
            if (parse(v.split("\\|", 2)[0]) <= windows.toRedis(enabledAt)) writeKey(pf[0], pf[1], null, 0);
        }
    }

    /** Redis was re-seeded with every disabled key (and no other): nothing is left to write. */
    void forgetKeysDisabledMeanwhile() {
        disabledMeanwhile.clear();
        enabledMeanwhile.clear();
    }

    /** Writes a model's state without waiting (a success that brings a model back settles on the caller's thread). */
    void writeModel(String provider, String model, long recheck, long backoff, String why) {
        if (outage.writesBlocked()) return;
        try {
            String v = (recheck > 0 ? windows.toRedis(recheck) : 0) + "|" + (backoff > 0 ? windows.toRedis(backoff) : 0) + "|" + (why == null ? "" : why);
            windows.stateAsync(windows.stateHash(provider), "m:" + model, v, FleetNews.head("model", provider) + BucketRef.namePart(model) + "|" + v)
                    .whenComplete((r, e) -> { if (e != null) trouble(e); });
        } catch (RuntimeException e) {
            trouble(e);
        }
    }

    /** Writes a learned limit without waiting (learned from a success's headers, settled on the caller's thread). */
    void writeLearned(RedisBucket b, LearnedLimit l) {
        if (outage.writesBlocked()) {
            learnedMeanwhile(b, l); // written when Redis answers again (see pushLearnedMeanwhile)
            return;
        }
        try {
            String v = l.metric().key() + "|" + l.value() + "|" + l.at().toEpochMilli() + "|" + (l.source() == null ? "" : l.source());
            windows.stateAsync(windows.stateHash(b.id().provider()), "l:" + b.ref().key() + ":" + l.metric().key(), v,
                    FleetNews.head("learn", b.id().provider()) + b.ref().key() + "|" + v).whenComplete((r, e) -> {
                        if (e != null) {
                            learnedMeanwhile(b, l);
                            trouble(e);
                        }
                    });
        } catch (RuntimeException e) {
            learnedMeanwhile(b, l);
            trouble(e);
        }
    }

    private void learnedMeanwhile(RedisBucket b, LearnedLimit l) {
        learnedMeanwhile.computeIfAbsent(b, x -> new ConcurrentHashMap<>()).put(l.metric(), l);
    }

    /**
     * Back to shared mode: the limits learned while Redis did not answer are written, each only if
     * it is still the one in force here (another instance's newer one, heard meanwhile, wins).
     */
    void pushLearnedMeanwhile() {
        for (RedisBucket b : java.util.List.copyOf(learnedMeanwhile.keySet())) {
            Map<Limits.Metric, LearnedLimit> ls = learnedMeanwhile.remove(b);
            if (ls == null) continue;
            Map<Limits.Metric, LearnedLimit> now = b.learned();
            for (LearnedLimit l : ls.values()) if (l.equals(now.get(l.metric()))) writeLearned(b, l);
        }
    }

    /** Redis was re-seeded with every learned limit: nothing is left to write. */
    void forgetLearnedMeanwhile() { learnedMeanwhile.clear(); }

    // ------------------------------------------------------------------ usage bookkeeping

    /** The first admission ends hydration. */
    void admitting() {
        if (hydrating) hydrating = false;
    }

    void admitted(RedisBucket b, long at, long tokens) {
        own.add(b.ref(), at, 1, tokens);
        cluster.inFlight().incrementAndGet();
    }

    void settled(RedisBucket b, long now, long admittedAt, long reserved, boolean counted, long actual) {
        own.add(b.ref(), admittedAt, -1, -reserved);
        own.add(b.ref(), now, counted ? 1 : 0, actual);
        cluster.inFlight().decrementAndGet();
    }

    void settleShared(RedisBucket b, String id, long now, long admittedAt, long reserved, boolean counted, long actual) {
        if (degraded()) {
            outage.queue(new Outage.Pending(b, id, false, counted, actual, admittedAt, reserved).unsentYet());
            return;
        }
        windows.settleWithView(now, b.ref(), id, counted, actual, reserved).whenComplete((s, e) -> {
            if (e != null) {
                outage.queue(new Outage.Pending(b, id, false, counted, actual, admittedAt, reserved));
                trouble(e);
            } else if (s.at() < 0 && admittedAt < outage.reseededAt()) {
                // blocking calls must not run on Lettuce's event loop (this callback's thread)
                try {
                    steps.execute(() -> correctAfterReseed(b, admittedAt, reserved, counted, actual, now));
                } catch (java.util.concurrent.RejectedExecutionException closed) {
                    // the store is closing: nobody admits against this bucket any more
                }
            } else if (s.at() < 0) {
                sweptMeanwhile(b, now, actual);
            } else {
                b.seen(s.used(), now);
            }
        });
    }

    /** A lease admitted before Redis was re-seeded: its reservation was replayed as usage; replace it now. */
    private void correctAfterReseed(RedisBucket b, long admittedAt, long reserved, boolean counted, long actual, long now) {
        try {
            windows.record(now, b.ref(), admittedAt, -1, -reserved);
            windows.record(now, b.ref(), now, counted ? 1 : 0, actual);
        } catch (RuntimeException e) {
            trouble(e);
        }
    }

    void record(RedisBucket b, long now, long at, long requests, long tokens) {
        if (hydrating) {
            // hydration from this instance's store before it admitted anything: put back at a re-seed
            // only into a dataset this instance starts (see Outage#reseed), as here
            hydrated.add(b.ref(), at, requests, tokens);
            // the fleet's windows are already in Redis (replaying them would count them once per instance)
            if (!cluster.fleet().createdDataset()) return;
        } else {
            own.add(b.ref(), at, requests, tokens);
        }
        if (!degraded()) {
            if (!hydrating) {
                // a late usage report, settled on the thread that completed the call: without waiting
                try {
                    windows.recordAsync(now, b.ref(), at, requests, tokens).whenComplete((r, e) -> {
                        if (e != null) {
                            trouble(e);
                            outage.degradedBucket(b).record(now, at, requests, tokens);
                            outage.delta(b, at, requests, tokens);
                        }
                    });
                    return;
                } catch (RuntimeException e) {
                    trouble(e);
                }
            } else {
                try {
                    windows.record(now, b.ref(), at, requests, tokens);
                    return;
                } catch (RuntimeException e) {
                    trouble(e);
                }
            }
        }
        outage.degradedBucket(b).record(now, at, requests, tokens);
        outage.delta(b, at, requests, tokens);
    }

    /**
     * The provider's count of a window, from a success's headers: raised to in Redis without waiting
     * (one step of the script reads and raises it). Until 2026-12-04 the window was read back first
     * when the last reading was over a second old (any answer that took that long), and corrected
     * with a second call, both waiting for Redis on the thread that completed the call (the
     * gateway's event loop: up to two command timeouts with a hung Redis).
     */
    void catchUp(RedisBucket b, long now, Limits.Metric metric, long providerUsed) {
        if (!degraded()) {
            try {
                windows.catchUpAsync(now, b.ref(), metric, providerUsed).whenComplete((r, e) -> { if (e != null) trouble(e); });
                return;
            } catch (RuntimeException e) {
                trouble(e);
            }
        }
        long used = b.lastUsed()[metric.ordinal()]; // the fleet's usage as Redis last reported it
        if (providerUsed > used) outage.degradedBucket(b).correct(now, metric, providerUsed - used);
    }

    void correct(RedisBucket b, long now, Limits.Metric metric, long delta) {
        if (!degraded()) {
            try {
                windows.correct(now, b.ref(), metric, delta);
                return;
            } catch (RuntimeException e) {
                trouble(e);
            }
        }
        outage.degradedBucket(b).correct(now, metric, delta);
    }

    @Override
    public void beat() {
        long now = clock.millis();
        own.prune(now);
        hydrated.prune(now);
    }

    @Override
    public void modeChanged(ClusterMode mode, String why) {
        outage.modeChanged(mode, why);
        if (mode != ClusterMode.DEGRADED) {
            resyncLater(); // the channel may have lost messages meanwhile
        } else {
            // their settlements wait for the resume; on a step thread, not inline: this may run
            // where a failed send was noticed, which can hold a block's monitor
            try {
                steps.execute(() -> {
                    for (RedisBucket b : withBlocks) b.stopBlock();
                });
            } catch (java.util.concurrent.RejectedExecutionException closed) {
                // the store is closing (and gives its blocks back itself)
            }
        }
    }

    @Override
    public void resumed(boolean emptied) { outage.resumed(emptied); }

    // ------------------------------------------------------------------ for Outage and FleetNews

    Iterable<RedisBucket> allBuckets() { return buckets.values(); }

    /** {@link #resync} on a step thread (callers may be on Lettuce's event loop, where no call may wait). */
    private void resyncLater() {
        try {
            steps.execute(this::resync);
        } catch (java.util.concurrent.RejectedExecutionException closed) {
            // the store is closing
        }
    }

    /**
     * Reads back the shared states this instance holds a copy of — keys disabled, models' states,
     * bucket and scope holds, learned limits — after its subscription to the fleet's channel was
     * re-made or the fleet resumed: the messages that would have told it were lost. Until 2026-12-03
     * nothing was read back, and a key another instance disabled meanwhile stayed in use here until a
     * restart. Only what restricts is applied: a key enabled or a hold cleared elsewhere meanwhile
     * stays as this instance last knew it (out of use, on the safe side) until the next news of it.
     */
    void resync() {
        if (degraded()) return; // read again when the fleet resumes
        try {
            var sync = cluster.link().connection().sync();
            Map<String, Map<String, String>> states = new java.util.HashMap<>(); // per provider, read once
            java.util.function.Function<String, Map<String, String>> state =
                    k -> states.computeIfAbsent(k.substring(0, k.indexOf('\u0000')), p -> sync.hgetall(windows.stateHash(p)));
            // a key's state not in Redis is left as it is: one this instance disabled while Redis was away stays out
            keys.forEach((k, f) -> applyDisabled(f, state.apply(k).get("d:" + k.substring(k.indexOf('\u0000') + 1))));
            models.forEach((k, f) -> applyModel(f, state.apply(k).get("m:" + k.substring(k.indexOf('\u0000') + 1))));
            scopes.forEach((k, h) -> applyScopeHold(h, sync.hgetall(k)));
            for (RedisBucket b : buckets.values()) readHold(b);
            notifyListeners(null, null);
        } catch (RuntimeException e) {
            trouble(e);
        }
    }

    /** A key's {@code d:<fingerprint>} value from Redis ({@code <at>|<why>}), if any, applied to its copy. */
    private void applyDisabled(SharedKeyFlag f, String v) {
        if (v == null) return;
        String[] p = v.split("\\|", 2);
        f.cached(true, p.length > 1 ? p[1] : "disabled by another instance", windows.toLocal(parse(p[0]), 0));
    }

    /** A model's {@code m:<model>} value from Redis, if any, applied to its copy. */
    private void applyModel(SharedModelFlag f, String v) {
        if (v != null) news.applyModel(f, v.split("\\|", 3));
    }

    /** A scope's hold hash from Redis applied to its copy. */
    private void applyScopeHold(SharedHold h, Map<String, String> m) {
        long cu = parse(m.get("cu")), pu = parse(m.get("pu"));
        if (cu > 0) h.cached(true, windows.toLocal(cu, 0), m.getOrDefault("cu:why", "held by another instance"));
        if (pu > 0) h.cached(false, windows.toLocal(pu, 0), m.getOrDefault("pu:why", "held by another instance"));
    }

    RedisBucket bucketByKey(String key) { return bucketsByKey.get(key); }

    SharedHold scopeHold(String key) { return scopes.get(key); }

    Map<String, SharedHold> scopes() { return scopes; }

    SharedKeyFlag keyFlag(String k) { return keys.get(k); }

    Map<String, SharedKeyFlag> keyFlags() { return keys; }

    SharedModelFlag modelFlag(String k) { return models.get(k); }

    Map<String, SharedModelFlag> modelFlags() { return models; }

    OwnUsage own() { return own; }

    /** Usage hydrated from this instance's store (see {@link #record}). */
    OwnUsage hydrated() { return hydrated; }

    /** The local bucket admitting this instance's share while Redis does not answer. */
    PoolStateStore.Bucket degradedBucket(RedisBucket b) { return outage.degradedBucket(b); }

    /**
     * Usage of a call admitted locally (during an outage): kept for the replay while degraded; once
     * shared again (the call outlived the outage) sent to Redis at once, or kept again if that fails.
     * Until 2026-12-03 it was always kept, and the replay had run already: the call's real tokens
     * reached Redis only at the next outage, the other instances admitting against its estimate.
     */
    void delta(RedisBucket b, long at, long requests, long tokens) {
        if (degraded()) {
            outage.delta(b, at, requests, tokens);
            return;
        }
        windows.recordAsync(b.ref(), at, requests, tokens).whenComplete((r, e) -> {
            if (e != null) {
                outage.delta(b, at, requests, tokens);
                trouble(e);
            }
        });
    }

    void uncertain(RedisBucket b, String id) { outage.uncertain(b, id); }

    void notifyListeners(String provider, String model) {
        // capacity or holds may have changed elsewhere: retry instants remembered from Redis go
        for (RedisBucket b : buckets.values()) {
            if ((provider == null || provider.equals(b.id().provider()))
                    && (model == null || model.equals(b.id().model()) || "*".equals(b.id().model()))) {
                b.forgetRetryInstants();
            }
        }
        if (provider == null) {
            // every provider this process has pools for
            java.util.Set<String> providers = new java.util.HashSet<>();
            for (BucketId id : buckets.keySet()) providers.add(id.provider());
            for (String p : providers) notifyListeners(p, model);
            return;
        }
        for (Listener l : listeners) {
            try {
                l.changedElsewhere(provider, model);
            } catch (RuntimeException e) {
                log.warn("state listener failed: {}", e.toString());
            }
        }
    }



    private static long parse(String s) {
        try {
            return s == null || s.isEmpty() ? 0 : Long.parseLong(s);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    @Override public String toString() { return "RedisStateStore[" + cluster.location() + ", " + buckets.size() + " buckets]"; }
}
