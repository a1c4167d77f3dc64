package io.keycycle.gateway;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.keycycle.Keycycle;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * {@code GET /v1/models}: OpenAI's list shape with every {@code provider/model} of a provider that
 * has keys ({@code owned_by} = the provider) and every tier with a candidate that has keys
 * ({@code owned_by} = {@code keycycle-tier}).
 */
final class ModelsEndpoint implements Handler<RoutingContext> {

    static final String TIER_OWNER = "keycycle-tier";

    private final Keycycle keycycle;
    private final long created;

    ModelsEndpoint(Keycycle keycycle) {
        this.keycycle = keycycle;
        this.created = keycycle.clock().now().getEpochSecond();
    }

    @Override
    public void handle(RoutingContext ctx) {
        ObjectNode root = Jsons.object();
        root.put("object", "list");
        ArrayNode data = root.putArray("data");
        for (String id : ids(keycycle)) {
            int slash = id.indexOf('/');
            add(data, id, slash < 0 ? TIER_OWNER : id.substring(0, slash));
        }
        ctx.response().putHeader("content-type", "application/json").end(Jsons.write(root));
    }

    private void add(ArrayNode data, String id, String owner) {
        ObjectNode o = data.addObject();
        o.put("id", id);
        o.put("object", "model");
        o.put("created", created);
        o.put("owned_by", owner);
    }

    /**
     * Every id the list shows, for the list and for "unknown model" errors: the models of the
     * providers that have keys, except those the tables mark retired or without quota (a client
     * picking from the list should not meet a model that cannot answer), then the tiers with at least
     * one candidate whose provider has keys.
     */
    static List<String> ids(Keycycle keycycle) {
        List<String> out = new ArrayList<>();
        for (String p : keycycle.providers()) {
            for (String m : new TreeSet<>(keycycle.catalog().provider(p).models().keySet())) {
                if (m.equals("*")) continue;
                io.keycycle.core.config.ModelDescription d = keycycle.catalog().describe(p, m);
                if (d.status() == io.keycycle.core.config.ModelStatus.RETIRED || d.hasNoQuota()) continue;
                out.add(p + "/" + m);
            }
        }
        // a tier none of whose candidates has keys would be answered 404: not listed either
        for (String tier : keycycle.tiers().keySet()) {
            try {
                if (keycycle.route(tier).stream().anyMatch(c -> keycycle.providers().contains(c.provider()))) out.add(tier);
            } catch (RuntimeException e) {
                // a tier that names nothing routable is not listed
            }
        }
        return out;
    }
}
