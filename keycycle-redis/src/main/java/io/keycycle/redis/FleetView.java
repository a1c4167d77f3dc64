package io.keycycle.redis;

import io.lettuce.core.ScoredValue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The fleet as an outsider sees it (for {@code keycycle status}): the instances Redis knows, read
 * without joining (no heartbeat, no instance id of its own).
 */
public final class FleetView {

    private FleetView() { }

    /** Reads the instances of the fleet at {@code settings}; {@link io.keycycle.core.ClusterException} when Redis cannot be used. */
    public static List<InstanceView> read(RedisSettings settings) {
        try (RedisLink link = RedisLink.open(settings)) {
            var sync = link.connection().sync();
            var t = sync.time();
            long now = Long.parseLong(t.get(0)) * 1000 + Long.parseLong(t.get(1)) / 1000;
            long ttl = settings.instanceTtl().toMillis();
            List<InstanceView> out = new ArrayList<>();
            for (ScoredValue<String> sv : sync.zrangeWithScores(link.prefix() + ":inst", 0, -1)) {
                Map<String, String> info = sync.hgetall(link.prefix() + ":info:" + sv.getValue());
                long hb = (long) sv.getScore();
                long inflight;
                try {
                    inflight = Long.parseLong(info.getOrDefault("inflight", "0"));
                } catch (NumberFormatException e) {
                    inflight = 0;
                }
                out.add(new InstanceView(sv.getValue(), Instant.ofEpochMilli(hb), inflight, info.getOrDefault("mode", "?"), hb > now - ttl));
            }
            return out;
        }
    }
}
