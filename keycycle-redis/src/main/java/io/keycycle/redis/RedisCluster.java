package io.keycycle.redis;

import io.keycycle.core.Cluster;
import io.keycycle.core.ClusterException;
import io.keycycle.core.ConfigurationException;
import io.keycycle.core.EngineClock;
import io.keycycle.core.config.ClusterConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * This process in a fleet sharing one pool through Redis: the connection and script
 * ({@link RedisLink}), the shared windows ({@link SharedWindows}), the heartbeat and mode
 * ({@link Fleet}) and the news channel ({@link StateChannel}).
 */
public final class RedisCluster implements Cluster {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(RedisCluster.class);

    private final RedisLink link;
    private final SharedWindows windows;
    private final Fleet fleet;
    private final StateChannel channel;
    private final AtomicLong inFlight = new AtomicLong();
    private final EngineClock clock;
    private volatile RedisStateStore store;

    private RedisCluster(RedisLink link, EngineClock clock) {
        this.link = link;
        this.clock = clock;
        this.windows = new SharedWindows(link, clock, clock == EngineClock.system());
        this.channel = new StateChannel(link, windows.channel());
        this.fleet = new Fleet(windows, inFlight::get);
    }

    /**
     * Connects, loads the script, subscribes and beats once; one clear {@link ClusterException} when it
     * cannot. An instance id that another live process beats under is not joined under: a
     * configured one fails the join, a default one (host name + pid, which containers sharing a
     * host's network, each pid 1, have in common) gets a random suffix ({@link #twinOf}).
     */
    public static RedisCluster join(RedisSettings settings, EngineClock clock) {
        RedisLink link = open(settings);
        try {
            String twin;
            try {
                twin = twinOf(link);
            } catch (ClusterException e) {
                throw e;
            } catch (RuntimeException e) {
                twin = null; // Redis trouble: the first heartbeat meets it too, and the instance starts degraded
            }
            if (twin != null) {
                if (!settings.instanceId().equals(RedisSettings.defaultInstanceId())) {
                    throw new ClusterException("cluster.instance-id '" + settings.instanceId() + "' is in use by another live process on "
                            + settings.redactedUrl() + " (" + twin + "): every process of a fleet needs its own instance id");
                }
                String own = settings.instanceId() + "-" + Integer.toHexString(0x1000 + java.util.concurrent.ThreadLocalRandom.current().nextInt(0xf000));
                LOG.warn("instance id '{}' (host name + pid) is in use by another live process on {} ({}; containers sharing a host's"
                        + " network, each pid 1?): this process joins as '{}'; set cluster.instance-id to name it",
                        settings.instanceId(), settings.redactedUrl(), twin, own);
                link.close();
                link = open(settings.withInstanceId(own));
            }
            RedisCluster c = new RedisCluster(link, clock);
            c.fleet.start();
            return c;
        } catch (ClusterException e) {
            link.close();
            throw e;
        } catch (RuntimeException e) {
            link.close();
            throw new ClusterException("cannot join the fleet at " + settings.redactedUrl() + ": " + RedisLink.describe(e), e);
        }
    }

    private static RedisLink open(RedisSettings settings) {
        try {
            return RedisLink.open(settings);
        } catch (ClusterException e) {
            throw e;
        } catch (ConfigurationException e) {
            throw new ClusterException(e.getMessage(), e);
        }
    }

    /**
     * Whether another live process beats under this link's instance id: null when none, else what
     * was seen. A heartbeat under the id within the instance TTL is either a run that ended without
     * leaving (killed, restarted in place: its reservations are to be given back) or a live process
     * (whose reservations must not be): the heartbeat is watched for up to two intervals, and a live
     * process's moves on.
     */
    static String twinOf(RedisLink link) {
        RedisSettings s = link.settings();
        var sync = link.connection().sync();
        String fleet = link.prefix() + ":inst";
        Double first = sync.zscore(fleet, s.instanceId());
        if (first == null) return null;
        List<String> time = sync.time();
        long now = Long.parseLong(time.get(0)) * 1000 + Long.parseLong(time.get(1)) / 1000;
        long ago = now - first.longValue();
        if (ago >= s.instanceTtl().toMillis()) return null;
        long watch = 2 * s.heartbeatInterval().toMillis();
        LOG.info("instance id '{}' beat {} ms ago: watching its heartbeat for up to {} ms to tell a run that ended from a live process",
                s.instanceId(), ago, watch);
        long deadline = System.nanoTime() + watch * 1_000_000L;
        while (System.nanoTime() < deadline) {
            try {
                Thread.sleep(Math.max(10, Math.min(100, watch / 10)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ClusterException("interrupted while checking whether instance id '" + s.instanceId() + "' is in use", e);
            }
            Double again = sync.zscore(fleet, s.instanceId());
            if (again == null) return null; // it left the fleet
            if (again > first) return "its heartbeat moved on while this one watched";
        }
        return null;
    }

    public static RedisCluster join(ClusterConfig config, EngineClock clock) {
        RedisSettings s = RedisSettings.of(config.redisUrl());
        if (config.instanceId() != null) s = s.withInstanceId(config.instanceId());
        if (config.keyPrefix() != null) s = s.withKeyPrefix(config.keyPrefix());
        s = s.withTimings(config.commandTimeoutOrDefault(), config.heartbeatOrDefault(), config.instanceTtlOrDefault());
        s = s.withBlocks(config.blockSize() != null ? config.blockSize() : s.blockSize(),
                config.blockTime() != null ? config.blockTime() : s.blockTime());
        return join(s, clock);
    }

    public SharedWindows windows() { return windows; }

    public Fleet fleet() { return fleet; }

    public StateChannel channel() { return channel; }

    public RedisLink link() { return link; }

    /** The pools' shared state (one for every pool of this process). */
    @Override
    public RedisStateStore stateStore() {
        RedisStateStore s = store;
        if (s == null) {
            synchronized (this) {
                if (store == null) store = new RedisStateStore(this, clock);
                s = store;
            }
        }
        return s;
    }

    /** Calls admitted here and not yet settled (reported with each heartbeat). */
    public AtomicLong inFlight() { return inFlight; }

    @Override public String mode() { return fleet.mode().label(); }

    @Override public String instanceId() { return fleet.instanceId(); }

    @Override public String location() { return link.settings().redactedUrl() + " (prefix " + link.settings().keyPrefix() + ")"; }

    @Override public String trouble() { return fleet.lastTrouble(); }

    /** Another live process beating under this instance id, seen within the last two minutes. */
    @Override
    public String warning() {
        long seen = fleet.twinSeenAt();
        if (seen == 0 || System.currentTimeMillis() - seen > 120_000) return null;
        return "another live process beats under instance id '" + fleet.instanceId()
                + "': the two overwrite each other's reservations; give each process its own cluster.instance-id";
    }

    @Override public int liveInstances() { return fleet.liveInstances(); }

    @Override public int silentInstances() { return fleet.missingInstances(); }

    @Override
    public List<Instance> instances() {
        List<Instance> out = new ArrayList<>();
        for (InstanceView v : fleet.instances()) out.add(new Instance(v.id(), v.lastHeartbeat(), v.inFlight(), v.mode(), v.alive()));
        return out;
    }

    @Override
    public void close() {
        RedisStateStore s = store;
        if (s != null) s.close();
        try {
            fleet.close();
        } finally {
            try {
                channel.close();
            } finally {
                link.close();
            }
        }
    }
}
