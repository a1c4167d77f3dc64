package io.keycycle.redis;

import io.lettuce.core.ScoredValue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * This instance's membership of the fleet: a heartbeat every interval (which also tells how many
 * instances are alive and whether Redis still holds the dataset this instance wrote to), the
 * sweep that returns the capacity of expired leases and dead instances, and the mode.
 *
 * <p>Any failed Redis call ({@link #trouble}) switches to {@link ClusterMode#DEGRADED} at once;
 * only a successful heartbeat switches back to {@link ClusterMode#SHARED}, so a flapping link does
 * not flap the mode on every call. When the heartbeat finds a new dataset epoch (Redis restarted
 * empty, or was flushed), the re-seed listeners run before the mode returns to shared.
 */
public final class Fleet implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Fleet.class);

    /** Told when the mode changes, and when Redis must be re-seeded. */
    public interface Listener {
        default void modeChanged(ClusterMode mode, String why) { }

        /** Redis answers again; {@code emptied} when its dataset is not the one this instance wrote to. */
        default void resumed(boolean emptied) { }

        /** After each heartbeat that Redis answered. */
        default void beat() { }
    }

    private final SharedWindows windows;
    private final RedisLink link;
    private final RedisSettings settings;
    private final LongSupplier inFlight;
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService timer;
    private final long startedAt = System.currentTimeMillis();
    /** This run's token in its heartbeat: another token under the same id after this run's first beat is a second live process. */
    private final String run = Long.toHexString(java.util.concurrent.ThreadLocalRandom.current().nextLong() | 1L << 60);
    /** When a second live process under this id was last logged (0: never). */
    private volatile long twinLoggedAt;
    private volatile ClusterMode mode = ClusterMode.SHARED;
    private volatile String lastTrouble;
    private volatile int live = 1;
    /** Instances alive but silent for longer than {@link #suspectAfter()} at the last heartbeat: their shares are set aside. */
    private volatile int missing;
    /** This process's clock at the last heartbeat Redis answered (0 before the first). */
    private volatile long lastContact;
    private volatile String epoch;
    private volatile long lastBeat;
    private volatile boolean createdDataset;
    /** True when the last heartbeat found Redis without the fleet's data and started a new dataset. */
    private volatile boolean startedDataset;
    private volatile boolean closed;
    /** Live instances whose heartbeat carries another bucket layout, as of the last heartbeat. */
    private volatile int foreignInstances;

    public Fleet(SharedWindows windows, LongSupplier inFlight) {
        this.windows = Objects.requireNonNull(windows);
        this.link = windows.link();
        this.settings = link.settings();
        this.inFlight = inFlight;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "keycycle-redis-heartbeat");
            t.setDaemon(true);
            return t;
        });
    }

    /** Beats once (so the instance count is known before the first admission), then every interval. */
    public Fleet start() {
        giveBackWhatAPreviousRunHeld();
        beat();
        long every = settings.heartbeatInterval().toMillis();
        timer.scheduleWithFixedDelay(this::beat, every, every, TimeUnit.MILLISECONDS);
        return this;
    }

    /**
     * Before the first heartbeat: reservations already under this instance id belong to a run that
     * ended without leaving (this process has made none yet). The sweep would never give them back,
     * since this run beats under the same id; until 2026-12-04 they stayed in flight for good (a
     * container restarted in place keeps its host name and pid, so the default id as well).
     */
    private void giveBackWhatAPreviousRunHeld() {
        try {
            List<Object> r = link.call(new String[0], "restart", link.prefix(), windows.nowArg(windows.localNow()),
                    settings.instanceId(), windows.channel());
            long n = (Long) r.get(0), last = (Long) r.get(1), now = (Long) r.get(2);
            if (n > 0) {
                log.warn("{} reservation(s) of an earlier run under instance id '{}' were still open (it ended without leaving,"
                        + " last heartbeat {} ms ago): given back, their requests stay counted", n, settings.instanceId(),
                        last < 0 ? "unknown" : Long.toString(now - last));
            }
            if (last >= 0 && now - last < settings.instanceTtl().toMillis()) {
                log.warn("instance id '{}' beat {} ms ago: an earlier run that ended without leaving, or another process with the"
                        + " same id (every process of a fleet needs its own cluster.instance-id)", settings.instanceId(), now - last);
            }
        } catch (RuntimeException e) {
            trouble(e);
        }
    }

    /**
     * Another live process beats under this instance id (two processes started at once with one
     * configured id, or with one default id: containers that share a host's network, each pid 1).
     * Their reservation ids collide and each takes the other for itself; nothing here can tell
     * their calls apart, so it is logged, at most once a minute, for the operator to fix.
     */
    private void twinBeats() {
        long now = System.currentTimeMillis();
        if (now - twinLoggedAt < 60_000) return;
        twinLoggedAt = now;
        log.error("another live process beats under instance id '{}' on {}: the two overwrite each other's reservations and may pass"
                + " the limits; give every process of the fleet its own cluster.instance-id",
                settings.instanceId(), settings.redactedUrl());
    }

    /** When a second live process under this instance id was last seen (logged), 0 when never. */
    public long twinSeenAt() { return twinLoggedAt; }

    public void addListener(Listener l) { listeners.add(Objects.requireNonNull(l)); }

    /** Runs {@code task} every {@code millis} on the heartbeat's thread (it must not wait for Redis) until {@link #close}. */
    void every(long millis, Runnable task) {
        timer.scheduleWithFixedDelay(task, millis, millis, TimeUnit.MILLISECONDS);
    }

    public ClusterMode mode() { return mode; }

    /** True when this instance's first heartbeat found Redis without the fleet's data (it started the dataset). */
    public boolean createdDataset() { return createdDataset; }

    /** True when the last heartbeat started the dataset (the first instance to beat after Redis lost its data, or at start). */
    boolean startedDataset() { return startedDataset; }

    /**
     * How long an instance may stay silent before the others treat it as possibly degraded: two
     * heartbeat intervals plus a command timeout (a heartbeat may take that long to answer).
     */
    public long suspectAfter() {
        return 2 * settings.heartbeatInterval().toMillis() + settings.commandTimeout().toMillis();
    }

    /**
     * The first instant (this process's clock) at which a degraded instance may admit locally: by
     * then every instance that still reaches Redis has counted it missing and set its share aside
     * (it notices at its next heartbeat after {@link #suspectAfter()}). An instance alone in the
     * fleet need not wait.
     */
    public long localAdmissionFrom(int instances) {
        if (instances <= 1 || lastContact == 0) return Long.MIN_VALUE;
        return lastContact + suspectAfter() + settings.heartbeatInterval().toMillis() + settings.commandTimeout().toMillis();
    }

    /** Instances counted missing at the last heartbeat (alive, silent for longer than {@link #suspectAfter()}). */
    public int missingInstances() { return missing; }

    /** Live instances of another bucket layout (an older Keycycle on the same key prefix) as of the last heartbeat. */
    public int foreignInstances() { return foreignInstances; }

    /** Live instances as of the last heartbeat (at least 1: this one). */
    public int liveInstances() { return Math.max(1, live); }

    public String instanceId() { return settings.instanceId(); }

    public RedisSettings settings() { return settings; }

    /** Why the instance is degraded (null when shared). */
    public String lastTrouble() { return mode == ClusterMode.SHARED ? null : lastTrouble; }

    /** A Redis call failed or timed out: degrade now; the heartbeat brings shared mode back. */
    public void trouble(Throwable e) {
        lastTrouble = RedisLink.describe(e);
        if (mode != ClusterMode.DEGRADED) {
            mode = ClusterMode.DEGRADED;
            log.warn("Redis at {} is not answering ({}): admitting locally with a 1/{} share of each limit until it does",
                    settings.redactedUrl(), lastTrouble, liveInstances());
            for (Listener l : listeners) l.modeChanged(ClusterMode.DEGRADED, lastTrouble);
        }
    }

    /** One heartbeat and sweep; public for tests that drive it. */
    public void beat() {
        if (closed) return;
        try {
            long local = windows.localNow();
            List<Object> r = link.call(new String[0], "heartbeat", link.prefix(), windows.nowArg(local),
                    settings.instanceId(), Long.toString(settings.instanceTtl().toMillis()), Long.toString(suspectAfter()),
                    "inflight", Long.toString(inFlight.getAsLong()), "mode", mode.label(),
                    "started", Long.toString(startedAt), "layout", Integer.toString(BucketRef.LAYOUT), "run", run);
            boolean first = lastBeat == 0;
            lastBeat = (Long) r.get(0);
            String prevRun = r.size() > 6 && r.get(6) != null ? String.valueOf(r.get(6)) : "";
            if (!first && !prevRun.isEmpty() && !prevRun.equals(run)) twinBeats();
            lastContact = windows.localNow(); // after the answer: no earlier than the beat Redis recorded
            live = (int) (long) (Long) r.get(1);
            int m = r.size() > 5 ? (int) (long) (Long) r.get(5) : 0;
            if (m != missing) {
                if (m > 0) log.warn("{} of {} live instance(s) silent for over {} ms: their shares of each limit are set aside until they beat again",
                        m, live, suspectAfter());
                else log.info("every live instance beats again: admitting against the whole of each limit");
            }
            missing = m;
            windows.setAside(m, live);
            String e = String.valueOf(r.get(2));
            boolean emptied = epoch != null && !epoch.equals(e);
            boolean created = r.size() > 3 && (Long) r.get(3) == 1L;
            if (epoch == null) createdDataset = created;
            startedDataset = created;
            epoch = e;
            int foreign = r.size() > 4 ? (int) (long) (Long) r.get(4) : 0;
            if (foreign != foreignInstances) {
                foreignInstances = foreign;
                if (foreign > 0) {
                    log.error("{} live instance(s) on key prefix '{}' at {} keep their windows in another bucket layout than this one ({}):"
                            + " an older Keycycle; the two do not count each other's calls, so together they may pass the limits."
                            + " Run one Keycycle version per key prefix (see docs/cluster.md)", foreign, settings.keyPrefix(),
                            settings.redactedUrl(), BucketRef.LAYOUT);
                }
            }
            windows.sweep(settings.instanceTtl().toMillis());
            if (mode == ClusterMode.DEGRADED || emptied) {
                for (Listener l : listeners) l.resumed(emptied);
                if (mode == ClusterMode.DEGRADED) {
                    mode = ClusterMode.SHARED;
                    log.info("Redis at {} answers again: shared admission resumed ({} live instance(s){})",
                            settings.redactedUrl(), live, emptied ? "; its data was gone and has been re-seeded" : "");
                    for (Listener l : listeners) l.modeChanged(ClusterMode.SHARED, null);
                }
            }
            for (Listener l : listeners) l.beat();
        } catch (RuntimeException e) {
            trouble(e);
        }
    }

    /** The instances Redis knows (alive or not yet swept), this one included. Empty when Redis does not answer. */
    public List<InstanceView> instances() {
        List<InstanceView> out = new ArrayList<>();
        try {
            var sync = link.connection().sync();
            long ttl = settings.instanceTtl().toMillis();
            long now = lastBeat;
            for (ScoredValue<String> sv : sync.zrangeWithScores(link.prefix() + ":inst", 0, -1)) {
                String id = sv.getValue();
                long hb = (long) sv.getScore();
                Map<String, String> info = sync.hgetall(link.prefix() + ":info:" + id);
                long inflight = parse(info.get("inflight"));
                out.add(new InstanceView(id, Instant.ofEpochMilli(hb), inflight, info.getOrDefault("mode", "?"),
                        hb > now - ttl - settings.heartbeatInterval().toMillis()));
            }
        } catch (RuntimeException e) {
            trouble(e);
        }
        return out;
    }

    private static long parse(String s) {
        try {
            return s == null ? 0 : Long.parseLong(s);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** Stops the heartbeat and leaves the fleet (the instance is removed at once, its open reservations released by the sweep). */
    @Override
    public void close() {
        closed = true;
        timer.shutdownNow();
        try {
            link.connection().sync().zadd(link.prefix() + ":inst", 0, settings.instanceId());
            windows.sweep(settings.instanceTtl().toMillis());
        } catch (RuntimeException e) {
            // Redis gone: the TTL does it
        }
    }
}
