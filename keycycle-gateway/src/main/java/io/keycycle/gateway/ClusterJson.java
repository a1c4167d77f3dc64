package io.keycycle.gateway;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.keycycle.core.ClusterStatus;

/** The shared-pool status (mode and instances) as JSON, for {@code /readyz} and the dashboard. */
final class ClusterJson {

    private ClusterJson() { }

    /** What an anonymous {@code /readyz} caller may see: the mode and the number of live instances. */
    static ObjectNode summary(ClusterStatus c) {
        ObjectNode o = Jsons.object();
        o.put("mode", c.mode());
        o.put("live_instances", c.liveInstances());
        return o;
    }

    static ObjectNode of(ClusterStatus c) {
        ObjectNode o = Jsons.object();
        o.put("mode", c.mode());
        o.put("instance_id", c.instanceId());
        o.put("location", c.location());
        o.put("live_instances", c.liveInstances());
        o.put("silent_instances", c.silentInstances());
        if (c.trouble() != null) o.put("trouble", c.trouble());
        if (c.warning() != null) o.put("warning", c.warning());
        ArrayNode a = o.putArray("instances");
        for (ClusterStatus.Instance i : c.instances()) {
            ObjectNode io = a.addObject();
            io.put("id", i.id());
            io.put("last_heartbeat", i.lastHeartbeat().toString());
            io.put("in_flight", i.inFlight());
            io.put("mode", i.mode());
            io.put("alive", i.alive());
        }
        return o;
    }
}
