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

    /** Connects, loads the script, subscribes and beats once; one clear {@link ClusterException} when it cannot. */
    public static RedisCluster join(RedisSettings settings, EngineClock clock) {
        RedisLink link;
        try {
            link = RedisLink.open(settings);
        } catch (ClusterException e) {
            throw e;
        } catch (ConfigurationException e) {
            throw new ClusterException(e.getMessage(), e);
        }
        try {
            RedisCluster c = new RedisCluster(link, clock);
            c.fleet.start();
            return c;
        } catch (RuntimeException e) {
            link.close();
            throw new ClusterException("cannot join the fleet at " + settings.redactedUrl() + ": " + RedisLink.describe(e), e);
        }
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
